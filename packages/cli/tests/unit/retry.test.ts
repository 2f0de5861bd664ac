import { describe, expect, it, vi } from 'vitest';
import {
  backoffDelayMs,
  isRetryableError,
  RequestFailedError,
  withRetry,
} from '../../src/index.ts';

const error = (name: string, status?: number) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });

describe('isRetryableError', () => {
  it('retries throttling, 5xx answers and dropped connections', () => {
    expect(isRetryableError(error('SlowDown', 503))).toBe(true);
    expect(isRetryableError(error('InternalError', 500))).toBe(true);
    expect(isRetryableError(error('Unknown', 502))).toBe(true);
    expect(isRetryableError(error('Unknown', 429))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('retries a conditional write that raced another write (409), not other 409s', () => {
    expect(isRetryableError(error('ConditionalRequestConflict', 409))).toBe(true);
    expect(isRetryableError(error('BucketNotEmpty', 409))).toBe(false);
  });

  it('does not retry refusals, missing objects, failed preconditions or 501', () => {
    expect(isRetryableError(error('AccessDenied', 403))).toBe(false);
    expect(isRetryableError(error('NoSuchKey', 404))).toBe(false);
    expect(isRetryableError(error('PreconditionFailed', 412))).toBe(false);
    expect(isRetryableError(error('NotImplemented', 501))).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('doubles the ceiling per retry and caps it', () => {
    const top = () => 0.999_999;
    expect(backoffDelayMs(1, 100, 1000, top)).toBe(99);
    expect(backoffDelayMs(2, 100, 1000, top)).toBe(199);
    expect(backoffDelayMs(3, 100, 1000, top)).toBe(399);
    expect(backoffDelayMs(10, 100, 1000, top)).toBe(999);
  });

  it('spreads retries with full jitter', () => {
    expect(backoffDelayMs(3, 100, 1000, () => 0)).toBe(0);
    expect(backoffDelayMs(3, 100, 1000, () => 0.5)).toBe(200);
  });
});

describe('withRetry', () => {
  it('retries a retryable failure with growing waits and returns the result', async () => {
    const sleep = vi.fn(async (_ms: number) => {});
    const operation = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(error('SlowDown', 503))
      .mockRejectedValueOnce(error('SlowDown', 503))
      .mockResolvedValueOnce('done');
    const result = await withRetry(operation, {
      maxAttempts: 5,
      baseDelayMs: 100,
      random: () => 0.999_999,
      sleep,
    });
    expect(result).toBe('done');
    expect(operation).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([99, 199]);
  });

  it('throws at once, after one try, for an error that is not retryable', async () => {
    const operation = vi.fn().mockRejectedValue(error('AccessDenied', 403));
    const failure = await withRetry(operation, { maxAttempts: 5, sleep: async () => {} }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(RequestFailedError);
    expect(failure).toMatchObject({ attempts: 1, errorName: 'AccessDenied' });
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts tries and says so', async () => {
    const operation = vi.fn().mockRejectedValue(error('SlowDown', 503));
    const failure = await withRetry(operation, { maxAttempts: 3, sleep: async () => {} }).catch(
      (e: unknown) => e,
    );
    expect(operation).toHaveBeenCalledTimes(3);
    expect(failure).toMatchObject({ attempts: 3 });
    expect((failure as Error).message).toBe('SlowDown happened (gave up after 3 tries)');
  });

  it('stops retrying once the signal is aborted', async () => {
    const controller = new AbortController();
    const operation = vi.fn(async () => {
      controller.abort();
      throw error('SlowDown', 503);
    });
    await expect(
      withRetry(operation, { maxAttempts: 5, signal: controller.signal, sleep: async () => {} }),
    ).rejects.toBeInstanceOf(RequestFailedError);
    expect(operation).toHaveBeenCalledTimes(1);
  });
});
