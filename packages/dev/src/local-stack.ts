import { access, constants, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type LocalS3,
  type LocalS3Engine,
  LocalS3StartError,
  resolveVersityGw,
  startLocalS3,
} from '@autobio/local-s3';
import {
  browserCorsRules,
  createS3Storage,
  resetS3Storage,
  type S3Storage,
} from '@autobio/s3-storage';
import type { DevConfig } from './config.ts';
import { LOOPBACK } from './constants.ts';
import { DevStartError } from './errors.ts';
import { type DevServer, startDevServer } from './server.ts';

/**
 * The embedded S3 of a running stack: which server, where, the keys it accepts (versitygw
 * refuses any other) and the folder it keeps its objects in.
 */
export type EmbeddedS3 = Pick<
  LocalS3,
  'engine' | 'endpoint' | 'region' | 'credentials' | 'directory'
>;

/** The running local system. */
export interface LocalStack {
  /** The page: `http://localhost:PORT`. */
  readonly pageUrl: string;
  /** The API's base URL. */
  readonly apiUrl: string;
  readonly bucket: string;
  /** The embedded S3 as it runs, or `undefined` for a real bucket. */
  readonly s3: EmbeddedS3 | undefined;
  /** Stub images uploaded at start (those already there are left alone). */
  readonly seededStubs: readonly string[];
  stop(): Promise<void>;
}

const STUBS_DIR = fileURLToPath(new URL('../stubs/', import.meta.url));

/**
 * The folder the engine keeps its objects in. s3rver reads every sub-folder of its folder as a
 * bucket and versitygw keeps buckets/, versions/ and meta/ in its own, so they must not share
 * one: s3rver keeps the data folder itself, so an existing .local-s3 stays usable, versitygw its
 * `versitygw/` sub-folder. Switching DEV_S3 thus keeps both engines' data apart.
 */
export function engineDataDir(config: Pick<DevConfig, 'dataDir' | 's3Engine'>): string {
  return config.s3Engine === 'versitygw' ? join(config.dataDir, 'versitygw') : config.dataDir;
}

/** Fails before anything starts when DEV_S3=versitygw finds no binary to run. */
function assertEngineInstalled(engine: LocalS3Engine): void {
  if (engine !== 'versitygw') return;
  try {
    resolveVersityGw();
  } catch (error) {
    if (!(error instanceof LocalS3StartError)) throw error;
    throw new DevStartError(
      `DEV_S3=versitygw cannot start: ${error.message} Or unset DEV_S3 to run on s3rver.`,
      { cause: error },
    );
  }
}

async function prepareDataDir(dataDir: string): Promise<void> {
  const info = await stat(dataDir).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new DevStartError(
      `The data folder ${dataDir} is a file, not a folder. Remove it (it holds only local test data) ` +
        'or point DEV_DATA_DIR at another folder.',
    );
  }
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new DevStartError(
      `The data folder ${dataDir} cannot be written: ${(error as Error).message}. Fix its permissions, ` +
        'remove it to start clean, or set DEV_DATA_DIR to another folder.',
      { cause: error },
    );
  }
}

/** Uploads each stub image of the repo that the bucket does not have yet. */
async function seedStubs(storage: S3Storage): Promise<string[]> {
  const seeded: string[] = [];
  for (const file of (await readdir(STUBS_DIR)).filter((f) => f.endsWith('.png')).sort()) {
    const key = storage.getStubKey(file);
    if (await storage.objectExists(key)) continue;
    await storage.putObject(key, await readFile(`${STUBS_DIR}${file}`), {
      contentType: 'image/png',
    });
    seeded.push(key);
  }
  return seeded;
}

/**
 * Starts the whole storage system on this machine: the embedded S3 (or a real bucket when
 * S3_BUCKET_NAME is set), the bucket's CORS rules for the page, the stub images, and the page
 * with the API's handlers behind it.
 * @throws DevStartError with the fix: a port in use, a broken data folder, a deployed environment,
 * DEV_S3=versitygw without the binary.
 */
export async function startLocalStack(
  config: DevConfig,
  log: (line: string) => void = () => {},
): Promise<LocalStack> {
  if (
    process.env.AWS_LAMBDA_FUNCTION_NAME ||
    process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_')
  ) {
    throw new DevStartError(
      'pnpm dev is for local machines only and refuses to run inside AWS Lambda.',
    );
  }
  if (config.s3Mode === 'embedded') assertEngineInstalled(config.s3Engine);
  const server: DevServer = await startDevServer({ port: config.port, log });
  let s3: LocalS3 | undefined;
  const s3DataDir = engineDataDir(config);
  try {
    if (config.s3Mode === 'embedded') {
      // The data folder itself first, so a broken DEV_DATA_DIR is named as the user set it.
      await prepareDataDir(config.dataDir);
      if (s3DataDir !== config.dataDir) await prepareDataDir(s3DataDir);
      try {
        s3 = await startLocalS3({
          engine: config.s3Engine,
          address: LOOPBACK,
          port: config.s3Port,
          directory: s3DataDir,
          buckets: [{ name: config.localBucket, cors: browserCorsRules([server.url]) }],
        });
      } catch (error) {
        if (error instanceof LocalS3StartError && error.message.includes('is in use')) {
          throw new DevStartError(
            `Port ${config.s3Port} of the embedded S3 is in use. Stop what uses it, or pick another ` +
              'port: DEV_S3_PORT=4570 pnpm dev.',
            { cause: error },
          );
        }
        throw new DevStartError(
          `The embedded S3 (${config.s3Engine}) could not start with the data folder ${s3DataDir}: ${(error as Error).message} ` +
            'Remove the folder to start clean, or set DEV_DATA_DIR to another folder.',
          { cause: error },
        );
      }
      Object.assign(process.env, {
        S3_BUCKET_NAME: config.localBucket,
        S3_CLIENT_REGION: s3.region,
        S3_ENDPOINT: s3.endpoint,
        // The running server's own keys: versitygw checks every signature against them.
        BACKEND_AWS_KEY: s3.credentials.accessKeyId,
        BACKEND_AWS_SECRET: s3.credentials.secretAccessKey,
      });
    }
    process.env.ILLUSTRATION_GEN_MODE ??= 'stub';
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    resetS3Storage();
    const storage = createS3Storage();
    const seededStubs = await seedStubs(storage);
    const running = s3;
    return {
      pageUrl: server.url,
      apiUrl: `${server.url}/api`,
      bucket: storage.getBucketName(),
      s3: running && {
        engine: running.engine,
        endpoint: running.endpoint,
        region: running.region,
        credentials: running.credentials,
        directory: running.directory,
      },
      seededStubs,
      async stop() {
        await server.close();
        await running?.stop();
      },
    };
  } catch (error) {
    await server.close();
    await s3?.stop();
    throw error;
  }
}
