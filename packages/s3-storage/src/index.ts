export { resetS3Storage, s3Client } from './client.ts';
export {
  DEFAULT_ALLOWED_CONTENT_TYPES,
  DEFAULT_PREFIXES,
  DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
  DEFAULT_REGION,
  DELETION_MARKER_EXPIRY_DAYS,
  GENERATED_KINDS,
  IMAGE_EXTENSION,
} from './constants.ts';
export { type BucketCorsRule, browserCorsRules } from './cors.ts';
export {
  type AwsClientConfigOptions,
  type ClientSettings,
  ENVIRONMENT_VARIABLES,
  getAwsClientConfig,
  loadConfigFromEnv,
  validateBucketName,
  validateRegion,
} from './env.ts';
export * from './errors.ts';
export {
  assertKeySegment,
  assertPrefix,
  defaultKeyLayout,
  KeyLayout,
  STORAGE_AREAS,
} from './key-layout.ts';
export { parseS3Uri } from './s3-uri.ts';
export type { Environment } from './settings.ts';
export { createS3Storage, S3Storage } from './storage.ts';
export { bucketRegionFromError, translateS3Error } from './translate-error.ts';
export type * from './types/config.ts';
export type * from './types/key-layout.ts';
export type * from './types/storage.ts';
