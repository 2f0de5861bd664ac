import {
  type ObjectTooLargeError,
  S3StorageError,
  type S3ThrottledError,
  type S3UnavailableError,
} from '@autobio/s3-storage';
import { type ErrorDetail, HttpError, IllustrationGenError } from '../errors.ts';

/** What an error becomes in the response, and how loudly it is logged. */
export interface MappedError {
  readonly statusCode: number;
  readonly code: string;
  /** Safe to show: never a stack, a bucket name, a credential or an upstream body. */
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
  /** Headers the answer carries, such as `retry-after` (seconds) on a 503. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `error` for what an operator must fix, `info` for the caller's own mistakes. */
  readonly level: 'info' | 'error';
}

const INTERNAL_MESSAGE =
  'The server could not complete the request. The cause was logged with this request id.';

/** A 503 that says when to come back: S3's own wait when it named one. */
function unavailable(code: string, message: string, retryAfterSeconds: number): MappedError {
  return {
    statusCode: 503,
    code,
    message: `${message} Try again in ${retryAfterSeconds} s.`,
    headers: { 'retry-after': String(retryAfterSeconds) },
    level: 'error',
  };
}

function fromStorageError(error: S3StorageError): MappedError {
  switch (error.code) {
    case 'InvalidKey':
    case 'InvalidArgument':
      return { statusCode: 400, code: error.code, message: error.message, level: 'info' };
    case 'NotFound':
      return {
        statusCode: 404,
        code: 'NotFound',
        message: 'The object does not exist.',
        level: 'info',
      };
    case 'ObjectTooLarge': {
      const { sizeBytes, maxSizeBytes } = error as ObjectTooLargeError;
      return {
        statusCode: 413,
        code: 'ObjectTooLarge',
        message: `The stored image is ${sizeBytes} bytes, over the ${maxSizeBytes}-byte limit of this operation. Upload a smaller image.`,
        level: 'info',
      };
    }
    case 'ForeignBucket':
      // The spec's Troubleshooting case "SDXL service returns S3 URIs in different bucket".
      return {
        statusCode: 502,
        code: 'ForeignBucket',
        message:
          "The illustration service returned an image outside this environment's bucket or outside " +
          'your folder, so it was refused. The service must use the same S3_BUCKET_NAME and ' +
          'S3_CLIENT_REGION as this API.',
        level: 'error',
      };
    case 'Timeout':
      return {
        statusCode: 504,
        code: 'StorageTimeout',
        message: 'Storage did not answer in time. Try again later.',
        level: 'error',
      };
    case 'Throttled':
      return unavailable(
        'StorageBusy',
        'Storage is busy.',
        (error as S3ThrottledError).retryAfterSeconds,
      );
    case 'Unavailable':
      return unavailable(
        'StorageUnavailable',
        'Storage is failing for now.',
        (error as S3UnavailableError).retryAfterSeconds,
      );
    case 'Network':
      return unavailable('StorageUnavailable', 'Storage could not be reached.', 1);
    case 'Integrity':
      return {
        statusCode: 502,
        code: 'StorageBadResponse',
        message: 'Storage answered with a damaged object on every attempt. Try again later.',
        level: 'error',
      };
    case 'DeletionIncomplete': {
      // Some of the user's objects are gone, some are not; the same request deletes the rest.
      const cause =
        error.cause instanceof S3StorageError ? fromStorageError(error.cause) : undefined;
      const message =
        'Some of your data could not be deleted yet. Send the request again to finish.';
      return cause?.statusCode === 503
        ? { ...cause, code: 'DeletionIncomplete', message }
        : { statusCode: 500, code: 'DeletionIncomplete', message, level: 'error' };
    }
    default:
      // AccessDenied, RegionMismatch, NoSuchBucket, ConfigurationError, RequestFailed: the
      // operator's to fix, and their messages name buckets and variables. Logged, never answered.
      return { statusCode: 500, code: 'InternalError', message: INTERNAL_MESSAGE, level: 'error' };
  }
}

function fromIllustrationGenError(error: IllustrationGenError): MappedError {
  switch (error.failure) {
    case 'Timeout':
      return {
        statusCode: 504,
        code: 'IllustrationServiceTimeout',
        message: 'The illustration service did not answer in time. Try again later.',
        level: 'error',
      };
    case 'Unreachable':
      return {
        statusCode: 502,
        code: 'IllustrationServiceUnavailable',
        message: 'The illustration service could not be reached. Try again later.',
        level: 'error',
      };
    case 'HttpStatus':
      return {
        statusCode: 502,
        code: 'IllustrationServiceFailed',
        message: `The illustration service failed (HTTP ${error.serviceStatusCode ?? 'error'}). Try again later.`,
        level: 'error',
      };
    case 'BadResponse':
      return {
        statusCode: 502,
        code: 'IllustrationServiceBadResponse',
        message:
          'The illustration service answered without a usable image. Its answer was logged with this request id.',
        level: 'error',
      };
  }
}

/** The one place where anything a handler throws becomes a status, a code and a safe message. */
export function mapError(error: unknown): MappedError {
  if (error instanceof HttpError) {
    return {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      ...(error.headers ? { headers: error.headers } : {}),
      level: error.statusCode >= 500 ? 'error' : 'info',
    };
  }
  if (error instanceof IllustrationGenError) return fromIllustrationGenError(error);
  if (error instanceof S3StorageError) return fromStorageError(error);
  return { statusCode: 500, code: 'InternalError', message: INTERNAL_MESSAGE, level: 'error' };
}
