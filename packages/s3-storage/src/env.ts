import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { DEFAULT_PREFIXES, DEFAULT_REGION, MAX_READ_SIZE_LIMIT_BYTES } from './constants.ts';
import { ConfigurationError, InvalidKeyError } from './errors.ts';
import { KeyLayout } from './key-layout.ts';
import {
  type Environment,
  readBoolean,
  readHttpUrl,
  readOptional,
  readRequired,
  readWholeNumber,
} from './settings.ts';
import type { RuntimeKind, S3StorageConfig, StaticCredentials } from './types/config.ts';
import type { KeyPrefixes } from './types/key-layout.ts';

/** Every environment variable the package reads, for documentation and tooling. */
export const ENVIRONMENT_VARIABLES = [
  'S3_BUCKET_NAME',
  'S3_CLIENT_REGION',
  'S3_SUBJECT_PREFIX',
  'S3_AVATAR_PREFIX',
  'S3_GENERATED_PREFIX',
  'S3_STUBS_PREFIX',
  'S3_DELETIONS_PREFIX',
  'S3_ENDPOINT',
  'S3_FORCE_PATH_STYLE',
  'S3_USE_ACCELERATE_ENDPOINT',
  'BACKEND_AWS_KEY',
  'BACKEND_AWS_SECRET',
  'S3_MAX_ATTEMPTS',
  'S3_CONNECTION_TIMEOUT_MS',
  'S3_REQUEST_TIMEOUT_MS',
  'S3_MAX_READ_SIZE_BYTES',
  'S3_MAX_UPLOAD_SIZE_BYTES',
] as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
/**
 * Prefixes and suffixes S3 keeps for itself (access points, Object Lambda, directory buckets,
 * table buckets). The per-account namespace suffix `-an` is allowed: infra's default names use it.
 */
const RESERVED_AFFIX =
  /^(?:xn--|sthree-|amzn-s3-demo-)|(?:\.mrap|-s3alias|--ol-s3|--x-s3|--table-s3)$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * Checks an S3 bucket name against S3's naming rules.
 * @throws ConfigurationError naming `S3_BUCKET_NAME` and the rule.
 */
export function validateBucketName(name: string, variable = 'S3_BUCKET_NAME'): string {
  const reserved = RESERVED_AFFIX.exec(name)?.[0];
  if (reserved) {
    const message =
      `"${name}" uses "${reserved}", which S3 reserves for its own names. Choose a name without it ` +
      '(for example auto-bio-illustrations).';
    throw new ConfigurationError(variable, message);
  }
  if (!BUCKET_NAME.test(name) || name.includes('..') || IP_ADDRESS.test(name)) {
    const message =
      `"${name}" is not a valid S3 bucket name. Use 3-63 lowercase letters, digits, dots and ` +
      'hyphens, starting and ending with a letter or digit (for example auto-bio-illustrations).';
    throw new ConfigurationError(variable, message);
  }
  return name;
}

/** Checks the shape of an AWS region name. @throws ConfigurationError naming the variable. */
export function validateRegion(region: string, variable = 'S3_CLIENT_REGION'): string {
  if (!REGION.test(region)) {
    const message =
      `"${region}" is not an AWS region name. ` + `Use one such as ${DEFAULT_REGION} or eu-west-1.`;
    throw new ConfigurationError(variable, message);
  }
  return region;
}

/** Whether the process runs inside AWS Lambda, judged by the runtime's own variables. */
export function detectRuntime(env: Environment = process.env): RuntimeKind {
  const inLambda =
    readOptional(env, 'AWS_LAMBDA_FUNCTION_NAME') !== undefined ||
    (readOptional(env, 'AWS_EXECUTION_ENV') ?? '').startsWith('AWS_Lambda_');
  return inLambda ? 'lambda' : 'local';
}

function readPrefixes(env: Environment): KeyPrefixes {
  const variables: Record<keyof KeyPrefixes, string> = {
    subjects: 'S3_SUBJECT_PREFIX',
    avatars: 'S3_AVATAR_PREFIX',
    generated: 'S3_GENERATED_PREFIX',
    stubs: 'S3_STUBS_PREFIX',
    deletions: 'S3_DELETIONS_PREFIX',
  };
  const prefixes: Record<string, string> = { ...DEFAULT_PREFIXES };
  for (const [field, variable] of Object.entries(variables) as [keyof KeyPrefixes, string][]) {
    prefixes[field] = readOptional(env, variable) ?? DEFAULT_PREFIXES[field];
  }
  try {
    return new KeyLayout(prefixes).prefixes;
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    const bad = Object.entries(variables).find(([field]) => prefixes[field] === error.value);
    throw new ConfigurationError(bad?.[1] ?? 'S3_*_PREFIX', error.message, { cause: error });
  }
}

function readCredentials(env: Environment): StaticCredentials | undefined {
  const accessKeyId = readOptional(env, 'BACKEND_AWS_KEY');
  const secretAccessKey = readOptional(env, 'BACKEND_AWS_SECRET');
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = accessKeyId === undefined ? 'BACKEND_AWS_KEY' : 'BACKEND_AWS_SECRET';
    const message =
      'is not set, but its partner is. Set both BACKEND_AWS_KEY and BACKEND_AWS_SECRET, or neither ' +
      'to use the default credential chain (AWS_PROFILE, SSO, instance role).';
    throw new ConfigurationError(missing, message);
  }
  return { accessKeyId, secretAccessKey };
}

/** What of the configuration shapes the SDK client: no bucket, region, prefixes or limits. */
export type ClientSettings = Omit<
  S3StorageConfig,
  'bucketName' | 'region' | 'prefixes' | 'maxReadSizeBytes' | 'maxUploadSizeBytes'
>;

/** A whole number from 1 to `max`, `fallback` when unset. */
function readCount(env: Environment, name: string, fallback: number, max?: number): number {
  return readWholeNumber(env, name, fallback, { min: 1, ...(max && { max }) });
}

const MiB = 1024 * 1024;

/**
 * Reads the variables that shape the SDK client (endpoint, credentials, retries, timeouts).
 * @throws ConfigurationError naming the first bad variable and how to fix it.
 */
export function loadClientSettingsFromEnv(env: Environment = process.env): ClientSettings {
  // Validated as a URL, kept as written.
  const endpoint = readHttpUrl(env, 'S3_ENDPOINT', 'http://127.0.0.1:4569, or unset it for AWS S3')
    ? readOptional(env, 'S3_ENDPOINT')
    : undefined;
  return {
    endpoint,
    forcePathStyle: readBoolean(env, 'S3_FORCE_PATH_STYLE') ?? endpoint !== undefined,
    useAccelerateEndpoint: readBoolean(env, 'S3_USE_ACCELERATE_ENDPOINT') ?? false,
    credentials: readCredentials(env),
    runtime: detectRuntime(env),
    maxAttempts: readCount(env, 'S3_MAX_ATTEMPTS', 3),
    connectionTimeoutMs: readCount(env, 'S3_CONNECTION_TIMEOUT_MS', 3_000),
    // Until a response starts, and any silence in a body: 3 attempts stay under the API's 29 s.
    requestTimeoutMs: readCount(env, 'S3_REQUEST_TIMEOUT_MS', 8_000),
  };
}

/** Everything but the bucket: what `env` sets, and the defaults for what it leaves unset. */
function loadSettingsFromEnv(env: Environment): Omit<S3StorageConfig, 'bucketName'> {
  return {
    region: validateRegion(readOptional(env, 'S3_CLIENT_REGION') ?? DEFAULT_REGION),
    prefixes: readPrefixes(env),
    ...loadClientSettingsFromEnv(env),
    maxReadSizeBytes: readCount(env, 'S3_MAX_READ_SIZE_BYTES', 50 * MiB, MAX_READ_SIZE_LIMIT_BYTES),
    maxUploadSizeBytes: readCount(env, 'S3_MAX_UPLOAD_SIZE_BYTES', 20 * MiB),
  };
}

/**
 * Reads and validates the whole configuration once.
 * @throws ConfigurationError naming the first bad variable and how to fix it.
 */
export function loadConfigFromEnv(env: Environment = process.env): S3StorageConfig {
  const bucket = readRequired(env, 'S3_BUCKET_NAME', 'auto-bio-illustrations');
  return { bucketName: validateBucketName(bucket), ...loadSettingsFromEnv(env) };
}

/**
 * A configuration given in code, completed with the package defaults (not the environment's).
 * @throws ConfigurationError for a bad bucket name or region.
 */
export function completeConfig(
  config: Partial<S3StorageConfig> & Pick<S3StorageConfig, 'bucketName'>,
): S3StorageConfig {
  validateBucketName(config.bucketName);
  const complete = {
    ...loadSettingsFromEnv({}),
    // Where the code runs is still detected: it decides how credentials are found.
    runtime: detectRuntime(),
    forcePathStyle: config.endpoint !== undefined,
    ...config,
  };
  validateRegion(complete.region);
  return complete;
}

/** Options for {@link getAwsClientConfig} beyond the region. */
export interface AwsClientConfigOptions {
  /** The environment to read. @default process.env */
  readonly env?: Environment;
  /** Called with a warning (keys ignored in Lambda). @default console.warn */
  readonly warn?: (message: string) => void;
  /** Settings already loaded; skips reading the environment again. @default - loaded from env */
  readonly config?: ClientSettings;
}

/**
 * The `S3Client` configuration for this process: explicit keys locally, the IAM role (the
 * default provider chain) in Lambda, checksums only when required, bounded retries and
 * timeouts, and the local endpoint when one is set.
 */
export function getAwsClientConfig(
  region: string,
  options: AwsClientConfigOptions = {},
): S3ClientConfig {
  const config = options.config ?? loadClientSettingsFromEnv(options.env ?? process.env);
  const { credentials, runtime } = config;
  if (credentials && runtime === 'lambda') {
    (options.warn ?? console.warn)(
      'BACKEND_AWS_KEY/BACKEND_AWS_SECRET are set in Lambda and are ignored: the function uses its ' +
        'IAM role. Remove them from the function environment.',
    );
  }
  return {
    region: validateRegion(region),
    ...(credentials && runtime !== 'lambda' ? { credentials } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.useAccelerateEndpoint ? { useAccelerateEndpoint: true } : {}),
    maxAttempts: config.maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs,
      // Until the response headers arrive; without throwOnRequestTimeout the SDK only warns.
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
      // A body that stops arriving half-way.
      socketTimeout: config.requestTimeoutMs,
    },
  };
}
