import type { StorageContext } from './context.ts';
import { ForeignBucketError } from './errors.ts';
import type { S3Uri } from './types/storage.ts';

/**
 * Takes `s3://bucket/key` apart; `expectedBucket` is named in the error's fix.
 * @throws ForeignBucketError for anything that is not an S3 URI with a bucket and a key.
 */
export function parseS3Uri(uri: string, expectedBucket = '(this bucket)'): S3Uri {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(typeof uri === 'string' ? uri : '');
  if (!match) {
    throw new ForeignBucketError(
      String(uri),
      expectedBucket,
      'is not an S3 URI of the form s3://bucket/key',
    );
  }
  return { bucket: match[1]!, key: match[2]! };
}

export function toS3Uri(context: StorageContext, key: string): string {
  context.keys.assertKeyInLayout(key);
  return `s3://${context.config.bucketName}/${key}`;
}

export function assertOwnS3Uri(
  context: StorageContext,
  uri: string,
  options: { expectedPrefix?: string } = {},
): string {
  const { bucketName } = context.config;
  const parsed = parseS3Uri(uri, bucketName);
  if (parsed.bucket !== bucketName) {
    throw new ForeignBucketError(
      uri,
      bucketName,
      `is in bucket "${parsed.bucket}", not this environment's bucket "${bucketName}"`,
    );
  }
  if (context.keys.areaOf(parsed.key) === undefined) {
    throw new ForeignBucketError(uri, bucketName, "points outside the bucket's key layout");
  }
  if (options.expectedPrefix !== undefined && !parsed.key.startsWith(options.expectedPrefix)) {
    throw new ForeignBucketError(
      uri,
      bucketName,
      `is not under the expected prefix "${options.expectedPrefix}"`,
    );
  }
  return parsed.key;
}
