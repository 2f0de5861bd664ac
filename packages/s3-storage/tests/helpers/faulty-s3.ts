import { randomBytes } from 'node:crypto';
import { type LocalS3, type LocalS3Engine, startLocalS3 } from '@autobio/local-s3';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createS3Storage, type S3Storage } from '../../src/storage.ts';
import { type Fault, type FaultPlan, type FaultProxy, startFaultProxy } from './fault-proxy.ts';

export const FAULT_BUCKET = 'autobio-faults';

/** Small timeouts, so that every fault ends fast. */
export const MAX_ATTEMPTS = 3;
export const REQUEST_TIMEOUT_MS = 300;
/**
 * The longest any call may take: every attempt's timeout, plus the SDK's standard retries'
 * longest waits between them (after a throttling answer: up to 1 s, then 2 s).
 */
export const CALL_BOUND_MS = MAX_ATTEMPTS * REQUEST_TIMEOUT_MS + 1_000 + 2_000;
/** Time for the machine itself (timers, a busy CI runner) on top of a bound. */
export const SLACK_MS = 400;

/** An object of the layout, stored before the tests, and its bytes. */
export const OBJECT_KEY = 'subjects/fault-user.png';

export interface FaultyS3 {
  readonly engine: LocalS3Engine;
  readonly proxy: FaultProxy;
  readonly objectBytes: Buffer;
  /** A storage client that sends everything through the proxy. */
  storage(overrides?: { maxAttempts?: number }): S3Storage;
  /** Puts `fault` on every request with this method whose path holds `pathPart`. */
  inject(fault: Fault, method?: string, pathPart?: string): void;
  /** Puts each fault on the matching request in turn; later ones pass. */
  injectInTurn(faults: readonly (Fault | undefined)[], method?: string, pathPart?: string): void;
  /** Requests with this method whose path holds `pathPart`, as the proxy saw them. */
  count(method?: string, pathPart?: string): number;
}

/**
 * A real S3 server for a test file (s3rver, or versitygw, which keeps each object's checksum as
 * S3 does) behind a fault proxy, with one object stored. Faults are cleared before each test.
 */
export function useFaultyS3(engine: LocalS3Engine): FaultyS3 {
  let server: LocalS3 | undefined;
  let proxy: FaultProxy | undefined;
  const objectBytes = randomBytes(64 * 1024);
  const objectPath = `/${FAULT_BUCKET}/${OBJECT_KEY}`;

  const storageFor = (endpoint: string, maxAttempts = MAX_ATTEMPTS) =>
    createS3Storage({
      config: {
        bucketName: FAULT_BUCKET,
        endpoint,
        region: server!.region,
        credentials: { ...server!.credentials },
        maxAttempts,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        connectionTimeoutMs: REQUEST_TIMEOUT_MS,
      },
    });

  beforeAll(async () => {
    server = await startLocalS3({ engine, buckets: [{ name: FAULT_BUCKET }] });
    await storageFor(server.endpoint).putObject(OBJECT_KEY, objectBytes, {
      contentType: 'image/png',
    });
    proxy = await startFaultProxy(server.endpoint, () => undefined);
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });
  beforeEach(() => proxy?.reset(() => undefined));

  const matches =
    (method: string, pathPart: string) => (request: { method: string; url: string }) =>
      request.method === method && request.url.includes(pathPart);
  return {
    engine,
    get proxy() {
      return proxy!;
    },
    objectBytes,
    storage: (overrides = {}) => storageFor(proxy!.endpoint, overrides.maxAttempts),
    inject(fault, method = 'GET', pathPart = objectPath) {
      const match = matches(method, pathPart);
      proxy!.reset((request) => (match(request) ? fault : undefined));
    },
    injectInTurn(faults, method = 'GET', pathPart = objectPath) {
      const match = matches(method, pathPart);
      let seen = 0;
      const plan: FaultPlan = (request) => (match(request) ? faults[seen++] : undefined);
      proxy!.reset(plan);
    },
    count: (method = 'GET', pathPart = objectPath) => proxy!.count(method, pathPart),
  };
}

/** How long `call` took to settle, and how. */
export async function timed<T>(
  call: () => Promise<T>,
): Promise<{ readonly ms: number; readonly value?: T; readonly error?: unknown }> {
  const started = performance.now();
  try {
    const value = await call();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}
