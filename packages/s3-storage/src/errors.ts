/**
 * Every error the package throws extends {@link S3StorageError}. Messages name the bad value
 * and the fix; the original SDK error, if any, is kept as `cause`.
 */
export class S3StorageError extends Error {
  /** A stable, machine-readable name for the failure. */
  public readonly code: string;

  public constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value (usually an environment variable) is missing or malformed. */
export class ConfigurationError extends S3StorageError {
  public readonly variable: string;

  public constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super('ConfigurationError', `${variable}: ${message}`, options);
    this.variable = variable;
  }
}

/** A user id, stub name or key cannot be used as (part of) a key in the layout. */
export class InvalidKeyError extends S3StorageError {
  public readonly value: string;

  public constructor(value: string, message: string, options?: { cause?: unknown }) {
    super('InvalidKey', message, options);
    this.value = value;
  }
}

/** An argument other than a key is out of range: an expiry, a content type, a size. */
export class InvalidArgumentError extends S3StorageError {
  public readonly argument: string;

  public constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('InvalidArgument', message, options);
    this.argument = argument;
  }
}

/** S3 refused the request for lack of permission. */
export class AccessDeniedError extends S3StorageError {
  public readonly bucket: string;
  public readonly key: string | undefined;

  public constructor(bucket: string, key: string | undefined, options?: { cause?: unknown }) {
    super(
      'AccessDenied',
      `Access Denied for s3://${bucket}/${key ?? ''}. Check that the IAM role (or BACKEND_AWS_KEY) ` +
        `allows this action on the bucket and key, and that S3_BUCKET_NAME ("${bucket}") is the right bucket.`,
      options,
    );
    this.bucket = bucket;
    this.key = key;
  }
}

/** The bucket lives in another region than the client is configured for. */
export class RegionMismatchError extends S3StorageError {
  public readonly bucket: string;
  public readonly configuredRegion: string;
  public readonly bucketRegion: string | undefined;

  public constructor(
    bucket: string,
    configuredRegion: string,
    bucketRegion: string | undefined,
    options?: { cause?: unknown },
  ) {
    const fix = bucketRegion
      ? `Set S3_CLIENT_REGION=${bucketRegion}.`
      : 'Set S3_CLIENT_REGION to the region the bucket was created in.';
    super(
      'RegionMismatch',
      `Bucket "${bucket}" is in region ${bucketRegion ?? '(unknown)'}, but S3_CLIENT_REGION is ` +
        `${configuredRegion}. ${fix}`,
      options,
    );
    this.bucket = bucket;
    this.configuredRegion = configuredRegion;
    this.bucketRegion = bucketRegion;
  }
}

/** The key does not exist in the bucket. */
export class ObjectNotFoundError extends S3StorageError {
  public readonly bucket: string;
  public readonly key: string;

  public constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super(
      'NotFound',
      `No object at s3://${bucket}/${key}. Upload it first, or check the key.`,
      options,
    );
    this.bucket = bucket;
    this.key = key;
  }
}

/** The configured bucket does not exist. */
export class BucketNotFoundError extends S3StorageError {
  public readonly bucket: string;

  public constructor(bucket: string, options?: { cause?: unknown }) {
    super(
      'NoSuchBucket',
      `Bucket "${bucket}" does not exist. Check S3_BUCKET_NAME, or deploy the environment's ` +
        'stack (pnpm cdk deploy) to create it.',
      options,
    );
    this.bucket = bucket;
  }
}

/** The object is larger than the caller allows reading into memory. */
export class ObjectTooLargeError extends S3StorageError {
  public readonly key: string;
  public readonly sizeBytes: number;
  public readonly maxSizeBytes: number;

  public constructor(key: string, sizeBytes: number, maxSizeBytes: number) {
    super(
      'ObjectTooLarge',
      `Object "${key}" is ${sizeBytes} bytes, over the ${maxSizeBytes}-byte limit. Raise ` +
        'maxReadSizeBytes (S3_MAX_READ_SIZE_BYTES) or stream the object instead.',
    );
    this.key = key;
    this.sizeBytes = sizeBytes;
    this.maxSizeBytes = maxSizeBytes;
  }
}

/** An S3 URI points at another bucket, or outside the expected part of the layout. */
export class ForeignBucketError extends S3StorageError {
  public readonly uri: string;
  public readonly expectedBucket: string;

  public constructor(uri: string, expectedBucket: string, detail: string) {
    super(
      'ForeignBucket',
      `S3 URI "${uri}" ${detail}. Configure the external service (illustration-gen) with ` +
        `S3_BUCKET_NAME=${expectedBucket} and the same S3_CLIENT_REGION.`,
    );
    this.uri = uri;
    this.expectedBucket = expectedBucket;
  }
}

/** S3 did not answer (or went silent) within the request timeout, on every attempt. */
export class S3TimeoutError extends S3StorageError {
  public readonly bucket: string;
  public readonly key: string | undefined;

  public constructor(
    bucket: string,
    key: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'Timeout',
      `S3 did not answer in time for s3://${bucket}/${key ?? ''}: ${detail}. Check S3's health ` +
        'and the network to it; S3_REQUEST_TIMEOUT_MS, S3_CONNECTION_TIMEOUT_MS and ' +
        'S3_MAX_ATTEMPTS set the limits.',
      options,
    );
    this.bucket = bucket;
    this.key = key;
  }
}
