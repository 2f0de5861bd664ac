import type { LocalS3Engine } from '@autobio/local-s3';

/** Port of the page and the API unless `DEV_PORT` says otherwise. */
export const DEFAULT_PORT = 3000;

/** Port of the embedded S3 unless `DEV_S3_PORT` says otherwise. */
export const DEFAULT_S3_PORT = 4569;

/** The embedded S3 servers `DEV_S3` can name. */
export const S3_ENGINES = ['s3rver', 'versitygw'] as const satisfies readonly LocalS3Engine[];

/** The embedded S3 unless `DEV_S3` says otherwise: s3rver needs nothing installed. */
export const DEFAULT_S3_ENGINE = 's3rver' satisfies LocalS3Engine;

/** The local environment's bucket in the embedded S3. */
export const DEFAULT_LOCAL_BUCKET = 'auto-bio-local';

/** Loopback address both servers bind to: nothing is reachable from another machine. */
export const LOOPBACK = '127.0.0.1';

/**
 * The local sign-in: `Authorization: Bearer dev-user:<userId>`. Only this dev server reads it;
 * the deployed API's JWT authorizer rejects it like any token it did not issue, and the
 * handlers never read the Authorization header.
 */
export const DEV_TOKEN_PREFIX = 'dev-user:';

/** Where the API routes are served on the dev server. */
export const API_BASE_PATH = '/api';

/** Largest request body the dev server passes to a handler (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Address `--host` binds when given no value: every interface, for containers and remote machines. */
export const ALL_INTERFACES = '0.0.0.0';

/** The file of local settings the spec names, at the repo's root; the real environment wins. */
export const ENV_FILE_NAME = '.env.local';

/** In the data folder: the pid of the `pnpm dev` that runs on it, so a second one stops. */
export const LOCK_FILE_NAME = 'dev.lock';

/** In the data folder while `pnpm dev` runs: the embedded S3's endpoint, bucket, region and keys. */
export const CONNECTION_JSON_FILE_NAME = 'connection.json';

/** The same settings as `export` lines, for `source` in a shell. */
export const CONNECTION_ENV_FILE_NAME = 'connection.env';

/**
 * In a data folder `pnpm dev` created: `pnpm dev reset` deletes only folders that carry it (or the
 * default one), so a DEV_DATA_DIR pointed at a folder of other files is never deleted.
 */
export const DATA_FOLDER_MARKER = '.autobio-dev-data';

/** What `DEV_ILLUSTRATION_GEN` can name besides the handlers' own stub mode. */
export const ILLUSTRATION_GEN_FAKES = ['fake', 'fake-foreign-bucket'] as const;

/** Sources whose changes reload the handlers in watch mode, relative to the repo's root. */
export const WATCHED_SOURCE_DIRS = ['packages/functions/src', 'packages/s3-storage/src'] as const;

/**
 * How often `pnpm dev` runs the deletion sweep, in milliseconds: more often than AWS's schedule,
 * so that a shortened DELETION_SWEEP_DELAY_SECONDS is felt locally.
 */
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;
