import { setTimeout as sleepMs } from 'node:timers/promises';
import { DEFAULT_RETRY_BASE_DELAY_MS, MAX_RETRY_DELAY_MS } from './constants.ts';
import { RequestFailedError } from './errors.ts';

/** Options for {@link withRetry}. Times in milliseconds. */
export interface RetryOptions {
  /** Tries, the first included. */
  readonly maxAttempts: number;
  /** Backoff ceiling before the first retry; doubles per retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Backoff ceiling for any retry. @default 10000 */
  readonly maxDelayMs?: number;
  /** Stops retrying (and waiting) when aborted. @default - none */
  readonly signal?: AbortSignal;
  /** Random source in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
  /** Waits between tries. @default - a timer that the signal cancels */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'OperationAborted',
  'TimeoutError',
  // 409 from a conditional write (IfNoneMatch/IfMatch) racing another write of the key: S3 asks
  // for a retry, which then succeeds or is refused with 412.
  'ConditionalRequestConflict',
]);

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether a failed request may succeed when sent again: throttling, S3's 5xx answers (but not
 * 501 Not Implemented), timeouts and dropped connections. Refusals (403, 404, 412) are final.
 */
export function isRetryableError(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape;
  if (e.name === 'AbortError') return false;
  if (e.$retryable) return true;
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code !== undefined && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500 && status !== 501);
}

/**
 * The wait before retry number `retry` (1 for the first retry): "full jitter", a random time
 * below a ceiling that doubles per retry, so that many clients retrying at once spread out.
 */
export function backoffDelayMs(
  retry: number,
  baseDelayMs = DEFAULT_RETRY_BASE_DELAY_MS,
  maxDelayMs = MAX_RETRY_DELAY_MS,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, it fails with an error that is not retryable, or
 * `maxAttempts` tries have failed, waiting {@link backoffDelayMs} between tries.
 * @throws RequestFailedError with the last error as `cause` and the number of tries.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep =
    options.sleep ??
    ((ms: number, signal?: AbortSignal) => sleepMs(ms, undefined, signal ? { signal } : undefined));
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.maxAttempts || !isRetryableError(error) || options.signal?.aborted) {
        throw new RequestFailedError(error, attempt);
      }
      const delay = backoffDelayMs(
        attempt,
        options.baseDelayMs,
        options.maxDelayMs,
        options.random,
      );
      try {
        await sleep(delay, options.signal);
      } catch {
        throw new RequestFailedError(error, attempt);
      }
    }
  }
}
