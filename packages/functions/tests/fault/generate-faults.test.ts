import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LAMBDA_TIME_RESERVE_MS } from '../../src/constants.ts';
import {
  CLEANUP_TIME_RESERVE_MS,
  handler as generateIllustration,
} from '../../src/handlers/generate-illustration.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import {
  type FakeIllustrationGen,
  startFakeIllustrationGen,
} from '../helpers/fake-illustration-gen.ts';
import {
  type FaultyS3Proxy,
  isCopyObject,
  isDeleteObject,
  isListUnder,
  startFaultyS3Proxy,
} from '../helpers/faulty-s3-proxy.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

let proxy: FaultyS3Proxy | undefined;
const fixture = useLocalStorage({
  engine: 'versitygw',
  endpoint: async (server) => {
    proxy = await startFaultyS3Proxy(server.endpoint);
    return proxy.endpoint;
  },
});
/** The illustration-gen service writes straight to S3; its answers come through a proxy. */
let service: FakeIllustrationGen;
let serviceProxy: FaultyS3Proxy;
beforeAll(async () => {
  service = await startFakeIllustrationGen(fixture.storage());
  serviceProxy = await startFaultyS3Proxy(new URL(service.url).origin);
  // Stub mode copies any PNG under the stubs prefix.
  await fixture.storage().putObject('stubs/fault-stub.png', fakePng(200), {
    contentType: 'image/png',
  });
});
afterAll(async () => {
  await proxy?.stop();
  await serviceProxy?.stop();
  await service?.close();
});

const REQUEST_TIMEOUT_MS = 300;
const MAX_ATTEMPTS = 3;
/** One call's deadline: every attempt's timeout, and the SDK's longest backoff (1 s, then 2 s). */
const CALL_BOUND_MS = MAX_ATTEMPTS * REQUEST_TIMEOUT_MS + 1_000 + 2_000;
const SLACK_MS = 500;
/** Time the storage calls before the cleanup get: Lambda's remaining time less both reserves. */
const workDeadlineMs = (remainingMs: number) =>
  remainingMs - LAMBDA_TIME_RESERVE_MS - CLEANUP_TIME_RESERVE_MS;

beforeEach(() => {
  proxy!.set(undefined);
  serviceProxy.set(undefined);
  service.behave({ kind: 'good' });
  vi.stubEnv('S3_REQUEST_TIMEOUT_MS', String(REQUEST_TIMEOUT_MS));
  vi.stubEnv('S3_CONNECTION_TIMEOUT_MS', String(REQUEST_TIMEOUT_MS));
  vi.stubEnv('S3_MAX_ATTEMPTS', String(MAX_ATTEMPTS));
  // Service mode, at an address nothing listens on, unless a test picks a mode.
  vi.stubEnv('ILLUSTRATION_GEN_URL', 'http://127.0.0.1:9/generate');
});

const useStubs = () => vi.stubEnv('ILLUSTRATION_GEN_URL', undefined);
function useService(timeoutMs: number): void {
  vi.stubEnv('ILLUSTRATION_GEN_URL', `${serviceProxy.endpoint}/generate`);
  vi.stubEnv('ILLUSTRATION_GEN_TIMEOUT_MS', String(timeoutMs));
}

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
  return { user, result, ms: performance.now() - started };
}

/** What the list route answers the user, with S3 healthy again. */
async function listed(user: string): Promise<string[]> {
  proxy!.set(undefined);
  const page = await invoke(listIllustrations, {
    method: 'GET',
    route: '/illustrations/{kind}',
    sub: user,
    pathParameters: { kind: 'memory' },
  });
  expect(page.statusCode).toBe(200);
  return page.json.items.map((item: { key: string }) => item.key);
}

/** The current objects under the user's generated prefix, as S3 itself lists them. */
async function storedFor(user: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of fixture.storage().listKeys(`generated/memory/${user}/`)) {
    keys.push(object.key);
  }
  return keys;
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
    const remainingMs = 3_800;
    const deadlineMs = workDeadlineMs(remainingMs);

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

describe('POST /illustrations/{kind} leaves no illustration when a step after its write fails', () => {
  it.each([
    ['reset', 503, 'StorageUnavailable'],
    ['silence', 504, 'StorageTimeout'],
  ] as const)(
    "stub mode, CopyObject's answer lost on every attempt (%s): %d %s, and the copy deleted",
    async (as, statusCode, code) => {
      useStubs();
      proxy!.set({ kind: 'drop-answer', as }, { only: isCopyObject });

      const { user, result } = await generate();

      expect(result.statusCode).toBe(statusCode);
      expect(result.json.error.code).toBe(code);
      // S3 did every copy it was sent; only the answers were lost.
      expect(proxy!.faulted).toBe(MAX_ATTEMPTS);
      expect(await storedFor(user)).toEqual([]);
      expect(await listed(user)).toEqual([]);
    },
  );

  it.each([
    ['keeps asking to slow down', 503, 'StorageBusy', { kind: 'slow-down' }],
    ["loses S3's answers", 503, 'StorageUnavailable', { kind: 'drop-answer' }],
  ] as const)(
    'stub mode, the listing that finds the copy %s: %d %s, and the copy deleted',
    async (_, statusCode, code, fault) => {
      useStubs();
      proxy!.set(fault, { only: isListUnder('generated/') });

      const { user, result } = await generate();

      expect(result.statusCode).toBe(statusCode);
      expect(result.json.error.code).toBe(code);
      expect(proxy!.faulted).toBe(MAX_ATTEMPTS);
      expect(await storedFor(user)).toEqual([]);
      expect(await listed(user)).toEqual([]);
    },
  );

  it("stub mode, CopyObject unanswered until the request's deadline: 504 in time, and the copy deleted", async () => {
    useStubs();
    // The request's deadline comes before the call's own.
    vi.stubEnv('S3_REQUEST_TIMEOUT_MS', '5000');
    proxy!.set({ kind: 'drop-answer', as: 'silence' }, { only: isCopyObject });
    const remainingMs = 3_600;

    const { user, result, ms } = await generate(remainingMs);

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('StorageTimeout');
    expect(proxy!.faulted).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(workDeadlineMs(remainingMs) - 10);
    expect(ms).toBeLessThan(remainingMs - LAMBDA_TIME_RESERVE_MS);
    expect(await storedFor(user)).toEqual([]);
    expect(await listed(user)).toEqual([]);
  });

  it('stub mode, the delete failing too: the original error answered in time, and the key logged', async () => {
    useStubs();
    // The request's deadline, not the delete's own, is what ends the stalled delete.
    vi.stubEnv('S3_REQUEST_TIMEOUT_MS', '5000');
    proxy!.set((request) => {
      if (isCopyObject(request)) return { kind: 'drop-answer' };
      if (isDeleteObject(request)) return { kind: 'stall' };
      return undefined;
    });
    const remainingMs = 5_000;

    const { user, result, ms } = await generate(remainingMs);

    expect(result.statusCode).toBe(503);
    expect(result.json.error.code).toBe('StorageUnavailable');
    // The delete has until the request's own deadline, and the answer its reserve after that.
    expect(ms).toBeGreaterThanOrEqual(remainingMs - LAMBDA_TIME_RESERVE_MS - 10);
    expect(ms).toBeLessThan(remainingMs);
    const [key] = await storedFor(user);
    expect(key).toMatch(new RegExp(`^generated/memory/${user}/`));
    const warning = fixture
      .logs()
      .entries.find(
        (entry) => entry.message === 'Could not delete the output key of a failed illustration',
      );
    expect(warning).toMatchObject({
      level: 'WARN',
      userId: user,
      key,
      error: { name: 'S3TimeoutError' },
    });
    await fixture.storage().deleteObject(key!);
  });

  it.each([
    ['reset', 502, 'IllustrationServiceUnavailable'],
    ['silence', 504, 'IllustrationServiceTimeout'],
  ] as const)(
    "service mode, the service's answer lost after it wrote (%s): %d %s, and its write deleted",
    async (as, statusCode, code) => {
      useService(1_000);
      serviceProxy.set({ kind: 'drop-answer', as });
      const before = service.requests.length;

      const { user, result } = await generate();

      expect(result.statusCode).toBe(statusCode);
      expect(result.json.error.code).toBe(code);
      expect(serviceProxy.faulted).toBe(1);
      expect(service.requests[before]!.body.outputKey).toMatch(`generated/memory/${user}/`);
      expect(await storedFor(user)).toEqual([]);
      expect(await listed(user)).toEqual([]);
    },
  );

  it("service mode, the handler's deadline passing after the service wrote: 504 in time, and its write deleted", async () => {
    useService(25_000);
    serviceProxy.set({ kind: 'drop-answer', as: 'silence' });
    const remainingMs = 3_600;

    const { user, result, ms } = await generate(remainingMs);

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('IllustrationServiceTimeout');
    expect(serviceProxy.faulted).toBe(1);
    expect(ms).toBeLessThan(remainingMs - LAMBDA_TIME_RESERVE_MS);
    expect(await storedFor(user)).toEqual([]);
    expect(await listed(user)).toEqual([]);
  });
});

describe('POST /illustrations/{kind} keeps an illustration made after a fault', () => {
  it("stub mode, CopyObject's first answer lost: 201, and the copy kept and listed", async () => {
    useStubs();
    proxy!.set({ kind: 'drop-answer' }, { only: isCopyObject, times: 1 });

    const { user, result } = await generate();

    expect(result.statusCode).toBe(201);
    expect(proxy!.faulted).toBe(1);
    const { key } = result.json.illustration;
    expect(await storedFor(user)).toEqual([key]);
    expect(await listed(user)).toEqual([key]);
  });

  it("service mode, the first answer of the listing that finds the service's write lost: 201, and it is kept", async () => {
    useService(1_000);
    proxy!.set({ kind: 'drop-answer' }, { only: isListUnder('generated/'), times: 1 });

    const { user, result } = await generate();

    expect(result.statusCode).toBe(201);
    expect(proxy!.faulted).toBe(1);
    const { key } = result.json.illustration;
    expect(await storedFor(user)).toEqual([key]);
    expect(await listed(user)).toEqual([key]);
  });
});
