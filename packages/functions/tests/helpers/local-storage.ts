import { randomUUID } from 'node:crypto';
import {
  LOCAL_S3_CREDENTIALS,
  type LocalS3,
  type LocalS3Engine,
  startLocalS3,
} from '@autobio/local-s3';
import {
  browserCorsRules,
  createS3Storage,
  resetS3Storage,
  type S3Storage,
} from '@autobio/s3-storage';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { type CapturedLogs, captureLogs } from './logs.ts';

/** The embedded S3 of one test file, and the storage env of every test in it. */
export interface LocalStorageFixture {
  readonly bucket: string;
  /** The replica bucket on the same server, with `replica: true`. */
  readonly replicaBucket: string;
  /** Where the handlers' storage client sends requests (the server, or a proxy in front of it). */
  endpoint(): string;
  /** The server itself. */
  server(): LocalS3;
  /** A storage client of its own, to arrange and check objects without the handlers' singleton. */
  storage(): S3Storage;
  /** The same for the replica bucket, with `replica: true`. */
  replicaStorage(): S3Storage;
  /** The log lines the handlers wrote during the current test. */
  logs(): CapturedLogs;
  /** A fresh user id, so tests sharing the bucket never see each other's objects. */
  newUser(): string;
}

/** The storage package's environment for the embedded server, signing with `credentials`. */
export function stubStorageEnv(
  bucket: string,
  endpoint: string,
  credentials: LocalS3['credentials'] = LOCAL_S3_CREDENTIALS,
): void {
  vi.stubEnv('S3_BUCKET_NAME', bucket);
  vi.stubEnv('S3_ENDPOINT', endpoint);
  vi.stubEnv('S3_CLIENT_REGION', 'us-east-1');
  vi.stubEnv('BACKEND_AWS_KEY', credentials.accessKeyId);
  vi.stubEnv('BACKEND_AWS_SECRET', credentials.secretAccessKey);
  for (const name of [
    'ILLUSTRATION_GEN_MODE',
    'ILLUSTRATION_GEN_URL',
    'ILLUSTRATION_GEN_TIMEOUT_MS',
    'STUB_IMAGE_NAME',
    'S3_REPLICA_BUCKET_NAME',
    'S3_REPLICA_REGION',
    'CDN_DISTRIBUTION_ID',
    'DELETION_SWEEP_DELAY_SECONDS',
    'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_EXECUTION_ENV',
  ]) {
    vi.stubEnv(name, undefined);
  }
  resetS3Storage();
}

/**
 * Starts an embedded S3 for the test file, points the storage package's env at it before each
 * test (with the singleton reset) and captures the handlers' logs.
 * @param options.endpoint - another endpoint for the handlers, such as a recording proxy.
 * @param options.engine - the server: s3rver (the default), or versitygw, a real S3 that checks
 *   signatures, POST policies and versions.
 * @param options.replica - a second bucket on the server, for the replica (which nothing
 *   replicates to: tests write to it themselves). The handlers' env names it only when a test
 *   sets S3_REPLICA_BUCKET_NAME.
 */
export function useLocalStorage(
  options: {
    readonly endpoint?: (server: LocalS3) => Promise<string> | string;
    readonly engine?: LocalS3Engine;
    readonly replica?: boolean;
  } = {},
): LocalStorageFixture {
  const bucket = `functions-test-${randomUUID().slice(0, 8)}`;
  const replicaBucket = `${bucket}-replica`;
  let server: LocalS3 | undefined;
  let endpoint: string | undefined;
  let storage: S3Storage | undefined;
  let replicaStorage: S3Storage | undefined;
  let logs: CapturedLogs | undefined;

  beforeAll(async () => {
    server = await startLocalS3({
      ...(options.engine ? { engine: options.engine } : {}),
      buckets: [
        { name: bucket, cors: browserCorsRules(['http://localhost:5173']) },
        ...(options.replica ? [{ name: replicaBucket }] : []),
      ],
    });
    endpoint = options.endpoint ? await options.endpoint(server) : server.endpoint;
    const storageOf = (bucketName: string) =>
      createS3Storage({
        config: {
          bucketName,
          endpoint: server!.endpoint,
          // The server's own keys: versitygw refuses any other secret.
          credentials: { ...server!.credentials },
        },
      });
    storage = storageOf(bucket);
    replicaStorage = options.replica ? storageOf(replicaBucket) : undefined;
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    stubStorageEnv(bucket, endpoint!, server!.credentials);
    logs = captureLogs();
  });
  afterEach(() => {
    logs?.restore();
    vi.unstubAllEnvs();
    resetS3Storage();
  });

  return {
    bucket,
    replicaBucket,
    endpoint: () => endpoint!,
    server: () => server!,
    storage: () => storage!,
    replicaStorage: () => {
      if (!replicaStorage) throw new Error('Start the fixture with replica: true for a replica.');
      return replicaStorage;
    },
    logs: () => logs!,
    newUser: () => `user-${randomUUID()}`,
  };
}
