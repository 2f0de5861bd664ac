import { describe, expect, it } from 'vitest';
import {
  DeletionIncompleteError,
  S3IntegrityError,
  S3NetworkError,
  S3ThrottledError,
  S3TimeoutError,
  S3UnavailableError,
} from '../../src/errors.ts';
import {
  CALL_BOUND_MS,
  MAX_ATTEMPTS,
  REQUEST_TIMEOUT_MS,
  SLACK_MS,
  timed,
  useFaultyS3,
} from '../helpers/faulty-s3.ts';

const ENGINES = ['s3rver', 'versitygw'] as const;
/** ListObjectsV2, whichever the order of its query parameters. */
const LISTING = 'list-type=2';

describe.each(ENGINES)('the calls besides reads through a faulty connection to %s', (engine) => {
  const s3 = useFaultyS3(engine);

  it('types S3 throttling a listing, with the wait S3 asked for', async () => {
    s3.inject(
      { kind: 'status', status: 503, code: 'SlowDown', retryAfterSeconds: 7 },
      'GET',
      LISTING,
    );

    const { error } = await timed(() =>
      s3.storage({ maxAttempts: 1 }).findObject('subjects/someone.png'),
    );

    expect(error).toBeInstanceOf(S3ThrottledError);
    expect(error).toMatchObject({ code: 'Throttled', attempts: 1, retryAfterSeconds: 7 });
    expect(s3.count('GET', LISTING)).toBe(1);
  });

  it('fails a HEAD that S3 keeps answering 500 after S3_MAX_ATTEMPTS, within the bound', async () => {
    s3.inject({ kind: 'status', status: 500, code: 'InternalError' }, 'HEAD');

    const { ms, error } = await timed(() => s3.storage().headObject('subjects/fault-user.png'));

    expect(error).toBeInstanceOf(S3UnavailableError);
    expect(error).toMatchObject({ httpStatusCode: 500, attempts: MAX_ATTEMPTS });
    expect(s3.count('HEAD')).toBe(MAX_ATTEMPTS);
    expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
  });

  it('fails an upload whose connection is reset as a network error, never a timeout', async () => {
    s3.inject({ kind: 'reset-before-answer' }, 'PUT', '/generated/');

    const { error } = await timed(() =>
      s3.storage().putObject('generated/memory/u/0000000000001-a.png', Buffer.from('png')),
    );

    expect(error).toBeInstanceOf(S3NetworkError);
    expect((error as Error).message).toContain('ECONNRESET');
    expect(s3.count('PUT', '/generated/')).toBe(MAX_ATTEMPTS);
  });

  it('fails a delete S3 never answers after one request timeout per attempt', async () => {
    s3.inject({ kind: 'stall-before-answer' }, 'DELETE', '/stubs/');

    const { ms, error } = await timed(() => s3.storage().deleteObject('stubs/gone.png'));

    expect(error).toBeInstanceOf(S3TimeoutError);
    expect(s3.count('DELETE', '/stubs/')).toBe(MAX_ATTEMPTS);
    expect(ms).toBeGreaterThanOrEqual(MAX_ATTEMPTS * REQUEST_TIMEOUT_MS - 10);
    expect(ms).toBeLessThan(CALL_BOUND_MS + SLACK_MS);
  });

  it("ends a listing trickled a byte at a time at the call's deadline", async () => {
    s3.inject({ kind: 'trickle', intervalMs: 50 }, 'GET', LISTING);
    const boundMs = 2 * REQUEST_TIMEOUT_MS + 1_000;

    const { ms, error } = await timed(async () => {
      const keys: string[] = [];
      for await (const object of s3.storage({ maxAttempts: 2 }).listKeys('subjects/')) {
        keys.push(object.key);
      }
      return keys;
    });

    expect(error).toBeInstanceOf(S3TimeoutError);
    expect(ms).toBeLessThan(boundMs + SLACK_MS);
  });

  it('types a listing whose XML stops half-way as an S3IntegrityError', async () => {
    s3.inject({ kind: 'truncated-xml' }, 'GET', LISTING);

    const { error, value } = await timed(() => s3.storage().findObject('subjects/fault-user.png'));

    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(S3IntegrityError);
    expect((error as Error).message).toContain('XML parse error');
  });

  it('names what S3 refused to delete, leaves it, and a rerun deletes it', async () => {
    const storage = s3.storage();
    const keys = ['generated/memory/leaver/1.png', 'generated/memory/leaver/2.png'];
    for (const key of keys) await storage.putObject(key, Buffer.from(key));
    s3.inject({ kind: 'refuse-deletes' }, 'POST', '?delete');

    const { error } = await timed(() => storage.deleteUserData('leaver'));

    expect(error).toBeInstanceOf(DeletionIncompleteError);
    expect((error as DeletionIncompleteError).remainingKeys).toEqual(keys);
    expect(await storage.objectExists(keys[0]!)).toBe(true);
    s3.proxy.reset(() => undefined);
    await expect(storage.deleteUserData('leaver')).resolves.toMatchObject({
      'generated/memory': 2,
    });
    expect(await storage.objectExists(keys[1]!)).toBe(false);
  });
});
