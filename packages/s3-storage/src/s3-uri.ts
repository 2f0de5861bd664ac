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
    const detail = 'is not an S3 URI of the form s3://bucket/key';
    throw new ForeignBucketError(String(uri), expectedBucket, detail);
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
  { expectedPrefix }: { expectedPrefix?: string } = {},
): string {
  const { bucketName } = context.config;
  const foreign = (detail: string) => new ForeignBucketError(uri, bucketName, detail);
  const { bucket, key } = parseS3Uri(uri, bucketName);
  if (bucket !== bucketName) {
    throw foreign(`is in bucket "${bucket}", not this environment's bucket "${bucketName}"`);
  }
  if (context.keys.areaOf(key) === undefined) {
    throw foreign("points outside the bucket's key layout");
  }
  if (expectedPrefix !== undefined && !key.startsWith(expectedPrefix)) {
    throw foreign(`is not under the expected prefix "${expectedPrefix}"`);
  }
  return key;
}
