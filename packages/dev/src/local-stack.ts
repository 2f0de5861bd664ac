import { access, constants, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  LOCAL_S3_CREDENTIALS,
  type LocalS3,
  LocalS3StartError,
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

/** The running local system. */
export interface LocalStack {
  /** The page: `http://localhost:PORT`. */
  readonly pageUrl: string;
  /** The API's base URL. */
  readonly apiUrl: string;
  /** The S3 endpoint, or `undefined` for a real bucket. */
  readonly s3Endpoint: string | undefined;
  readonly bucket: string;
  readonly dataDir: string | undefined;
  /** Stub images uploaded at start (those already there are left alone). */
  readonly seededStubs: readonly string[];
  stop(): Promise<void>;
}

const STUBS_DIR = fileURLToPath(new URL('../stubs/', import.meta.url));

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
 * @throws DevStartError with the fix: a port in use, a broken data folder, a deployed environment.
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
  const server: DevServer = await startDevServer({ port: config.port, log });
  let s3: LocalS3 | undefined;
  try {
    if (config.s3Mode === 'embedded') {
      await prepareDataDir(config.dataDir);
      try {
        s3 = await startLocalS3({
          address: LOOPBACK,
          port: config.s3Port,
          directory: config.dataDir,
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
          `The embedded S3 could not start with the data folder ${config.dataDir}: ${(error as Error).message} ` +
            'Remove the folder to start clean, or set DEV_DATA_DIR to another folder.',
          { cause: error },
        );
      }
      Object.assign(process.env, {
        S3_BUCKET_NAME: config.localBucket,
        S3_CLIENT_REGION: 'us-east-1',
        S3_ENDPOINT: s3.endpoint,
        BACKEND_AWS_KEY: LOCAL_S3_CREDENTIALS.accessKeyId,
        BACKEND_AWS_SECRET: LOCAL_S3_CREDENTIALS.secretAccessKey,
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
      s3Endpoint: running?.endpoint,
      bucket: storage.getBucketName(),
      dataDir: running ? config.dataDir : undefined,
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
