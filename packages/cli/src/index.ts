export { runCli } from './cli.ts';
export { createMigrationTarget, migrationClientConfig } from './clients.ts';
export * from './constants.ts';
export {
  copySourceRange,
  isValidPartLayout,
  planCopyParts,
  uniformPartSizes,
} from './copy-parts.ts';
export {
  CHECK_IDS,
  classifyCredentials,
  defaultWarnOnly,
  maskAccessKeyId,
  runDoctor,
} from './doctor.ts';
export { formatDoctorReport } from './doctor-report.ts';
export * from './errors.ts';
export {
  destinationKeyFor,
  encodeCopySource,
  parseSourceUri,
  resolveDestinationPrefix,
} from './locations.ts';
export { main } from './main.ts';
export { type MigrationTarget, runMigration } from './migrate.ts';
export { formatMigrationReport } from './migrate-report.ts';
export { compareHeads, sameChecksum, sameSizeAndEtag } from './object-compare.ts';
export {
  type CopierOptions,
  type CopyRequest,
  type CopyResult,
  copyObject,
  type DestinationPrecondition,
  destinationConditionHeaders,
} from './object-copy.ts';
export {
  BarProgress,
  createProgressListener,
  formatProgressLine,
  LineProgress,
} from './progress.ts';
export type * from './types/context.ts';
export type * from './types/doctor.ts';
export type * from './types/migrate.ts';
