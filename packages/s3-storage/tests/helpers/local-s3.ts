import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '@autobio/local-s3';
import { browserCorsRules } from '../../src/cors.ts';
import { createS3Storage, type S3Storage } from '../../src/storage.ts';
import type { S3StorageOptions } from '../../src/types/storage.ts';

export const TEST_BUCKET = 'auto-bio-test';
export const TEST_ORIGIN = 'http://localhost:5173';

/** Starts the embedded S3 with the test bucket and its browser CORS rules. */
export function startTestS3(): Promise<LocalS3> {
  return startLocalS3({ buckets: [{ name: TEST_BUCKET, cors: browserCorsRules([TEST_ORIGIN]) }] });
}

/** A storage client for the embedded server. */
export function storageFor(
  server: LocalS3,
  options: Omit<S3StorageOptions, 'config'> = {},
): S3Storage {
  return createS3Storage({
    config: {
      bucketName: TEST_BUCKET,
      endpoint: server.endpoint,
      credentials: LOCAL_S3_CREDENTIALS,
    },
    ...options,
  });
}
