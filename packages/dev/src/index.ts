export { devAuthorization, devUserFromAuthorization } from './auth.ts';
export { type BannerStack, startBanner } from './banner.ts';
export {
  DEFAULT_DATA_DIR,
  DEV_ENVIRONMENT_VARIABLES,
  type DevConfig,
  type IllustrationGenSetting,
  loadDevConfig,
  resolveDataDir,
  type S3Mode,
} from './config.ts';
export {
  exportLines,
  type LocalConnection,
  localConnectionEnvironment,
  readLocalConnection,
} from './connection.ts';
export * from './constants.ts';
export { DataFolderInUseError, DevStartError, LocalConnectionError } from './errors.ts';
export {
  type FakeIllustrationGen,
  type FakeIllustrationGenAnswer,
  type FakeIllustrationGenOptions,
  startFakeIllustrationGen,
} from './fake-illustration-gen.ts';
export {
  type EmbeddedS3,
  engineDataDir,
  type IllustrationGenInUse,
  type LocalStack,
  startLocalStack,
} from './local-stack.ts';
export { type DevServer, type DevServerOptions, startDevServer } from './server.ts';
