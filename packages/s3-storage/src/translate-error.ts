import {
  AccessDeniedError,
  BucketNotFoundError,
  ObjectNotFoundError,
  RegionMismatchError,
  S3StorageError,
  S3TimeoutError,
} from './errors.ts';

/** What the failed request was about, to name in the translated error. */
export interface ErrorContext {
  readonly bucket: string;
  readonly key?: string | undefined;
  readonly region: string;
}

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly Region?: string;
  readonly Endpoint?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

const REGION_IN_MESSAGE = /(?:in this region|expecting)[:\s'"]+([a-z]{2}(?:-[a-z]+)+-\d)/i;

/** The bucket's real region, read from a redirect or malformed-authorization error. */
export function bucketRegionFromError(error: unknown): string | undefined {
  const e = (error ?? {}) as SdkErrorShape;
  const header = e.$response?.headers?.['x-amz-bucket-region'];
  if (header) return header;
  if (e.Region) return e.Region;
  const match = REGION_IN_MESSAGE.exec(e.message ?? '');
  if (match) return match[1];
  const endpoint = /s3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(e.Endpoint ?? '');
  return endpoint?.[1];
}

/**
 * Turns an SDK error into the package's typed error with a fix in its message. Errors it
 * does not recognise are returned as they are.
 */
export function translateS3Error(error: unknown, context: ErrorContext): unknown {
  if (error instanceof S3StorageError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const { bucket, key, region } = context;

  if (name === 'TimeoutError') {
    return new S3TimeoutError(bucket, key, e.message ?? 'the request timed out', { cause: error });
  }
  if (name === 'NoSuchBucket') return new BucketNotFoundError(bucket, { cause: error });
  if (
    name === 'PermanentRedirect' ||
    name === 'AuthorizationHeaderMalformed' ||
    name === 'IllegalLocationConstraintException' ||
    status === 301
  ) {
    return new RegionMismatchError(bucket, region, bucketRegionFromError(error), { cause: error });
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return new AccessDeniedError(bucket, key, { cause: error });
  }
  if (name === 'NoSuchKey' || ((name === 'NotFound' || status === 404) && key !== undefined)) {
    return new ObjectNotFoundError(bucket, key ?? '', { cause: error });
  }
  if (name === 'NotFound' || status === 404)
    return new BucketNotFoundError(bucket, { cause: error });
  return error;
}
