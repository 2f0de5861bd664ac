export { areaAccessStatements, grantAreaAccess } from './area-access.ts';
export { replaceAutoDeleteManagedPolicy } from './auto-delete-provider.ts';
export * from './constants.ts';
export {
  CONTEXT_SETTINGS,
  type ContextSetting,
  contextKey,
  ENVIRONMENT_DEFAULTS,
  type LoadAllEnvironmentConfigsOptions,
  type LoadEnvironmentConfigOptions,
  loadAllEnvironmentConfigs,
  loadEnvironmentConfig,
  trustsWholeAccount,
} from './environment-config.ts';
export * from './errors.ts';
export {
  ESM_REQUIRE_BANNER,
  FUNCTION_BUNDLE_SETTINGS,
  FUNCTION_NODE_MAJOR_VERSION,
  FUNCTION_NODE_OPTIONS,
  functionEsbuildOptions,
} from './function-bundling.ts';
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
  ROUTE_MEMORY_SIZE_MB,
  StorageApi,
  type StorageApiIllustrationGenProps,
  type StorageApiProps,
} from './storage-api.ts';
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
export {
  DEFAULT_FUNCTION_MEMORY_SIZE_MB,
  FUNCTION_ARCHITECTURE,
  FUNCTION_RUNTIME,
  functionBundlingOptions,
  StorageFunction,
  type StorageFunctionProps,
} from './storage-function.ts';
export { StorageStack, type StorageStackProps } from './storage-stack.ts';
export type * from './types/area-access.ts';
export type * from './types/config.ts';
