import { ConfigurationError, S3StorageError } from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import { EXIT_FAILURE, EXIT_USAGE } from './constants.ts';

/** The fields the CLI reads of an error the SDK throws, every one of them optional. */
export interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

/** The SDK error behind one of the CLI's or the storage package's errors, or `error` itself. */
export function sdkError(error: unknown): SdkError {
  const wrapped = error instanceof CliError || error instanceof S3StorageError;
  return ((wrapped && error.cause) || error || {}) as SdkError;
}

/**
 * Every error the CLI throws itself extends {@link CliError}; its `exitCode` is what the process
 * exits with. Messages name the bad value and the fix.
 */
export class CliError extends Error {
  public readonly exitCode: number;

  /** @param code - a stable, machine-readable name for the failure */
  public constructor(
    public readonly code: string,
    message: string,
    options: { cause?: unknown; exitCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** A command-line option has a value the command cannot use. Nothing was attempted. */
export class InvalidOptionError extends CliError {
  public constructor(option: string, value: unknown, fix: string, options?: { cause?: unknown }) {
    super('InvalidOption', `${option} ${JSON.stringify(String(value))} cannot be used: ${fix}`, {
      ...options,
      exitCode: EXIT_USAGE,
    });
  }
}

/** The source bucket of a migration cannot be listed or read. */
export class SourceBucketError extends CliError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super('SourceBucket', message, options);
  }
}

/**
 * S3 cannot be reached at all: nothing answers at the endpoint, or the network path to S3 is
 * broken. Nothing was copied.
 */
export class EndpointUnreachableError extends CliError {
  /** @param endpoint - printable (without its user name and password); `undefined` for AWS S3 */
  public constructor(endpoint: string | undefined, detail: string, fix: string, cause: unknown) {
    const where = endpoint ? `Nothing answers at ${endpoint}` : 'S3 cannot be reached';
    super('EndpointUnreachable', `${where} (${detail}). ${fix}`, { cause });
  }
}

/**
 * A request failed for good: it could not be retried, or the SDK's retries ran out. `attempts`
 * is the SDK's count (`$metadata.attempts`).
 */
export class RequestFailedError extends CliError {
  /** Tries made, the first included. */
  public readonly attempts: number;

  public constructor(cause: unknown) {
    const e = sdkError(cause);
    const message = e.message || e.name || String(cause);
    const attempts = e.$metadata?.attempts ?? 1;
    super(
      'RequestFailed',
      attempts > 1 ? `${message} (gave up after ${attempts} tries)` : message,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** A multipart copy cannot be planned: the object or the part size is out of S3's limits. */
export class PartPlanError extends CliError {
  public constructor(message: string) {
    super('PartPlan', message);
  }
}

/**
 * A copy was refused with 412 Precondition Failed. `side` says which condition failed: the
 * source's ETag (`CopySourceIfMatch`: the source changed since it was listed), the
 * destination's (`IfNoneMatch`/`IfMatch`: something was written there since it was listed),
 * or `unknown` when S3 did not say and the source could not be read to tell. An overwrite's
 * `IfMatch` on a destination deleted since it was listed is answered 404 NoSuchKey instead:
 * that is a `destination` refusal too.
 */
export class PreconditionFailedError extends RequestFailedError {
  public constructor(
    public readonly side: 'source' | 'destination' | 'unknown',
    cause: unknown,
  ) {
    super(cause);
  }
}

/** Runs a validator of the storage package on a flag's value: its error, naming the flag. */
export function checkOption(option: string, value: string, validate: () => unknown): void {
  try {
    validate();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const fix = error.message.slice(`${error.variable}: `.length);
    throw new InvalidOptionError(option, redactUrl(value), redactUrl(fix), { cause: error });
  }
}
