import { join } from 'node:path';
import { loadIllustrationGenConfig } from '@autobio/functions';
import {
  type LocalS3,
  type LocalS3Engine,
  LocalS3StartError,
  resolveVersityGw,
  startLocalS3,
  VERSITYGW_REGION,
} from '@autobio/local-s3';
import {
  browserCorsRules,
  createS3Storage,
  DEFAULT_REGION,
  getAwsClientConfig,
  resetS3Storage,
  validateRegion,
} from '@autobio/s3-storage';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { bucketStartError, embeddedStartError } from './bucket-errors.ts';
import { type DevConfig, isLoopbackHost, isWildcardHost, resolveHosts, urlHost } from './config.ts';
import { type LocalConnection, removeLocalConnection, writeLocalConnection } from './connection.ts';
import { DEFAULT_SWEEP_INTERVAL_MS } from './constants.ts';
import { prepareDataDir } from './data-folder.ts';
import { type DeletionSweeper, startDeletionSweeper } from './deletion-sweeper.ts';
import { DevStartError } from './errors.ts';
import { type FakeIllustrationGen, startFakeIllustrationGen } from './fake-illustration-gen.ts';
import { type HandlerHost, inProcessHandlers } from './handler-host.ts';
import { acquireDataLock, type DataLock } from './lock.ts';
import { seedStubs } from './seed.ts';
import { type DevServer, startDevServer } from './server.ts';
import { startWatchedHandlers } from './watch.ts';

/**
 * The embedded S3 of a running stack: which server, where, the keys it accepts (versitygw
 * refuses any other), the region the handlers sign for and the folder it keeps its objects in.
 */
export type EmbeddedS3 = Pick<
  LocalS3,
  'engine' | 'endpoint' | 'region' | 'credentials' | 'directory'
>;

/** How the running stack makes illustrations. */
export interface IllustrationGenInUse {
  readonly mode: 'stub' | 'service';
  /** The service's URL, without its query. @default - none in stub mode */
  readonly url?: string;
  /** Set when it is pnpm dev's fake service, and how it answers. */
  readonly fake?: FakeIllustrationGen['answer'];
}

/** The running local system. */
export interface LocalStack {
  /** The page: `http://localhost:PORT`, or the public host's. */
  readonly pageUrl: string;
  /** The API's base URL. */
  readonly apiUrl: string;
  readonly bucket: string;
  /** The embedded S3 as it runs, or `undefined` for a real bucket. */
  readonly s3: EmbeddedS3 | undefined;
  /** Stub images uploaded at start (those already there are left alone). */
  readonly seededStubs: readonly string[];
  /** What the connection files say, and where they are; `undefined` with a real bucket. */
  readonly connection: LocalConnection | undefined;
  readonly illustrationGen: IllustrationGenInUse;
  /** Folders whose changes reload the handlers; empty without watch mode. */
  readonly watchDirs: readonly string[];
  /** The address the servers listen on, when other machines can reach it. @default - loopback only */
  readonly exposedOn: string | undefined;
  /** Variables of the environment the embedded S3's settings replaced. */
  readonly replacedVariables: readonly string[];
  /** The deletion sweep, which runs on a timer; `runNow` for tests. */
  readonly sweeper: Pick<DeletionSweeper, 'runNow'>;
  stop(): Promise<void>;
}

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

/**
 * The region the handlers sign for on the embedded S3: S3_CLIENT_REGION when the engine takes
 * it (s3rver checks no signature, so any), never silently another.
 * @throws DevStartError when versitygw is asked for a region it does not check signatures for.
 */
function embeddedRegion(config: DevConfig): string {
  const asked = config.embeddedRegion;
  if (asked === undefined) return DEFAULT_REGION;
  validateRegion(asked);
  if (config.s3Engine === 'versitygw' && asked !== VERSITYGW_REGION) {
    throw new DevStartError(
      `S3_CLIENT_REGION=${asked} cannot be used with DEV_S3=versitygw: the gateway checks signatures ` +
        `for ${VERSITYGW_REGION} only. Unset S3_CLIENT_REGION (or set it to ${VERSITYGW_REGION}), run on ` +
        `s3rver (unset DEV_S3), which takes any region, or set S3_BUCKET_NAME to use a real bucket in ${asked}.`,
    );
  }
  return asked;
}

/** Sets variables of `process.env`, and returns how to put back what was there. */
function applyEnvironment(values: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

async function startEmbeddedS3(
  config: DevConfig,
  bindHost: string,
  corsOrigins: readonly string[],
): Promise<LocalS3> {
  const directory = engineDataDir(config);
  if (directory !== config.dataDir) await prepareDataDir(directory, { mark: false });
  try {
    return await startLocalS3({
      engine: config.s3Engine,
      address: bindHost,
      port: config.s3Port,
      directory,
      buckets: [{ name: config.localBucket, cors: browserCorsRules(corsOrigins) }],
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
      `The embedded S3 (${config.s3Engine}) could not start with the data folder ${directory}: ${(error as Error).message} ` +
        'Remove the folder to start clean, or set DEV_DATA_DIR to another folder.',
      { cause: error },
    );
  }
}

/**
 * Starts the whole storage system on this machine: the embedded S3 (or a real bucket when
 * S3_BUCKET_NAME is set), the bucket's CORS rules for the page, the stub images, the page with
 * the API's handlers behind it, and, when asked, the fake illustration-gen service and watch mode.
 * With the embedded S3 it locks the data folder and writes the connection files into it.
 * @throws DevStartError with the fix: a port in use, a broken or locked data folder, a deployed
 * environment, DEV_S3=versitygw without the binary or with another region, a real bucket that
 * cannot be reached.
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
  const embedded = config.s3Mode === 'embedded';
  const { bindHost, publicHost } = resolveHosts(config);
  const region = embedded ? embeddedRegion(config) : undefined;
  if (embedded) assertEngineInstalled(config.s3Engine);

  // Undone in reverse order on stop, or when a later step fails.
  const undo: (() => Promise<void> | void)[] = [];
  const cleanUp = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    let lock: DataLock | undefined;
    if (embedded) {
      // The data folder first, so a broken DEV_DATA_DIR is named as the user set it, and the
      // lock before any port, so a second pnpm dev names the first rather than a busy port.
      await prepareDataDir(config.dataDir);
      lock = await acquireDataLock(config.dataDir);
      undo.push(() => lock?.release());
    }
    undo.push(
      applyEnvironment({ POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN' }),
    );

    const handlers: HandlerHost = config.watch
      ? await startWatchedHandlers({ log: (line) => console.log(`  watch     ${line}`) })
      : inProcessHandlers();
    undo.push(() => handlers.close());
    const server: DevServer = await startDevServer({
      port: config.port,
      host: bindHost,
      publicHost,
      log,
      handlers,
    });
    undo.push(() => server.close());
    const localOrigin = `http://localhost:${server.port}`;
    const corsOrigins = [
      server.url,
      ...(isWildcardHost(bindHost) && server.url !== localOrigin ? [localOrigin] : []),
    ];

    let s3: LocalS3 | undefined;
    let embeddedS3: EmbeddedS3 | undefined;
    const replacedVariables: string[] = [];
    if (embedded) {
      s3 = await startEmbeddedS3(config, bindHost, corsOrigins);
      const running = s3;
      undo.push(() => running.stop());
      // Presigned URLs are signed for this endpoint: the browser must reach it under this name.
      const endpoint =
        isLoopbackHost(bindHost) && config.publicHost === undefined
          ? s3.endpoint
          : `http://${urlHost(publicHost)}:${s3.port}`;
      const values = {
        S3_BUCKET_NAME: config.localBucket,
        S3_CLIENT_REGION: region!,
        S3_ENDPOINT: endpoint,
        // The running server's own keys: versitygw checks every signature against them.
        BACKEND_AWS_KEY: s3.credentials.accessKeyId,
        BACKEND_AWS_SECRET: s3.credentials.secretAccessKey,
      };
      for (const name of ['S3_ENDPOINT', 'BACKEND_AWS_KEY', 'BACKEND_AWS_SECRET'] as const) {
        const had = process.env[name]?.trim();
        if (had && had !== values[name]) replacedVariables.push(name);
      }
      undo.push(applyEnvironment(values));
      embeddedS3 = {
        engine: s3.engine,
        endpoint,
        region: region!,
        credentials: s3.credentials,
        directory: s3.directory,
      };
    }

    let fake: FakeIllustrationGen | undefined;
    if (config.illustrationGen === 'fake' || config.illustrationGen === 'fake-foreign-bucket') {
      const fakeS3: S3ClientConfig = embeddedS3
        ? {
            region: embeddedS3.region,
            endpoint: embeddedS3.endpoint,
            forcePathStyle: true,
            credentials: embeddedS3.credentials,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : getAwsClientConfig(process.env.S3_CLIENT_REGION?.trim() || DEFAULT_REGION);
      fake = await startFakeIllustrationGen({
        s3: fakeS3,
        answer: config.illustrationGen === 'fake' ? 'own-bucket' : 'foreign-bucket',
      });
      const running = fake;
      undo.push(() => running.close());
      undo.push(
        applyEnvironment({ ILLUSTRATION_GEN_MODE: 'service', ILLUSTRATION_GEN_URL: fake.url }),
      );
    }
    const genConfig = loadIllustrationGenConfig();
    const illustrationGen: IllustrationGenInUse = {
      mode: genConfig.mode,
      ...(genConfig.url
        ? { url: `${new URL(genConfig.url).origin}${new URL(genConfig.url).pathname}` }
        : {}),
      ...(fake ? { fake: fake.answer } : {}),
    };

    resetS3Storage();
    const storage = createS3Storage();
    const bucket = storage.getBucketName();
    let seededStubs: string[];
    try {
      seededStubs = await seedStubs(storage);
    } catch (error) {
      throw (
        (embeddedS3
          ? embeddedStartError(error, embeddedS3.endpoint)
          : bucketStartError(error, bucket)) ?? error
      );
    }

    let connection: LocalConnection | undefined;
    if (embeddedS3) {
      connection = {
        engine: embeddedS3.engine,
        endpoint: embeddedS3.endpoint,
        bucket,
        region: embeddedS3.region,
        accessKeyId: embeddedS3.credentials.accessKeyId,
        secretAccessKey: embeddedS3.credentials.secretAccessKey,
        pageUrl: server.url,
        apiUrl: `${server.url}/api`,
        pid: process.pid,
        dataDir: config.dataDir,
      };
      const dataDir = config.dataDir;
      // Undone first: removed before the S3 stops and the lock goes.
      undo.push(() => removeLocalConnection(dataDir));
      await writeLocalConnection(connection);
    }

    // The same sweep as in AWS, so that DELETE /me/data ends the same way (and the 409s with it).
    const sweeper = startDeletionSweeper({
      intervalMs: config.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
      log: (line) => console.log(`  sweep     ${line}`),
    });
    undo.push(() => sweeper.close());

    return {
      pageUrl: server.url,
      apiUrl: `${server.url}/api`,
      bucket,
      s3: embeddedS3,
      seededStubs,
      connection,
      illustrationGen,
      watchDirs: 'watchDirs' in handlers ? (handlers.watchDirs as readonly string[]) : [],
      exposedOn: isLoopbackHost(bindHost) ? undefined : bindHost,
      replacedVariables,
      sweeper: { runNow: sweeper.runNow },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
