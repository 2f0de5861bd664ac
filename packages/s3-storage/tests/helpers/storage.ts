import type { S3StorageConfig } from '../../src/types/config.ts';

/** Fixed credentials so signed URLs are reproducible. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** A signing date fixed for byte-for-byte comparisons. */
export const SIGNING_DATE = new Date('2026-03-04T05:06:07Z');

/** Config for a storage client that is never sent a request. */
export function offlineConfig(
  overrides: Partial<S3StorageConfig> = {},
): Partial<S3StorageConfig> & { bucketName: string } {
  return {
    bucketName: 'auto-bio-illustrations',
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    ...overrides,
  };
}
