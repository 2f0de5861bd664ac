import {
  DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
  LAMBDA_TIME_RESERVE_MS,
  MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
} from '@autobio/functions';
import {
  browserCorsRules,
  ConfigurationError,
  type KeyPrefixes,
  type StorageArea,
  validateBucketName,
  validateRegion,
} from '@autobio/s3-storage';
import { KeyLayout, STORAGE_AREAS } from '@autobio/s3-storage/key-layout';
import {
  ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS,
  ARCHIVE_ACCESS_DAYS_RANGE,
  CLOUDWATCH_LOG_RETENTION_DAYS,
  CONTEXT_NAMESPACE,
  DEEP_ARCHIVE_ACCESS_DAYS_RANGE,
  ENVIRONMENT_NAMES,
  FALLBACK_REGION,
  INTELLIGENT_TIERING_AREAS,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  PLACEHOLDER_JWT_AUDIENCE,
  placeholderJwtIssuer,
  STACK_NAME_PREFIX,
} from './constants.ts';
import {
  howToSet,
  readBoolean,
  readChoice,
  readInteger,
  readString,
  readStringList,
} from './context-values.ts';
import { InfraConfigError } from './errors.ts';
import type {
  ApiAuthConfig,
  ApiConfig,
  ArchiveTiersConfig,
  BucketRemoval,
  EnvironmentConfig,
  EnvironmentName,
  IllustrationGenMode,
  IllustrationGenPrincipal,
  IllustrationGenServiceConfig,
  IllustrationGenTrust,
  ReplicationConfig,
} from './types/config.ts';

/** What differs between environments when nothing is configured. */
export interface EnvironmentDefaults {
  readonly removal: BucketRemoval;
  readonly terminationProtection: boolean;
  readonly noncurrentVersionExpirationDays: number;
  readonly noncurrentVersionsToRetain: number;
  readonly accessLogRetentionDays: number;
  readonly corsOrigins: readonly string[];
  /** Days the functions' logs and the API's access logs are kept. */
  readonly apiLogRetentionDays: number;
  /**
   * How illustrations are made when `illustrationGenMode` is not set: always from a stub, or by
   * the service when `illustrationGenUrl` is set (and from a stub otherwise).
   */
  readonly illustrationGenMode: 'stub' | 'service-if-url';
}

/**
 * Per-environment defaults. `local` is the bucket developers reach from their machines with
 * BACKEND_AWS_KEY (the spec's local setup); `dev` a shared test bucket; `prod` the real one.
 */
export const ENVIRONMENT_DEFAULTS: Readonly<Record<EnvironmentName, EnvironmentDefaults>> = {
  local: {
    removal: 'destroy',
    terminationProtection: false,
    noncurrentVersionExpirationDays: 7,
    noncurrentVersionsToRetain: 1,
    accessLogRetentionDays: 14,
    corsOrigins: ['http://localhost:5173', 'http://localhost:3000'],
    apiLogRetentionDays: 7,
    illustrationGenMode: 'stub',
  },
  dev: {
    removal: 'destroy',
    terminationProtection: false,
    noncurrentVersionExpirationDays: 30,
    noncurrentVersionsToRetain: 3,
    accessLogRetentionDays: 90,
    corsOrigins: ['http://localhost:5173'],
    apiLogRetentionDays: 30,
    illustrationGenMode: 'stub',
  },
  prod: {
    removal: 'retain',
    terminationProtection: true,
    noncurrentVersionExpirationDays: 90,
    noncurrentVersionsToRetain: 5,
    accessLogRetentionDays: 365,
    corsOrigins: [],
    apiLogRetentionDays: 90,
    illustrationGenMode: 'service-if-url',
  },
};

/** Defaults shared by every environment. */
export const SHARED_DEFAULTS = {
  abortIncompleteMultipartUploadDays: 3,
  intelligentTieringTransitionDays: 0,
  serverAccessLogs: true,
  archiveAccessDays: ARCHIVE_ACCESS_DAYS_RANGE.min,
  transferAcceleration: false,
  replication: false,
  cdn: false,
  illustrationGenPrincipal: 'this-account',
  illustrationGenTimeoutMs: DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
  apiThrottleRateLimit: 50,
  apiThrottleBurstLimit: 100,
} as const;

/**
 * Every setting an environment reads, as the last part of its context key
 * (`autobio:<environment>:<setting>`).
 */
export const CONTEXT_SETTINGS = [
  'account',
  'region',
  'bucketName',
  'bucketNamePrefix',
  'subjectPrefix',
  'avatarPrefix',
  'generatedPrefix',
  'stubsPrefix',
  'removal',
  'noncurrentVersionExpirationDays',
  'noncurrentVersionsToRetain',
  'abortIncompleteMultipartUploadDays',
  'intelligentTieringTransitionDays',
  'serverAccessLogs',
  'accessLogRetentionDays',
  'archiveAreas',
  'archiveAccessDays',
  'deepArchiveAccessDays',
  'corsOrigins',
  'illustrationGenPrincipal',
  'illustrationGenExternalId',
  'transferAcceleration',
  'replication',
  'replicationRegion',
  'replicaBucketNamePrefix',
  'cdn',
  'jwtIssuer',
  'jwtAudience',
  'illustrationGenUrl',
  'illustrationGenMode',
  'illustrationGenTimeoutMs',
  'apiThrottleRateLimit',
  'apiThrottleBurstLimit',
  'apiLogRetentionDays',
] as const;

/** One setting of {@link CONTEXT_SETTINGS}. */
export type ContextSetting = (typeof CONTEXT_SETTINGS)[number];

/** The context key of a setting: `autobio:prod:bucketName`. */
export function contextKey(environment: EnvironmentName, setting: ContextSetting): string {
  return `${CONTEXT_NAMESPACE}:${environment}:${setting}`;
}

/** The stack name of an environment: `AutoBio-prod`. */
export function stackNameFor(environment: EnvironmentName): string {
  return `${STACK_NAME_PREFIX}-${environment}`;
}

/** Options of {@link loadEnvironmentConfig}. */
export interface LoadEnvironmentConfigOptions {
  /** The app's context: cdk.json, cdk.context.json and `-c` values. */
  readonly context: Readonly<Record<string, unknown>>;
  /**
   * The process environment, read for `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`.
   * @default process.env
   */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
}

const ACCOUNT_ID = /^\d{12}$/;
const BUCKET_NAME_PREFIX = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
// The storage package refuses the names S3 reserves; an explicit name may not end in the
// per-account namespace's suffix either, which only S3 appends (see accountRegionalBucketName).
const ACCOUNT_NAMESPACE_SUFFIX = '-an';
// "-<12-digit account>-<region>-an", appended by S3 in the account-regional namespace.
const accountRegionalSuffixLength = (region: string): number => 1 + 12 + 1 + region.length + 3;

/**
 * Checks that every `autobio:*` context key is `autobio:<environment>:<setting>` with a known
 * environment and setting, so that a typo fails synth instead of being ignored.
 * @throws InfraConfigError naming the key and the keys that exist.
 */
export function assertKnownContextKeys(context: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(context)) {
    if (!key.startsWith(`${CONTEXT_NAMESPACE}:`)) continue;
    const [, environment, setting, ...rest] = key.split(':');
    const knownEnvironment = (ENVIRONMENT_NAMES as readonly string[]).includes(environment ?? '');
    const knownSetting = (CONTEXT_SETTINGS as readonly string[]).includes(setting ?? '');
    if (knownEnvironment && knownSetting && rest.length === 0) continue;
    const hint = knownEnvironment
      ? `Known settings: ${CONTEXT_SETTINGS.join(', ')}.`
      : `The environment must be one of ${ENVIRONMENT_NAMES.join(', ')}.`;
    throw new InfraConfigError(
      key,
      context[key],
      `is not a setting this app reads (keys are ${CONTEXT_NAMESPACE}:<environment>:<setting>). ${hint} ` +
        'Fix the spelling or remove the key.',
    );
  }
}

/**
 * Reads and validates one environment's configuration from context, `CDK_DEFAULT_*` and the
 * defaults above. Works with no context and no credentials, so synth runs offline.
 * @throws InfraConfigError naming the first bad key, its value and the fix.
 */
export function loadEnvironmentConfig(
  name: EnvironmentName,
  options: LoadEnvironmentConfigOptions,
): EnvironmentConfig {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    throw new InfraConfigError(
      'environment',
      name,
      `unknown environment ${JSON.stringify(name)}: use one of ${ENVIRONMENT_NAMES.join(', ')}.`,
    );
  }
  const { context } = options;
  const env = options.processEnv ?? process.env;
  assertKnownContextKeys(context);
  const key = (setting: ContextSetting) => contextKey(name, setting);
  const raw = (setting: ContextSetting) => context[key(setting)];
  const defaults = ENVIRONMENT_DEFAULTS[name];

  const account = readAccount(key('account'), raw('account'), env.CDK_DEFAULT_ACCOUNT);
  const region = readRegion(key('region'), raw('region'), env.CDK_DEFAULT_REGION);
  const transferAcceleration =
    readBoolean(key('transferAcceleration'), raw('transferAcceleration')) ??
    SHARED_DEFAULTS.transferAcceleration;
  const bucketName = readBucketName(key('bucketName'), raw('bucketName'), transferAcceleration);
  if (
    bucketName !== undefined &&
    readString(key('bucketNamePrefix'), raw('bucketNamePrefix'), '')
  ) {
    throw new InfraConfigError(
      key('bucketNamePrefix'),
      raw('bucketNamePrefix'),
      `cannot be combined with ${key('bucketName')}: the prefix names a bucket in the ` +
        'account-regional namespace, bucketName one in the global namespace. Keep one of them.',
    );
  }
  const bucketNamePrefix = readBucketNamePrefix(
    key('bucketNamePrefix'),
    raw('bucketNamePrefix'),
    `autobio-illustrations-${name}`,
    region,
  );
  if (bucketName === undefined && ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS.includes(region)) {
    throw new InfraConfigError(
      key('bucketName'),
      undefined,
      `is required in ${region}: that region has no S3 account-regional namespace, so the default ` +
        `bucket name cannot be used. ${howToSet(key('bucketName'), `autobio-illustrations-${name}-example`)}`,
    );
  }

  const removal = readChoice(key('removal'), raw('removal'), ['retain', 'destroy'] as const);
  if (name === 'prod' && removal === 'destroy') {
    throw new InfraConfigError(
      key('removal'),
      raw('removal'),
      'prod buckets are always retained when the stack is deleted, so their images outlive a ' +
        'mistaken `cdk destroy`. Remove the key (or set it to "retain").',
    );
  }

  const cdn = readBoolean(key('cdn'), raw('cdn')) ?? SHARED_DEFAULTS.cdn;
  return {
    name,
    stackName: stackNameFor(name),
    account,
    region,
    bucketName,
    bucketNamePrefix,
    keyPrefixes: readKeyPrefixes(name, context),
    removal: removal ?? defaults.removal,
    terminationProtection: defaults.terminationProtection,
    noncurrentVersionExpirationDays:
      readInteger(key('noncurrentVersionExpirationDays'), raw('noncurrentVersionExpirationDays'), {
        min: 1,
        max: 3650,
      }) ?? defaults.noncurrentVersionExpirationDays,
    noncurrentVersionsToRetain:
      readInteger(key('noncurrentVersionsToRetain'), raw('noncurrentVersionsToRetain'), {
        min: 1,
        max: 100,
      }) ?? defaults.noncurrentVersionsToRetain,
    abortIncompleteMultipartUploadDays:
      readInteger(
        key('abortIncompleteMultipartUploadDays'),
        raw('abortIncompleteMultipartUploadDays'),
        { min: 1, max: 365 },
      ) ?? SHARED_DEFAULTS.abortIncompleteMultipartUploadDays,
    intelligentTieringTransitionDays:
      readInteger(
        key('intelligentTieringTransitionDays'),
        raw('intelligentTieringTransitionDays'),
        { min: 0, max: 3650 },
      ) ?? SHARED_DEFAULTS.intelligentTieringTransitionDays,
    serverAccessLogs:
      readBoolean(key('serverAccessLogs'), raw('serverAccessLogs')) ??
      SHARED_DEFAULTS.serverAccessLogs,
    accessLogRetentionDays:
      readInteger(key('accessLogRetentionDays'), raw('accessLogRetentionDays'), {
        min: 1,
        max: 3650,
      }) ?? defaults.accessLogRetentionDays,
    archiveTiers: readArchiveTiers(name, context),
    corsOrigins: readCorsOrigins(name, raw('corsOrigins'), defaults.corsOrigins),
    illustrationGen: readIllustrationGenTrust(name, context),
    transferAcceleration,
    replication: readReplication(name, context, region),
    cdn,
    api: readApi(name, context),
  };
}

/** Loads every environment, in {@link ENVIRONMENT_NAMES} order. */
export function loadAllEnvironmentConfigs(
  options: LoadEnvironmentConfigOptions,
): EnvironmentConfig[] {
  return ENVIRONMENT_NAMES.map((name) => loadEnvironmentConfig(name, options));
}

// A ConfigurationError from the storage package names its own variable; name the context key.
function asConfigError(key: string, value: unknown, error: unknown, example: string): never {
  if (error instanceof ConfigurationError) {
    const detail = error.message.slice(error.variable.length + 2);
    throw new InfraConfigError(key, value, `${detail} ${howToSet(key, example)}`, { cause: error });
  }
  throw error;
}

function readAccount(key: string, raw: unknown, fallback: string | undefined): string | undefined {
  const value = readString(key, raw, '123456789012') ?? (fallback?.trim() || undefined);
  if (value !== undefined && !ACCOUNT_ID.test(value)) {
    throw new InfraConfigError(
      key,
      value,
      `${JSON.stringify(value)} is not an AWS account id: use the 12 digits, for example 123456789012 ` +
        `(from context, or CDK_DEFAULT_ACCOUNT). ${howToSet(key, '123456789012')}`,
    );
  }
  return value;
}

function readRegion(key: string, raw: unknown, fallback: string | undefined): string {
  const value = readString(key, raw, FALLBACK_REGION) ?? (fallback?.trim() || FALLBACK_REGION);
  try {
    return validateRegion(value, key);
  } catch (error) {
    return asConfigError(key, value, error, FALLBACK_REGION);
  }
}

function readBucketName(
  key: string,
  raw: unknown,
  transferAcceleration: boolean,
): string | undefined {
  const example = 'autobio-illustrations-example';
  const value = readString(key, raw, example);
  if (value === undefined) return undefined;
  try {
    validateBucketName(value, key);
  } catch (error) {
    asConfigError(key, value, error, example);
  }
  if (value.endsWith(ACCOUNT_NAMESPACE_SUFFIX)) {
    throw new InfraConfigError(
      key,
      value,
      `"${value}" uses "${ACCOUNT_NAMESPACE_SUFFIX}", which S3 reserves for other kinds of bucket names. ` +
        `Choose another name. ${howToSet(key, example)}`,
    );
  }
  if (transferAcceleration && value.includes('.')) {
    throw new InfraConfigError(
      key,
      value,
      `"${value}" contains a dot, and S3 Transfer Acceleration does not work with dotted bucket ` +
        'names. Use hyphens instead, or turn transferAcceleration off.',
    );
  }
  return value;
}

function readBucketNamePrefix(key: string, raw: unknown, fallback: string, region: string): string {
  const value = readString(key, raw, fallback) ?? fallback;
  const maxLength = 63 - accountRegionalSuffixLength(region);
  if (!BUCKET_NAME_PREFIX.test(value) || value.includes('--') || value.length > maxLength) {
    throw new InfraConfigError(
      key,
      value,
      `"${value}" cannot start a bucket name in the account-regional namespace: use lowercase ` +
        `letters, digits and single hyphens, at most ${maxLength} characters in ${region} (S3 ` +
        `appends "-<account>-${region}-an"). ${howToSet(key, fallback)}`,
    );
  }
  return value;
}

function readKeyPrefixes(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
): KeyPrefixes {
  const settings: Record<keyof KeyPrefixes, ContextSetting> = {
    subjects: 'subjectPrefix',
    avatars: 'avatarPrefix',
    generated: 'generatedPrefix',
    stubs: 'stubsPrefix',
  };
  const given: Partial<Record<keyof KeyPrefixes, string>> = {};
  for (const [field, setting] of Object.entries(settings) as [
    keyof KeyPrefixes,
    ContextSetting,
  ][]) {
    const value = readString(
      contextKey(name, setting),
      context[contextKey(name, setting)],
      `${field}/`,
    );
    if (value !== undefined) given[field] = value;
  }
  try {
    return new KeyLayout(given).prefixes;
  } catch (error) {
    const bad = (error as { value?: unknown }).value;
    const field =
      (Object.keys(given) as (keyof KeyPrefixes)[]).find((f) => given[f] === bad) ??
      (Object.keys(given)[0] as keyof KeyPrefixes | undefined);
    const key = field ? contextKey(name, settings[field]) : contextKey(name, 'subjectPrefix');
    throw new InfraConfigError(
      key,
      field ? given[field] : undefined,
      `${(error as Error).message} Fix the prefix, or remove the key to use the spec's default.`,
      { cause: error },
    );
  }
}

function readArchiveTiers(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
): ArchiveTiersConfig | undefined {
  const areasKey = contextKey(name, 'archiveAreas');
  const archiveKey = contextKey(name, 'archiveAccessDays');
  const deepKey = contextKey(name, 'deepArchiveAccessDays');
  const areas = readStringList(areasKey, context[areasKey], ['subjects']) ?? [];
  const archiveAccessDays = readInteger(archiveKey, context[archiveKey], ARCHIVE_ACCESS_DAYS_RANGE);
  const deepArchiveAccessDays = readInteger(
    deepKey,
    context[deepKey],
    DEEP_ARCHIVE_ACCESS_DAYS_RANGE,
  );
  if (areas.length === 0) {
    if (archiveAccessDays !== undefined || deepArchiveAccessDays !== undefined) {
      const key = archiveAccessDays !== undefined ? archiveKey : deepKey;
      throw new InfraConfigError(
        key,
        context[key],
        `sets archive days but ${areasKey} is empty, so no object would be archived. Set ` +
          `${areasKey} to the areas to archive (for example ["subjects"]), or remove ${key}.`,
      );
    }
    return undefined;
  }
  const tiered: readonly string[] = INTELLIGENT_TIERING_AREAS;
  for (const area of areas) {
    if (!(STORAGE_AREAS as readonly string[]).includes(area)) {
      throw new InfraConfigError(
        areasKey,
        context[areasKey],
        `"${area}" is not a storage area: use ${STORAGE_AREAS.join(', ')}.`,
      );
    }
    const parent = area.split('/')[0] ?? area;
    if (!tiered.includes(parent)) {
      throw new InfraConfigError(
        areasKey,
        context[areasKey],
        `"${area}" never enters INTELLIGENT_TIERING (only ${tiered.join(' and ')} do; stubs and ` +
          'avatars stay in STANDARD), so archive tiers would do nothing there. Remove it.',
      );
    }
    const covering = areas.find((other) => other !== area && area.startsWith(`${other}/`));
    if (covering !== undefined) {
      throw new InfraConfigError(
        areasKey,
        context[areasKey],
        `"${area}" lies inside "${covering}", which is already listed. Keep one of them.`,
      );
    }
  }
  if (
    archiveAccessDays !== undefined &&
    deepArchiveAccessDays !== undefined &&
    deepArchiveAccessDays <= archiveAccessDays
  ) {
    throw new InfraConfigError(
      deepKey,
      context[deepKey],
      `must be more than ${archiveKey} (${archiveAccessDays}): objects reach Deep Archive Access ` +
        'after Archive Access.',
    );
  }
  return {
    areas: [...new Set(areas)] as StorageArea[],
    archiveAccessDays: archiveAccessDays ?? SHARED_DEFAULTS.archiveAccessDays,
    deepArchiveAccessDays,
  };
}

function readCorsOrigins(
  name: EnvironmentName,
  raw: unknown,
  fallback: readonly string[],
): readonly string[] {
  const key = contextKey(name, 'corsOrigins');
  const example = ['https://app.example.com'];
  const origins = readStringList(key, raw, example) ?? fallback;
  try {
    browserCorsRules(origins);
  } catch (error) {
    throw new InfraConfigError(key, raw, `${(error as Error).message} ${howToSet(key, example)}`, {
      cause: error,
    });
  }
  if (name === 'prod') {
    const insecure = origins.find((origin) => !origin.startsWith('https://'));
    if (insecure !== undefined) {
      throw new InfraConfigError(
        key,
        raw,
        `prod allows only https origins of the web app, got "${insecure}" ("*" would let any ` +
          `site upload with a leaked URL). ${howToSet(key, example)}`,
      );
    }
  }
  return [...new Set(origins)];
}

function readIllustrationGenTrust(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
): IllustrationGenTrust {
  const principalKey = contextKey(name, 'illustrationGenPrincipal');
  const externalIdKey = contextKey(name, 'illustrationGenExternalId');
  const text =
    readString(
      principalKey,
      context[principalKey],
      'arn:aws:iam::123456789012:role/illustration-gen',
    ) ?? SHARED_DEFAULTS.illustrationGenPrincipal;
  let principal: IllustrationGenPrincipal;
  if (text === 'this-account') principal = { kind: 'this-account' };
  else if (ACCOUNT_ID.test(text)) principal = { kind: 'account', accountId: text };
  else if (ROLE_ARN.test(text)) principal = { kind: 'role', roleArn: text };
  else if (SERVICE_PRINCIPAL.test(text)) principal = { kind: 'service', service: text };
  else {
    throw new InfraConfigError(
      principalKey,
      context[principalKey],
      `"${text}" is not a principal this app understands. Use "this-account", a 12-digit account ` +
        'id, a role ARN (arn:aws:iam::123456789012:role/name) or a service principal ' +
        '(ecs-tasks.amazonaws.com).',
    );
  }
  const externalId = readString(externalIdKey, context[externalIdKey], 'a-shared-secret-id');
  if (externalId !== undefined) {
    if (principal.kind === 'service') {
      throw new InfraConfigError(
        externalIdKey,
        externalId,
        `cannot be used with the service principal "${text}": AWS services do not send ` +
          'sts:ExternalId. Remove it, or trust an account or role instead.',
      );
    }
    if (!EXTERNAL_ID.test(externalId)) {
      throw new InfraConfigError(
        externalIdKey,
        externalId,
        'must be 2-1224 characters of letters, digits and + = , . @ : / - _ (the sts:ExternalId ' +
          'rules). Choose another value.',
      );
    }
  }
  return { principal, externalId };
}

function readReplication(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
  region: string,
): ReplicationConfig | undefined {
  const enabledKey = contextKey(name, 'replication');
  const regionKey = contextKey(name, 'replicationRegion');
  const prefixKey = contextKey(name, 'replicaBucketNamePrefix');
  const enabled = readBoolean(enabledKey, context[enabledKey]) ?? SHARED_DEFAULTS.replication;
  const fallbackRegion = region === 'us-west-2' ? 'us-east-1' : 'us-west-2';
  const givenRegion = readString(regionKey, context[regionKey], fallbackRegion);
  const givenPrefix = readString(prefixKey, context[prefixKey], `autobio-${name}-replica`);
  if (!enabled) {
    const stray =
      givenRegion !== undefined ? regionKey : givenPrefix !== undefined ? prefixKey : undefined;
    if (stray !== undefined) {
      throw new InfraConfigError(
        stray,
        context[stray],
        `is set but replication is off. Set ${enabledKey}=true to replicate, or remove ${stray}.`,
      );
    }
    return undefined;
  }
  let replicaRegion: string;
  try {
    replicaRegion = validateRegion(givenRegion ?? fallbackRegion, regionKey);
  } catch (error) {
    return asConfigError(regionKey, givenRegion, error, fallbackRegion);
  }
  if (replicaRegion === region) {
    throw new InfraConfigError(
      regionKey,
      givenRegion,
      `is the bucket's own region (${region}); cross-region replication needs another region. ` +
        howToSet(regionKey, fallbackRegion),
    );
  }
  if (ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS.includes(replicaRegion)) {
    throw new InfraConfigError(
      regionKey,
      givenRegion,
      `${replicaRegion} has no S3 account-regional namespace, which the replica bucket's name uses. ` +
        'Choose another replica region.',
    );
  }
  return {
    region: replicaRegion,
    bucketNamePrefix: readBucketNamePrefix(
      prefixKey,
      givenPrefix,
      `autobio-${name}-replica`,
      replicaRegion,
    ),
  };
}

/**
 * The longest `illustrationGenTimeoutMs`: the generate function runs at most
 * {@link MAX_FUNCTION_TIMEOUT_SECONDS}, and the handler keeps back its reserve to answer 504 in time.
 */
export const MAX_ILLUSTRATION_GEN_TIMEOUT_SETTING_MS = Math.min(
  MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
  MAX_FUNCTION_TIMEOUT_SECONDS * 1000 - LAMBDA_TIME_RESERVE_MS,
);

function readApi(name: EnvironmentName, context: Readonly<Record<string, unknown>>): ApiConfig {
  const key = (setting: ContextSetting) => contextKey(name, setting);
  const raw = (setting: ContextSetting) => context[key(setting)];
  const retentionKey = key('apiLogRetentionDays');
  const logRetentionDays =
    readInteger(retentionKey, raw('apiLogRetentionDays'), { min: 1, max: 3653 }) ??
    ENVIRONMENT_DEFAULTS[name].apiLogRetentionDays;
  if (!(CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new InfraConfigError(
      retentionKey,
      raw('apiLogRetentionDays'),
      `CloudWatch Logs keeps logs for one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(', ')} days, ` +
        `not ${logRetentionDays}. ${howToSet(retentionKey, 30)}`,
    );
  }
  return {
    auth: readApiAuth(name, context),
    throttleRateLimit:
      readInteger(key('apiThrottleRateLimit'), raw('apiThrottleRateLimit'), {
        min: 1,
        max: 10_000,
      }) ?? SHARED_DEFAULTS.apiThrottleRateLimit,
    throttleBurstLimit:
      readInteger(key('apiThrottleBurstLimit'), raw('apiThrottleBurstLimit'), {
        min: 1,
        max: 5_000,
      }) ?? SHARED_DEFAULTS.apiThrottleBurstLimit,
    logRetentionDays,
    illustrationGen: readIllustrationGenService(name, context),
  };
}

function readApiAuth(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
): ApiAuthConfig {
  const issuerKey = contextKey(name, 'jwtIssuer');
  const audienceKey = contextKey(name, 'jwtAudience');
  const issuerExample = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
  const audienceExample = ['1example23456789'];
  const issuer = readString(issuerKey, context[issuerKey], issuerExample);
  const audience = readStringList(audienceKey, context[audienceKey], audienceExample);
  if (issuer === undefined) {
    if (audience !== undefined && audience.length > 0) {
      throw new InfraConfigError(
        audienceKey,
        context[audienceKey],
        `is set but ${issuerKey} is not: an audience means nothing without the issuer of its ` +
          `tokens. ${howToSet(issuerKey, issuerExample)}`,
      );
    }
    return {
      issuer: placeholderJwtIssuer(name),
      audience: [PLACEHOLDER_JWT_AUDIENCE],
      placeholder: true,
    };
  }
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw new InfraConfigError(
      issuerKey,
      context[issuerKey],
      `"${issuer}" is not a token issuer API Gateway can use: give the identity provider's https ` +
        "URL exactly as in its tokens' iss claim, with no user, query or fragment (API Gateway " +
        `reads its keys from <issuer>/.well-known/openid-configuration). ${howToSet(issuerKey, issuerExample)}`,
    );
  }
  if (audience === undefined || audience.length === 0) {
    throw new InfraConfigError(
      audienceKey,
      context[audienceKey],
      `is required with ${issuerKey}: list the app client ids (or API identifiers) the tokens ` +
        `are issued for; API Gateway refuses any other. ${howToSet(audienceKey, audienceExample)}`,
    );
  }
  const bad = audience.find((item) => /\s|\*/.test(item));
  if (bad !== undefined) {
    throw new InfraConfigError(
      audienceKey,
      context[audienceKey],
      `"${bad}" is not an audience: use the exact client id or API identifier, with no spaces or ` +
        `wildcards. ${howToSet(audienceKey, audienceExample)}`,
    );
  }
  return { issuer, audience: [...new Set(audience)], placeholder: false };
}

function readIllustrationGenService(
  name: EnvironmentName,
  context: Readonly<Record<string, unknown>>,
): IllustrationGenServiceConfig {
  const urlKey = contextKey(name, 'illustrationGenUrl');
  const modeKey = contextKey(name, 'illustrationGenMode');
  const timeoutKey = contextKey(name, 'illustrationGenTimeoutMs');
  const urlExample = 'https://illustration-gen.example.com/generate';
  const url = readString(urlKey, context[urlKey], urlExample);
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    const schemes = name === 'prod' ? ['https:'] : ['https:', 'http:'];
    if (!parsed || !schemes.includes(parsed.protocol)) {
      throw new InfraConfigError(
        urlKey,
        context[urlKey],
        `"${url}" is not ${name === 'prod' ? 'an https' : 'an http(s)'} URL${
          name === 'prod' ? ' (prod sends subject images to it, so only over TLS)' : ''
        }. ${howToSet(urlKey, urlExample)}`,
      );
    }
    if (parsed.username || parsed.password) {
      throw new InfraConfigError(
        urlKey,
        '<redacted>',
        'must not contain a user name or password: the URL is a plain environment variable of the ' +
          'function and appears in its logs. Authorize the service by network or IAM instead.',
      );
    }
  }
  const givenMode = readChoice<IllustrationGenMode>(modeKey, context[modeKey], ['stub', 'service']);
  const defaultMode = ENVIRONMENT_DEFAULTS[name].illustrationGenMode;
  const mode = givenMode ?? (defaultMode === 'service-if-url' && url ? 'service' : 'stub');
  if (mode === 'service' && url === undefined) {
    throw new InfraConfigError(
      modeKey,
      context[modeKey],
      `is "service" but ${urlKey} is not set. Set it to the illustration-gen service's URL, or ` +
        `set ${modeKey} to "stub". ${howToSet(urlKey, urlExample)}`,
    );
  }
  const timeoutMs =
    readInteger(timeoutKey, context[timeoutKey], {
      min: 1,
      max: MAX_ILLUSTRATION_GEN_TIMEOUT_SETTING_MS,
    }) ?? SHARED_DEFAULTS.illustrationGenTimeoutMs;
  return { mode, url, timeoutMs, modeSource: givenMode === undefined ? 'default' : 'setting' };
}
