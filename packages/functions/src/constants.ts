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

/** Largest `ILLUSTRATION_GEN_TIMEOUT_MS`: an HTTP API integration answers within 30 seconds. */
export const MAX_ILLUSTRATION_GEN_TIMEOUT_MS = 29_000;

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
} as const satisfies Record<string, { readonly description: string; readonly default: string }>;
