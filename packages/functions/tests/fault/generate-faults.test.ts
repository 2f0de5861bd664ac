import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import { type FaultyS3Proxy, startFaultyS3Proxy } from '../helpers/faulty-s3-proxy.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

let proxy: FaultyS3Proxy | undefined;
const fixture = useLocalStorage({
  endpoint: async (server) => {
    proxy = await startFaultyS3Proxy(server.endpoint);
    return proxy.endpoint;
  },
});
afterAll(() => proxy?.stop());

const REQUEST_TIMEOUT_MS = 300;
const MAX_ATTEMPTS = 3;
/** One call's deadline: every attempt's timeout, and the SDK's longest backoff (1 s, then 2 s). */
const CALL_BOUND_MS = MAX_ATTEMPTS * REQUEST_TIMEOUT_MS + 1_000 + 2_000;
const SLACK_MS = 500;

beforeEach(() => {
  proxy!.set(undefined);
  vi.stubEnv('S3_REQUEST_TIMEOUT_MS', String(REQUEST_TIMEOUT_MS));
  vi.stubEnv('S3_CONNECTION_TIMEOUT_MS', String(REQUEST_TIMEOUT_MS));
  vi.stubEnv('S3_MAX_ATTEMPTS', String(MAX_ATTEMPTS));
  // Service mode, at an address nothing listens on: no test here gets as far as calling it.
  vi.stubEnv('ILLUSTRATION_GEN_URL', 'http://127.0.0.1:9/generate');
});

async function generate(remainingMs?: number) {
  const user = fixture.newUser();
  await fixture.storage().putObject(`subjects/${user}.png`, fakePng(256), {
    contentType: 'image/png',
  });
  const started = performance.now();
  const result = await invoke(
    generateIllustration,
    {
      method: 'POST',
      route: '/illustrations/{kind}',
      sub: user,
      pathParameters: { kind: 'memory' },
      body: {},
    },
    lambdaContext(remainingMs),
  );
  return { result, ms: performance.now() - started };
}

describe('POST /illustrations/{kind} when S3 misbehaves', () => {
  it('answers 504 StorageTimeout within one call deadline when S3 stops answering', async () => {
    proxy!.set({ kind: 'stall' });

    const { result, ms } = await generate();

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('StorageTimeout');
    expect(proxy!.requests).toBe(MAX_ATTEMPTS);
    expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
  });

  it("answers 504 StorageTimeout at the request's deadline when S3 is slow on every call", async () => {
    // Each call answers within its own limits, but the calls together outlast the request.
    vi.stubEnv('S3_REQUEST_TIMEOUT_MS', '2000');
    proxy!.set({ kind: 'slow', delayMs: 300 });
    const remainingMs = 1_800;
    // Lambda's remaining time less the reserve kept to answer (LAMBDA_TIME_RESERVE_MS, 1 s).
    const deadlineMs = remainingMs - 1_000;

    const { result, ms } = await generate(remainingMs);

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('StorageTimeout');
    expect(ms).toBeGreaterThanOrEqual(deadlineMs - 10);
    expect(ms).toBeLessThan(remainingMs);
  });

  it('answers 503 StorageBusy, never 500, when S3 keeps asking to slow down', async () => {
    proxy!.set({ kind: 'slow-down' });

    const { result, ms } = await generate();

    expect(result.statusCode).toBe(503);
    expect(result.json.error).toMatchObject({
      code: 'StorageBusy',
      message: expect.stringMatching(/^Storage is busy\. Try again in \d+ s\.$/),
    });
    expect(proxy!.requests).toBe(MAX_ATTEMPTS);
    expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
  });
});
