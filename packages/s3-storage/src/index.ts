export { getS3Storage, resetS3Storage, s3Client } from './client.ts';
export * from './constants.ts';
export { type BucketCorsRule, browserCorsRules } from './cors.ts';
export {
  type AwsClientConfigOptions,
  type ClientSettings,
  detectRuntime,
  ENVIRONMENT_VARIABLES,
  type Environment,
  getAwsClientConfig,
  loadClientSettingsFromEnv,
  loadConfigFromEnv,
  readHttpUrl,
  readOptional,
  readRequired,
  validateBucketName,
  validateRegion,
} from './env.ts';
export * from './errors.ts';
export {
  assertKeySegment,
  assertPrefix,
  defaultKeyLayout,
  isGeneratedKind,
  KeyLayout,
  STORAGE_AREAS,
} from './key-layout.ts';
export { createS3Storage, parseS3Uri, S3Storage } from './storage.ts';
export { bucketRegionFromError, translateS3Error } from './translate-error.ts';
export type * from './types/config.ts';
export type * from './types/key-layout.ts';
export type * from './types/storage.ts';
