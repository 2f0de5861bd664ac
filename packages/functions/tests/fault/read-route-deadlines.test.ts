import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import { type FaultyS3Proxy, startFaultyS3Proxy } from '../helpers/faulty-s3-proxy.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

let proxy: FaultyS3Proxy | undefined;
const fixture = useLocalStorage({
  endpoint: async (server) => {
    proxy = await startFaultyS3Proxy(server.endpoint);
    return proxy.endpoint;
  },
});
afterAll(() => proxy?.stop());

// One S3 call that answers within its own timeout (2 s) but after the request's deadline: only
// the request's abort signal can end it in time.
const S3_DELAY_MS = 1_500;
const REMAINING_MS = 1_800;
// Lambda's remaining time less the reserve kept to answer (LAMBDA_TIME_RESERVE_MS, 1 s).
const DEADLINE_MS = REMAINING_MS - 1_000;

beforeEach(() => {
  proxy!.set({ kind: 'slow', delayMs: S3_DELAY_MS });
  vi.stubEnv('S3_REQUEST_TIMEOUT_MS', '2000');
  vi.stubEnv('S3_MAX_ATTEMPTS', '1');
});

const ROUTES = [
  {
    name: 'GET /illustrations/{kind}',
    handler: listIllustrations,
    request: { method: 'GET', route: '/illustrations/{kind}', pathParameters: { kind: 'memory' } },
  },
  {
    name: 'GET /images/subject',
    handler: getSubjectImage,
    request: { method: 'GET', route: '/images/subject' },
  },
] as const;

describe.each(ROUTES)('$name against an S3 slower than the request', ({ handler, request }) => {
  it("answers 504 StorageTimeout at the request's deadline, not when S3 answers", async () => {
    const started = performance.now();

    const result = await invoke(
      handler,
      { ...request, sub: fixture.newUser() },
      lambdaContext(REMAINING_MS),
    );
    const ms = performance.now() - started;

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('StorageTimeout');
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 10);
    expect(ms).toBeLessThan(S3_DELAY_MS);
  });
});
