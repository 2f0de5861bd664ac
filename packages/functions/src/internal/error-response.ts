import { type ObjectTooLargeError, S3StorageError } from '@autobio/s3-storage';
import { type ErrorDetail, HttpError, IllustrationGenError } from '../errors.ts';

/** What an error becomes in the response, and how loudly it is logged. */
export interface MappedError {
  readonly statusCode: number;
  readonly code: string;
  /** Safe to show: never a stack, a bucket name, a credential or an upstream body. */
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
  /** `error` for what an operator must fix, `info` for the caller's own mistakes. */
  readonly level: 'info' | 'error';
}

const INTERNAL_MESSAGE =
  'The server could not complete the request. The cause was logged with this request id.';

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
    default:
      // AccessDenied, RegionMismatch, NoSuchBucket, ConfigurationError: the operator's to fix,
      // and their messages name buckets and variables. Logged, never answered.
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
      level: error.statusCode >= 500 ? 'error' : 'info',
    };
  }
  if (error instanceof IllustrationGenError) return fromIllustrationGenError(error);
  if (error instanceof S3StorageError) return fromStorageError(error);
  return { statusCode: 500, code: 'InternalError', message: INTERNAL_MESSAGE, level: 'error' };
}
