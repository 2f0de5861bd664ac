import { S3Storage } from './storage.ts';

let instance: S3Storage | undefined;

/** The process-wide storage client, created from the environment on first use. */
export function getS3Storage(): S3Storage {
  instance ??= new S3Storage();
  return instance;
}

/** Forgets the process-wide client so the next use reads the environment again (tests). */
export function resetS3Storage(): void {
  instance = undefined;
}

/**
 * The singleton of the spec: `s3Client.getBucketName()`, `s3Client.generatePresignedUploadUrl(...)`.
 * Importing it reads nothing; the first method call reads and validates the environment, so
 * a missing `S3_BUCKET_NAME` surfaces as a ConfigurationError at that call, not at import.
 */
export const s3Client: S3Storage = new Proxy({} as S3Storage, {
  get(_target, property) {
    const storage = getS3Storage();
    const value = Reflect.get(storage, property, storage);
    return typeof value === 'function' ? value.bind(storage) : value;
  },
  has(_target, property) {
    return Reflect.has(getS3Storage(), property);
  },
});
