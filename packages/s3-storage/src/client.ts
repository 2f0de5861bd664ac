import { ON_FIRST_USE } from './context.ts';
import { S3Storage } from './storage.ts';

/** The process-wide storage: reads the environment on its first call, and again after reset. */
class EnvironmentS3Storage extends S3Storage {
  public reset(): void {
    this.forget();
  }
}

const instance = new EnvironmentS3Storage(ON_FIRST_USE);

/**
 * The singleton of the spec: `s3Client.getBucketName()`, `s3Client.generatePresignedUploadUrl(...)`.
 * Importing it reads nothing; the first method call reads and validates the environment, so
 * a missing `S3_BUCKET_NAME` surfaces as a ConfigurationError at that call, not at import.
 */
export const s3Client: S3Storage = instance;

/** The process-wide storage client, `s3Client`. */
export function getS3Storage(): S3Storage {
  return instance;
}

/** Forgets the process-wide client's configuration so the next use reads the environment again (tests). */
export function resetS3Storage(): void {
  instance.reset();
}
