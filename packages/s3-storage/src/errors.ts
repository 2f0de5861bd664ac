/**
 * Every error the package throws extends {@link S3StorageError}. Messages name the bad value
 * and the fix; the original SDK error, if any, is kept as `cause`.
 */
export class S3StorageError extends Error {
  public constructor(
    /** A stable, machine-readable name for the failure. */
    public readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value (usually an environment variable) is missing or malformed. */
export class ConfigurationError extends S3StorageError {
  public readonly variable: string;
  public constructor(variable: string, message: string, options?: ErrorOptions) {
    super('ConfigurationError', `${variable}: ${message}`, options);
    this.variable = variable;
  }
}

/** A user id, stub name or key cannot be used as (part of) a key in the layout. */
export class InvalidKeyError extends S3StorageError {
  public readonly value: string;
  public constructor(value: string, message: string, options?: ErrorOptions) {
    super('InvalidKey', message, options);
    this.value = value;
  }
}

/** An argument other than a key is out of range: an expiry, a content type, a size. */
export class InvalidArgumentError extends S3StorageError {
  public readonly argument: string;
  public constructor(argument: string, message: string, options?: ErrorOptions) {
    super('InvalidArgument', message, options);
    this.argument = argument;
  }
}

/** S3 refused the request for lack of permission. */
export class AccessDeniedError extends S3StorageError {
  public constructor(
    public readonly bucket: string,
    public readonly key: string | undefined,
    options?: ErrorOptions,
  ) {
    const message =
      `Access Denied for s3://${bucket}/${key ?? ''}. Check that the IAM role (or BACKEND_AWS_KEY) ` +
      `allows this action on the bucket and key, and that S3_BUCKET_NAME ("${bucket}") is the right bucket.`;
    super('AccessDenied', message, options);
  }
}

/** The bucket lives in another region than the client is configured for. */
export class RegionMismatchError extends S3StorageError {
  public constructor(
    public readonly bucket: string,
    public readonly configuredRegion: string,
    public readonly bucketRegion: string | undefined,
    options?: ErrorOptions,
  ) {
    const fix = bucketRegion
      ? `Set S3_CLIENT_REGION=${bucketRegion}.`
      : 'Set S3_CLIENT_REGION to the region the bucket was created in.';
    const message =
      `Bucket "${bucket}" is in region ${bucketRegion ?? '(unknown)'}, but S3_CLIENT_REGION is ` +
      `${configuredRegion}. ${fix}`;
    super('RegionMismatch', message, options);
  }
}

/** The key does not exist in the bucket. */
export class ObjectNotFoundError extends S3StorageError {
  public constructor(
    public readonly bucket: string,
    public readonly key: string,
    options?: ErrorOptions,
  ) {
    const message = `No object at s3://${bucket}/${key}. Upload it first, or check the key.`;
    super('NotFound', message, options);
  }
}

/** The configured bucket does not exist. */
export class BucketNotFoundError extends S3StorageError {
  public readonly bucket: string;
  public constructor(bucket: string, options?: ErrorOptions) {
    const message =
      `Bucket "${bucket}" does not exist. Check S3_BUCKET_NAME, or deploy the environment's ` +
      'stack (pnpm cdk deploy) to create it.';
    super('NoSuchBucket', message, options);
    this.bucket = bucket;
  }
}

/** The object is larger than the caller allows reading into memory. */
export class ObjectTooLargeError extends S3StorageError {
  public constructor(
    public readonly key: string,
    public readonly sizeBytes: number,
    public readonly maxSizeBytes: number,
  ) {
    const message =
      `Object "${key}" is ${sizeBytes} bytes, over the ${maxSizeBytes}-byte limit. Raise ` +
      'maxReadSizeBytes (S3_MAX_READ_SIZE_BYTES) or stream the object instead.';
    super('ObjectTooLarge', message);
  }
}

/** An S3 URI points at another bucket, or outside the expected part of the layout. */
export class ForeignBucketError extends S3StorageError {
  public constructor(
    public readonly uri: string,
    public readonly expectedBucket: string,
    detail: string,
  ) {
    const message =
      `S3 URI "${uri}" ${detail}. Configure the external service (illustration-gen) with ` +
      `S3_BUCKET_NAME=${expectedBucket} and the same S3_CLIENT_REGION.`;
    super('ForeignBucket', message);
  }
}

/** Where a failed request went and how often it was tried. */
export interface RequestFailure {
  readonly bucket: string;
  readonly key?: string | undefined;
  /** Requests sent, the first try and every retry (a body read again included). */
  readonly attempts: number;
  readonly cause?: unknown;
}

function where(failure: Pick<RequestFailure, 'bucket' | 'key'>): string {
  return `s3://${failure.bucket}/${failure.key ?? ''}`;
}

function tries(attempts: number): string {
  return attempts === 1 ? 'on its only attempt' : `on each of ${attempts} attempts`;
}

/**
 * A failure that may pass: S3 busy or failing, the network, a timeout, a spoilt answer. The
 * package has already retried it `attempts` times, up to S3_MAX_ATTEMPTS.
 */
export abstract class S3TransientError extends S3StorageError {
  public readonly bucket: string;
  public readonly key: string | undefined;
  public readonly attempts: number;

  protected constructor(code: string, message: string, failure: RequestFailure) {
    super(code, message, { cause: failure.cause });
    this.bucket = failure.bucket;
    this.key = failure.key;
    this.attempts = failure.attempts;
  }
}

/** S3 asked to slow down (503 SlowDown, 429) on every attempt. */
export class S3ThrottledError extends S3TransientError {
  /** How long to wait before asking again: S3's Retry-After, or the SDK's first backoff. */
  public readonly retryAfterSeconds: number;

  public constructor(failure: RequestFailure & { readonly retryAfterSeconds: number }) {
    const message =
      `S3 is throttling requests for ${where(failure)}: it asked to slow down ${tries(failure.attempts)}. ` +
      `Retry after ${failure.retryAfterSeconds} s; if it keeps happening, lower the request rate on ` +
      'that prefix (S3 scales up per prefix over minutes) or raise S3_MAX_ATTEMPTS.';
    super('Throttled', message, failure);
    this.retryAfterSeconds = failure.retryAfterSeconds;
  }
}

/** S3 answered a server error (500, 502, 503, 504) on every attempt. */
export class S3UnavailableError extends S3TransientError {
  public readonly retryAfterSeconds: number;
  public readonly httpStatusCode: number;

  public constructor(
    failure: RequestFailure & {
      readonly retryAfterSeconds: number;
      readonly httpStatusCode: number;
    },
  ) {
    const message =
      `S3 answered HTTP ${failure.httpStatusCode} for ${where(failure)} ${tries(failure.attempts)}. ` +
      `Retry after ${failure.retryAfterSeconds} s; if it lasts, check the AWS Health Dashboard for S3 ` +
      "in the bucket's region (or the log of the server at S3_ENDPOINT).";
    super('Unavailable', message, failure);
    this.retryAfterSeconds = failure.retryAfterSeconds;
    this.httpStatusCode = failure.httpStatusCode;
  }
}

/** What a network, timeout or integrity failure says happened. */
type DetailedFailure = RequestFailure & { readonly detail: string };

/** The connection failed: refused, reset, cut mid-body, or an answer no HTTP parser takes. */
export class S3NetworkError extends S3TransientError {
  public constructor(failure: DetailedFailure) {
    const message =
      `The connection to S3 failed for ${where(failure)} ${tries(failure.attempts)}: ${failure.detail}. ` +
      'Check the network path to S3, S3_ENDPOINT and any proxy in the way; retry later.';
    super('Network', message, failure);
  }
}

/**
 * S3 did not answer in time: no response within S3_REQUEST_TIMEOUT_MS on every attempt, a body
 * silent that long, or the call's deadline (S3_MAX_ATTEMPTS x S3_REQUEST_TIMEOUT_MS plus the
 * SDK's backoff, or the caller's abortSignal) passed.
 */
export class S3TimeoutError extends S3TransientError {
  public constructor(failure: DetailedFailure) {
    const message =
      `S3 did not answer in time for ${where(failure)}: ${failure.detail} (${tries(failure.attempts)}). ` +
      "Check S3's health and the network to it; S3_REQUEST_TIMEOUT_MS, S3_CONNECTION_TIMEOUT_MS " +
      'and S3_MAX_ATTEMPTS set the limits.';
    super('Timeout', message, failure);
  }
}

/** S3's answer was not intact: a body that fails its checksum or length, or unreadable XML. */
export class S3IntegrityError extends S3TransientError {
  public constructor(failure: DetailedFailure) {
    const message =
      `S3's answer for ${where(failure)} was not intact ${tries(failure.attempts)}: ${failure.detail}. ` +
      'Check anything between this process and S3 that may change answers (a proxy, S3_ENDPOINT); ' +
      'if every read of this object fails so, upload it again.';
    super('Integrity', message, failure);
  }
}

/** S3 refused the request with an error the package has no more specific type for. */
export class S3RequestError extends S3StorageError {
  public readonly bucket: string;
  public readonly key: string | undefined;
  /** S3's error code, such as `InvalidRequest`, or the SDK error's name. */
  public readonly s3Code: string;
  public readonly httpStatusCode: number | undefined;

  public constructor(
    failure: Omit<DetailedFailure, 'attempts'> & {
      readonly s3Code: string;
      readonly httpStatusCode: number | undefined;
    },
  ) {
    const status = failure.httpStatusCode === undefined ? '' : ` (HTTP ${failure.httpStatusCode})`;
    const message =
      `S3 refused the request for ${where(failure)}: ${failure.s3Code}${status}: ${failure.detail}. ` +
      'Look the code up in the S3 error reference; the SDK error is the cause.';
    super('RequestFailed', message, { cause: failure.cause });
    this.bucket = failure.bucket;
    this.key = failure.key;
    this.s3Code = failure.s3Code;
    this.httpStatusCode = failure.httpStatusCode;
  }
}

/** Account deletion stopped with objects of the user still in the bucket. */
export class DeletionIncompleteError extends S3StorageError {
  public constructor(
    public readonly bucket: string,
    /** Keys (with a version id after `?versionId=` for versions) still in the bucket. */
    public readonly remainingKeys: readonly string[],
    reason: string,
    options?: ErrorOptions,
  ) {
    const shown = remainingKeys.slice(0, 5).join(', ');
    const more = remainingKeys.length > 5 ? ` and ${remainingKeys.length - 5} more` : '';
    const message =
      `${remainingKeys.length} object(s) of the user are still in bucket "${bucket}": ${shown}${more}. ` +
      `${reason}. Fix that and run the deletion again: it deletes only what is left.`;
    super('DeletionIncomplete', message, options);
  }
}
