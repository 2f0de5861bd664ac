import { describe, expect, it } from 'vitest';
import {
  S3IntegrityError,
  S3NetworkError,
  S3ThrottledError,
  S3TimeoutError,
  S3UnavailableError,
} from '../../src/errors.ts';
import {
  CALL_BOUND_MS,
  FAULT_BUCKET,
  MAX_ATTEMPTS,
  OBJECT_KEY,
  REQUEST_TIMEOUT_MS,
  SLACK_MS,
  timed,
  useFaultyS3,
} from '../helpers/faulty-s3.ts';

const ENGINES = ['s3rver', 'versitygw'] as const;

describe.each(ENGINES)('getObjectAsBase64 through a faulty connection to %s', (engine) => {
  const s3 = useFaultyS3(engine);
  const read = (maxAttempts?: number) =>
    timed(() =>
      s3
        .storage(maxAttempts === undefined ? {} : { maxAttempts })
        .getObjectAsBase64(FAULT_BUCKET, OBJECT_KEY),
    );

  it('reads the object when nothing goes wrong, in one request', async () => {
    const { value } = await read();

    expect(value).toBe(s3.objectBytes.toString('base64'));
    expect(s3.count()).toBe(1);
  });

  it.each([
    {
      name: '503 SlowDown',
      fault: { kind: 'status', status: 503, code: 'SlowDown' },
      type: S3ThrottledError,
    },
    {
      name: '503 ServiceUnavailable',
      fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' },
      type: S3UnavailableError,
    },
    {
      name: '500 InternalError',
      fault: { kind: 'status', status: 500, code: 'InternalError' },
      type: S3UnavailableError,
    },
    {
      name: 'reset before the answer',
      fault: { kind: 'reset-before-answer' },
      type: S3NetworkError,
    },
    { name: 'reset mid-body', fault: { kind: 'reset-mid-body' }, type: S3NetworkError },
    {
      name: 'Content-Length over the body',
      fault: { kind: 'oversize-length' },
      type: S3NetworkError,
    },
    { name: 'stall mid-body', fault: { kind: 'stall-mid-body' }, type: S3TimeoutError },
  ] as const)(
    'fails a lasting $name as $type.name after S3_MAX_ATTEMPTS requests, within the bound',
    async ({ fault, type }) => {
      s3.inject(fault);

      const { ms, error, value } = await read();

      expect(value).toBeUndefined();
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ attempts: MAX_ATTEMPTS, key: OBJECT_KEY });
      expect((error as Error).message).toContain(`on each of ${MAX_ATTEMPTS} attempts`);
      expect(s3.count()).toBe(MAX_ATTEMPTS);
      expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
    },
  );

  it('waits out a silent server one request timeout per attempt, and no longer', async () => {
    s3.inject({ kind: 'stall-before-answer' });

    const { ms, error } = await read();

    expect(error).toBeInstanceOf(S3TimeoutError);
    expect(error).toMatchObject({ attempts: MAX_ATTEMPTS });
    expect(s3.count()).toBe(MAX_ATTEMPTS);
    expect(ms).toBeGreaterThanOrEqual(MAX_ATTEMPTS * REQUEST_TIMEOUT_MS - 10);
    expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
  });

  it("ends a body trickled a byte at a time at the call's deadline, with nothing returned", async () => {
    s3.inject({ kind: 'trickle', intervalMs: 50 });
    // Two attempts: the deadline is 2 x 300 ms plus the SDK's longest backoff between them, 1 s.
    const boundMs = 2 * REQUEST_TIMEOUT_MS + 1_000;

    const { ms, error, value } = await read(2);

    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(S3TimeoutError);
    expect((error as Error).message).toContain(`the call's deadline of ${boundMs} ms`);
    expect(s3.count()).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(boundMs - 10);
    expect(ms).toBeLessThan(boundMs + SLACK_MS);
  });

  it('reads a body cut half-way again, and returns the whole object', async () => {
    s3.injectInTurn([{ kind: 'reset-mid-body' }]);

    const { value } = await read();

    expect(value).toBe(s3.objectBytes.toString('base64'));
    expect(s3.count()).toBe(2);
  });

  it('counts a body read again against the same S3_MAX_ATTEMPTS as the SDK retries', async () => {
    const slowDown = { kind: 'status', status: 503, code: 'ServiceUnavailable' } as const;
    s3.injectInTurn([{ kind: 'reset-mid-body' }, slowDown, slowDown, slowDown]);

    const { error } = await read();

    expect(error).toBeInstanceOf(S3UnavailableError);
    expect(error).toMatchObject({ attempts: MAX_ATTEMPTS });
    expect(s3.count()).toBe(MAX_ATTEMPTS);
  });

  it('ends at the deadline of the caller, when it is the sooner', async () => {
    s3.inject({ kind: 'stall-before-answer' });

    const { ms, error } = await timed(() =>
      s3.storage().getObjectAsBase64(FAULT_BUCKET, OBJECT_KEY, {
        abortSignal: AbortSignal.timeout(150),
      }),
    );

    expect(error).toBeInstanceOf(S3TimeoutError);
    expect((error as Error).message).toContain("the caller's deadline");
    expect(ms).toBeLessThan(150 + SLACK_MS);
  });

  it('fails an answer no HTTP parser takes as a network error, which the SDK does not retry', async () => {
    s3.inject({ kind: 'malformed-http' });

    const { error } = await read();

    expect(error).toBeInstanceOf(S3NetworkError);
    expect(((error as Error).cause as { code?: string }).code).toMatch(/^HPE_/);
    expect(s3.count()).toBe(1);
  });
});

// s3rver keeps no checksums, so only a checksum-keeping server can show that a well-framed body
// that is not the object is refused: S3 itself keeps one for every object.
describe('getObjectAsBase64 against a server that keeps checksums (versitygw)', () => {
  const s3 = useFaultyS3('versitygw');
  const read = () => timed(() => s3.storage().getObjectAsBase64(FAULT_BUCKET, OBJECT_KEY));

  it.each([{ kind: 'short-body' } as const, { kind: 'corrupt-body' } as const])(
    'refuses a lasting $kind as an S3IntegrityError, never a result',
    async (fault) => {
      s3.inject(fault);

      const { ms, error, value } = await read();

      expect(value).toBeUndefined();
      expect(error).toBeInstanceOf(S3IntegrityError);
      expect(error).toMatchObject({ code: 'Integrity', attempts: MAX_ATTEMPTS });
      expect((error as Error).message).toContain('Checksum mismatch');
      expect(s3.count()).toBe(MAX_ATTEMPTS);
      expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
    },
  );

  it('reads a corrupt body again and returns the object once one arrives intact', async () => {
    s3.injectInTurn([{ kind: 'corrupt-body' }, { kind: 'short-body' }]);

    const { value } = await read();

    expect(value).toBe(s3.objectBytes.toString('base64'));
    expect(s3.count()).toBe(3);
  });
});
