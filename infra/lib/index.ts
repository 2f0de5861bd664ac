export { areaAccessStatements, grantAreaAccess } from './area-access.ts';
export { replaceAutoDeleteManagedPolicy } from './auto-delete-provider.ts';
export * from './constants.ts';
export {
  assertKnownContextKeys,
  CONTEXT_SETTINGS,
  type ContextSetting,
  contextKey,
  ENVIRONMENT_DEFAULTS,
  type EnvironmentDefaults,
  type LoadEnvironmentConfigOptions,
  loadAllEnvironmentConfigs,
  loadEnvironmentConfig,
  SHARED_DEFAULTS,
  stackNameFor,
} from './environment-config.ts';
export * from './errors.ts';
export { FunctionRole, type FunctionRoleProps } from './function-role.ts';
export { GeneratedCdn, type GeneratedCdnProps } from './generated-cdn.ts';
export {
  IllustrationGenRole,
  type IllustrationGenRoleProps,
  illustrationGenPrincipal,
} from './illustration-gen-role.ts';
export { LogBucket, type LogBucketProps } from './log-bucket.ts';
export {
  acknowledgeRule,
  applyNagPacks,
  type NagPacksOptions,
  wildcardResourceRuleId,
} from './nag.ts';
export {
  accountRegionalBucketName,
  ReplicaStack,
  type ReplicaStackProps,
} from './replica-stack.ts';
export { bucketRemovalProps, secureBucketProps } from './secure-bucket.ts';
export {
  addEnvironmentStacks,
  type BuildStorageAppOptions,
  buildStorageApp,
  type EnvironmentStacks,
} from './storage-app.ts';
export {
  type StorageBindingVariable,
  StorageBucket,
  type StorageBucketProps,
} from './storage-bucket.ts';
export { StorageStack, type StorageStackProps } from './storage-stack.ts';
export type * from './types/area-access.ts';
export type * from './types/config.ts';
