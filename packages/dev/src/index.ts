export { devAuthorization, devUserFromAuthorization } from './auth.ts';
export { type BannerStack, startBanner } from './banner.ts';
export { DEV_ENVIRONMENT_VARIABLES, type DevConfig, loadDevConfig, type S3Mode } from './config.ts';
export * from './constants.ts';
export { DevStartError } from './errors.ts';
export {
  type EmbeddedS3,
  engineDataDir,
  type LocalStack,
  startLocalStack,
} from './local-stack.ts';
export { type DevServer, type DevServerOptions, startDevServer } from './server.ts';
