import { AsyncLocalStorage } from 'node:async_hooks';
import { MAXIMUM_RETRY_DELAY, StandardRetryStrategy } from '@smithy/core/retry';

const attemptsAllowed = new AsyncLocalStorage<number>();

/**
 * The SDK's standard retry strategy, whose attempts are `maxAttempts` unless a call runs under
 * {@link withAttempts}: a body read again gets only the attempts its call has left.
 */
export function retryStrategyFor(maxAttempts: number): StandardRetryStrategy {
  return new StandardRetryStrategy(async () => attemptsAllowed.getStore() ?? maxAttempts);
}

/** Runs `send` with at most `attempts` attempts (on a client using {@link retryStrategyFor}). */
export function withAttempts<T>(attempts: number, send: () => Promise<T>): Promise<T> {
  return attemptsAllowed.run(attempts, send);
}

/**
 * The longest a call may take: every attempt's request timeout, plus the longest backoff the
 * SDK waits between them (after a throttling answer, 1 s x 2^retry, at most MAXIMUM_RETRY_DELAY).
 */
export function callDeadlineMs(maxAttempts: number, requestTimeoutMs: number): number {
  let backoffMs = 0;
  for (let retry = 0; retry < maxAttempts - 1; retry += 1) {
    backoffMs += Math.min(1_000 * 2 ** retry, MAXIMUM_RETRY_DELAY);
  }
  return maxAttempts * requestTimeoutMs + backoffMs;
}

/**
 * Runs `task` with a signal that aborts after `deadlineMs`, or when the caller's signal does.
 * `passed()` then says which deadline passed; before that it is `undefined`.
 */
export async function withDeadline<T>(
  deadlineMs: number,
  callerSignal: AbortSignal | undefined,
  task: (signal: AbortSignal, passed: () => string | undefined) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let passed: string | undefined;
  const abort = (why: string) => {
    passed ??= why;
    controller.abort();
  };
  const own =
    `the call's deadline of ${deadlineMs} ms (S3_MAX_ATTEMPTS x S3_REQUEST_TIMEOUT_MS plus the ` +
    "SDK's backoff) passed";
  const timer = setTimeout(() => abort(own), deadlineMs);
  const onCallerAbort = () => abort("the caller's deadline (its abortSignal) passed");
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await task(controller.signal, () => passed);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
