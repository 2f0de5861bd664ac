import { DEFAULT_PRESIGN_EXPIRES_IN_SECONDS } from '@autobio/s3-storage';

/** Service name in every log line unless `POWERTOOLS_SERVICE_NAME` is set. */
export const DEFAULT_SERVICE_NAME = 'autobio-storage-api';

/** Largest JSON request body accepted, in bytes (the longest valid body is far smaller). */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/** Illustrations per page of `GET /illustrations/{kind}` unless `limit` is given. */
export const DEFAULT_LIST_LIMIT = 50;

/** Largest `limit` of `GET /illustrations/{kind}` (the storage package's largest page). */
export const MAX_LIST_LIMIT = 1000;

/** Longest `prompt` passed to the illustration-gen service, in characters. */
export const MAX_PROMPT_LENGTH = 2000;

/**
 * Time allowed to the illustration-gen service unless `ILLUSTRATION_GEN_TIMEOUT_MS` is set:
 * under API Gateway's 30-second integration limit, with room left to verify and sign the result.
 */
export const DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS = 25_000;

/**
 * The longest an API request runs, in milliseconds: its function's timeout, under the HTTP API's
 * 30-second integration limit. Nothing a request started can still be writing after it.
 */
export const API_REQUEST_BUDGET_MS = 29_000;

/** Largest `ILLUSTRATION_GEN_TIMEOUT_MS`: the call cannot outlast its request. */
export const MAX_ILLUSTRATION_GEN_TIMEOUT_MS = API_REQUEST_BUDGET_MS;

/** How long the upload routes' presigned PUT URLs and POST forms stay valid, in seconds. */
export const UPLOAD_URL_EXPIRES_IN_SECONDS = DEFAULT_PRESIGN_EXPIRES_IN_SECONDS;

/** Time added to the sweep delay for clocks that differ and uploads still streaming, in ms. */
export const DELETION_SWEEP_MARGIN_MS = 60_000;

/**
 * How long after `DELETE /me/data` the sweep deletes the account's data again and makes the
 * deletion final, in milliseconds: by then every upload URL issued before the deletion (or by a
 * request that was already running) has expired, and every generate that had started has ended.
 */
export const DELETION_SWEEP_DELAY_MS =
  UPLOAD_URL_EXPIRES_IN_SECONDS * 1000 + API_REQUEST_BUDGET_MS + DELETION_SWEEP_MARGIN_MS;

/** Minutes between two runs of the deletion sweep. */
export const DELETION_SWEEP_INTERVAL_MINUTES = 5;

/** The EventBridge Scheduler expression of the deletion sweep. */
export const DELETION_SWEEP_SCHEDULE = `rate(${DELETION_SWEEP_INTERVAL_MINUTES} minutes)`;

/** Time kept back from the Lambda's remaining time so a 504 is sent before the function times out. */
export const LAMBDA_TIME_RESERVE_MS = 1_000;

/** The routes, in the order the README lists them. */
export const ROUTE_NAMES = [
  'create-subject-upload',
  'create-avatar-upload',
  'get-subject-image',
  'get-avatar-image',
  'list-illustrations',
  'generate-illustration',
  'delete-my-data',
] as const;

/** The scheduled tasks: functions that no route serves. */
export const TASK_NAMES = ['sweep-deletions'] as const;

/** Environment variables the handlers read beyond the storage package's, with their defaults. */
export const FUNCTION_ENVIRONMENT_VARIABLES = {
  POWERTOOLS_SERVICE_NAME: {
    description: 'The `service` of every log line.',
    default: DEFAULT_SERVICE_NAME,
  },
  POWERTOOLS_LOG_LEVEL: {
    description: 'The lowest level logged: DEBUG, INFO, WARN, ERROR.',
    default: 'INFO',
  },
  ILLUSTRATION_GEN_MODE: {
    description:
      '`service` calls the illustration-gen service; `stub` copies a stub image from the stubs prefix.',
    default: '- `service` when ILLUSTRATION_GEN_URL is set, else `stub`',
  },
  ILLUSTRATION_GEN_URL: {
    description: 'The http(s) URL the illustration-gen service takes POST requests on.',
    default: '- none: required in `service` mode',
  },
  ILLUSTRATION_GEN_TIMEOUT_MS: {
    description: 'Milliseconds allowed to the illustration-gen service, 1 to 29000.',
    default: '25000',
  },
  STUB_IMAGE_NAME: {
    description:
      'The stub image stub mode copies (a name under the stubs prefix, `.png` optional).',
    default: '- the first `.png` under the stubs prefix, in key order',
  },
  S3_REPLICA_BUCKET_NAME: {
    description: "The replica bucket, whose copies of a user's data account deletion deletes too.",
    default: '- none: only the primary bucket',
  },
  S3_REPLICA_REGION: {
    description: "The replica bucket's region.",
    default: "- the primary bucket's, S3_CLIENT_REGION",
  },
  CDN_DISTRIBUTION_ID: {
    description:
      "The CloudFront distribution whose cache of a user's illustrations account deletion invalidates.",
    default: '- none: no invalidation',
  },
  DELETION_SWEEP_DELAY_SECONDS: {
    description:
      'Local only (pnpm dev; ignored in Lambda): seconds from DELETE /me/data to its sweep.',
    default: String(DELETION_SWEEP_DELAY_MS / 1000),
  },
} as const satisfies Record<string, { readonly description: string; readonly default: string }>;
