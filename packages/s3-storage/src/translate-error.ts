import { getRetryAfterHint, isThrottlingError } from '@smithy/core/retry';
import {
  AccessDeniedError,
  BucketNotFoundError,
  ObjectNotFoundError,
  RegionMismatchError,
  S3IntegrityError,
  S3NetworkError,
  S3RequestError,
  S3StorageError,
  S3ThrottledError,
  S3TimeoutError,
  S3UnavailableError,
} from './errors.ts';

/** What the failed request was about, to name in the translated error. */
export interface ErrorContext {
  readonly bucket: string;
  readonly key?: string | undefined;
  readonly region: string;
  /** Requests sent so far, when more than the SDK error's `$metadata.attempts` knows of. */
  readonly attempts?: number;
  /** Set when the call's deadline aborted it: what that deadline was. */
  readonly deadline?: string | undefined;
  /** How far a body had come when it failed, added to the detail. */
  readonly note?: string | undefined;
}

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly Region?: string;
  readonly Endpoint?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

/** S3's names for a request sent to, or signed for, another region than the bucket's. */
const WRONG_REGION =
  /^(?:PermanentRedirect|AuthorizationHeaderMalformed|IllegalLocationConstraintException)$/;
const REGION_IN_MESSAGE = /(?:in this region|expecting)[:\s'"]+([a-z]{2}(?:-[a-z]+)+-\d)/i;
/** Node's codes for a connection that failed, was refused or cut, and its HTTP parser's. */
const NETWORK_CODE =
  /^(?:ECONNRESET|ECONNREFUSED|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$|^HPE_/;
/** What the SDK's checksum stream and XML parser throw (plain Errors, told by message). */
const SPOILT_ANSWER = /^Checksum mismatch|XML parse error|Deserialization error/;
const STREAM_CUT = /^Connection lost or stream closed before all data was received/;
/** Server errors of an S3 busy or failing for a while, not of a request it cannot serve. */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** The bucket's real region, read from a redirect or malformed-authorization error. */
export function bucketRegionFromError(error: unknown): string | undefined {
  const e = (error ?? {}) as SdkErrorShape;
  return (
    e.$response?.headers?.['x-amz-bucket-region'] ||
    e.Region ||
    REGION_IN_MESSAGE.exec(e.message ?? '')?.[1] ||
    /s3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(e.Endpoint ?? '')?.[1]
  );
}

/** S3's Retry-After, or else 1 s: the SDK's first throttling backoff. */
function retryAfterSeconds(error: SdkErrorShape): number {
  const hint = getRetryAfterHint(error.$response);
  return hint ? Math.max(1, Math.ceil((hint.getTime() - Date.now()) / 1000)) : 1;
}

/**
 * Turns an SDK failure into the package's typed error, with the SDK error as `cause` and a fix
 * in its message. Every failure becomes an {@link S3StorageError}; one that already is one is
 * returned as it is.
 */
export function translateS3Error(error: unknown, context: ErrorContext): S3StorageError {
  if (error instanceof S3StorageError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const { bucket, key, region } = context;
  const cause = { cause: error };
  const detail = (text: string) => (context.note ? `${text} (${context.note})` : text);
  const attempts = context.attempts ?? e.$metadata?.attempts ?? 1;
  const failure = { bucket, key, attempts, ...cause };

  if (context.deadline !== undefined) {
    return new S3TimeoutError({ ...failure, detail: detail(context.deadline) });
  }
  if (name === 'NoSuchBucket') return new BucketNotFoundError(bucket, cause);
  if (WRONG_REGION.test(name) || status === 301) {
    return new RegionMismatchError(bucket, region, bucketRegionFromError(error), cause);
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return new AccessDeniedError(bucket, key, cause);
  }
  const notFound = name === 'NotFound' || status === 404;
  if (name === 'NoSuchKey' || (notFound && key !== undefined)) {
    return new ObjectNotFoundError(bucket, key ?? '', cause);
  }
  if (notFound) return new BucketNotFoundError(bucket, cause);
  if (isThrottlingError(error as Parameters<typeof isThrottlingError>[0])) {
    return new S3ThrottledError({ ...failure, retryAfterSeconds: retryAfterSeconds(e) });
  }
  if (status !== undefined && UNAVAILABLE_STATUSES.has(status)) {
    const retry = { httpStatusCode: status, retryAfterSeconds: retryAfterSeconds(e) };
    return new S3UnavailableError({ ...failure, ...retry });
  }
  // Node's handler names a reset "TimeoutError" too: the code says what happened.
  if (NETWORK_CODE.test(e.code ?? '') || STREAM_CUT.test(e.message ?? '')) {
    return new S3NetworkError({ ...failure, detail: detail(e.message ?? e.code ?? '') });
  }
  if (name === 'TimeoutError') {
    return new S3TimeoutError({ ...failure, detail: detail(e.message ?? 'the request timed out') });
  }
  if (name === 'IntegrityError' || SPOILT_ANSWER.test(e.message ?? '')) {
    return new S3IntegrityError({ ...failure, detail: detail(e.message ?? name) });
  }
  const refusal = {
    s3Code: name || 'Error',
    httpStatusCode: status,
    detail: e.message ?? String(error),
  };
  return new S3RequestError({ bucket, key, ...cause, ...refusal });
}
