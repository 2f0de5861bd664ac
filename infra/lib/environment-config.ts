import { createPublicKey } from 'node:crypto';
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
import { z } from 'zod';
import { dev } from '../config/dev.ts';
import { local } from '../config/local.ts';
import { prod } from '../config/prod.ts';
import {
  CLOUDWATCH_LOG_RETENTION_DAYS,
  CONTEXT_NAMESPACE,
  ENVIRONMENT_NAMES,
  FALLBACK_REGION,
  INTELLIGENT_TIERING_AREAS,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS as NO_ACCOUNT_NAMESPACE,
  PLACEHOLDER_JWT_AUDIENCE,
  placeholderJwtIssuer,
  STACK_NAME_PREFIX,
} from './constants.ts';
import { InfraConfigError } from './errors.ts';
import type {
  EnvironmentConfig,
  EnvironmentName,
  EnvironmentSettings,
  IllustrationGenPrincipal,
} from './types/config.ts';

/** Each environment's settings, from its file in `infra/config/`. */
export const ENVIRONMENT_DEFAULTS = { local, dev, prod } as const satisfies Record<
  EnvironmentName,
  EnvironmentSettings
>;

// What a deploy passes as context, with the example its error messages give.
const CONTEXT_EXAMPLES = {
  account: '123456789012',
  region: FALLBACK_REGION,
  corsOrigins: ['https://app.example.com'],
  jwtIssuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
  jwtAudience: ['1example23456789'],
  illustrationGenUrl: 'https://illustration-gen.example.com/generate',
  illustrationGenPrincipal: 'arn:aws:iam::123456789012:role/illustration-gen',
  illustrationGenExternalId: 'a-shared-secret-id',
  cdnPrivateKeySecretName: 'autobio/prod/cdn-private-key',
} as const;

/** One setting a deploy passes as context: `autobio:<environment>:<setting>`. */
export type ContextSetting = keyof typeof CONTEXT_EXAMPLES;

/** The settings a deploy passes as context; every other setting is code, in `infra/config/`. */
export const CONTEXT_SETTINGS = Object.keys(CONTEXT_EXAMPLES) as readonly ContextSetting[];

/** The context key of a setting: `autobio:prod:account`. */
export function contextKey(environment: EnvironmentName, setting: ContextSetting): string {
  return `${CONTEXT_NAMESPACE}:${environment}:${setting}`;
}

/** The stack name of an environment: `AutoBio-prod`. */
export function stackNameFor(environment: EnvironmentName): string {
  return `${STACK_NAME_PREFIX}-${environment}`;
}

/**
 * The longest `illustrationGenTimeoutMs`: the generate function runs at most
 * {@link MAX_FUNCTION_TIMEOUT_SECONDS}, and the handler keeps back its reserve to answer 504 in time.
 */
export const MAX_ILLUSTRATION_GEN_TIMEOUT_SETTING_MS = Math.min(
  MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
  MAX_FUNCTION_TIMEOUT_SECONDS * 1000 - LAMBDA_TIME_RESERVE_MS,
);

const isContextSetting = (setting: string): setting is ContextSetting =>
  (CONTEXT_SETTINGS as readonly string[]).includes(setting);

/** How to set a context key, for the end of error messages. */
export function howToSet(key: string, example: unknown): string {
  const text = typeof example === 'string' ? example : JSON.stringify(example);
  return `Set it in cdk.json ("context": { "${key}": ${JSON.stringify(example)} }) or pass -c ${key}=${text}.`;
}

// Blank strings (and null) count as unset, so `-c key=` unsets a value of cdk.json.
const blank = (v: unknown) => (typeof v === 'string' ? v.trim() || undefined : (v ?? undefined));
const text = z.preprocess(blank, z.string({ error: 'must be a string' }).optional());
// From `-c` a list comes as a JSON array or a comma-separated string.
const toList = (v: unknown) => {
  let items = v;
  try {
    if (typeof v === 'string') items = v.trim().startsWith('[') ? JSON.parse(v) : v.split(',');
  } catch {}
  return Array.isArray(items) && items.every((item) => typeof item === 'string')
    ? items.map((item: string) => item.trim()).filter(Boolean)
    : blank(v);
};
const list = z.preprocess(
  toList,
  z
    .array(z.string(), {
      error: 'must be a list of strings (with -c, a JSON array or comma-separated)',
    })
    .optional(),
);
const bool = z.boolean({ error: 'must be true or false' });
const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
// A check of a value that is set; `redact` keeps the value out of the error.
const must = <T>(
  schema: z.ZodType<T | undefined>,
  ok: (value: T) => unknown,
  error: string,
  redact = false,
) =>
  schema.refine((value) => value === undefined || Boolean(ok(value)), {
    error,
    params: { redact },
  });
// A check of the storage package, whose ConfigurationError names its own variable.
const checkedBy = (check: (value: string) => unknown) =>
  text.superRefine((value, ctx) => {
    try {
      if (value !== undefined) check(value);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message.slice(error.variable.length + 2) });
    }
  });

/** Whether `pem` is an RSA public key of 2048 bits, the only RSA size CloudFront accepts. */
function isRsa2048PublicKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return (
      pem.startsWith('-----BEGIN PUBLIC KEY-----') &&
      key.asymmetricKeyType === 'rsa' &&
      key.asymmetricKeyDetails?.modulusLength === 2048
    );
  } catch {
    return false;
  }
}

/** Who may assume the illustration-gen role; undefined when the text names nobody known. */
function parsePrincipal(text = 'this-account'): IllustrationGenPrincipal | undefined {
  if (text === 'this-account') return { kind: 'this-account' };
  if (/^\d{12}$/.test(text)) return { kind: 'account', accountId: text };
  if (/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(text))
    return { kind: 'role', roleArn: text };
  if (/^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.test(text))
    return { kind: 'service', service: text };
  return undefined;
}

/** The checks of each setting alone, deploy-time values first; the file's settings follow. */
function settingsSchema(name: EnvironmentName) {
  const isProd = name === 'prod';
  return z.strictObject({
    account: must(
      text,
      (v) => /^\d{12}$/.test(v),
      'is not an AWS account id: use its 12 digits (from context, or CDK_DEFAULT_ACCOUNT).',
    ),
    region: checkedBy((v) => validateRegion(v, 'region')),
    corsOrigins: must(
      list.superRefine((origins = [], ctx) => {
        try {
          browserCorsRules(origins);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
      (origins) => !isProd || origins.every((o) => o.startsWith('https://')),
      'may hold only https origins of the web app in prod ("*" would let any site upload with a leaked URL).',
    ),
    jwtIssuer: must(
      text,
      (v) => {
        const url = URL.parse(v);
        return (
          url?.protocol === 'https:' && !(url.username || url.password || url.search || url.hash)
        );
      },
      "is not a token issuer API Gateway can use: give the identity provider's https URL exactly as in its tokens' iss claim, with no user, query or fragment (API Gateway reads <issuer>/.well-known/openid-configuration).",
    ),
    jwtAudience: must(
      list,
      (audience) => !audience.some((item) => /\s|\*/.test(item)),
      'must be the exact client ids or API identifiers the tokens are issued for, with no spaces or wildcards.',
    ),
    illustrationGenUrl: must(
      must(
        text,
        (v) => (isProd ? ['https:'] : ['https:', 'http:']).includes(URL.parse(v)?.protocol ?? ''),
        isProd
          ? 'is not an https URL (prod sends subject images to it, so only over TLS).'
          : 'is not an http(s) URL.',
      ),
      (v) => !(URL.parse(v)?.username || URL.parse(v)?.password),
      'must not contain a user name or password: it is a plain environment variable of the function and appears in its logs. Authorize the service by network or IAM instead.',
      true,
    ),
    illustrationGenPrincipal: must(
      text,
      parsePrincipal,
      'is not a principal this app understands: use "this-account", a 12-digit account id, a role ARN (arn:aws:iam::123456789012:role/name) or a service principal (ecs-tasks.amazonaws.com).',
    ),
    illustrationGenExternalId: must(
      text,
      (v) => /^[\w+=,.@:/-]{2,1224}$/.test(v),
      'must be 2-1224 characters of letters, digits and + = , . @ : / - _ (the sts:ExternalId rules).',
    ),
    bucketName: must(
      checkedBy((v) => validateBucketName(v, 'bucketName')),
      (v) => !v.endsWith('-an'),
      'ends in "-an", which S3 reserves for names in the account-regional namespace.',
    ),
    bucketNamePrefix: text,
    subjectPrefix: text,
    avatarPrefix: text,
    generatedPrefix: text,
    stubsPrefix: text,
    removal: isProd
      ? z.literal('retain', {
          error: 'must be "retain" in prod, so that its images outlive a mistaken `cdk destroy`',
        })
      : z.enum(['retain', 'destroy'], { error: 'must be one of retain, destroy' }),
    terminationProtection: isProd ? z.literal(true, { error: 'must be true in prod' }) : bool,
    noncurrentVersionExpirationDays: wholeNumber(1, 3650),
    noncurrentVersionsToRetain: wholeNumber(1, 100),
    abortIncompleteMultipartUploadDays: wholeNumber(1, 365).default(3),
    intelligentTieringTransitionDays: wholeNumber(0, 3650).default(0),
    serverAccessLogs: bool.default(true),
    accessLogRetentionDays: wholeNumber(1, 3650),
    archiveAreas: must(
      must(
        list,
        (areas) => areas.every((a) => (STORAGE_AREAS as readonly string[]).includes(a)),
        `may only list storage areas: ${STORAGE_AREAS.join(', ')}.`,
      ),
      (areas) =>
        areas.every((a) =>
          (INTELLIGENT_TIERING_AREAS as readonly string[]).includes(a.split('/')[0] ?? a),
        ),
      'lists an area that never enters INTELLIGENT_TIERING (only subjects and generated do; stubs and avatars stay in STANDARD), so archive tiers would do nothing there. Remove it.',
    ).refine((areas = []) => !areas.some((a) => areas.some((o) => a.startsWith(`${o}/`))), {
      error: 'lists an area inside another listed one. Keep one of them.',
    }),
    archiveAccessDays: wholeNumber(90, 730).optional(),
    deepArchiveAccessDays: wholeNumber(180, 730).optional(),
    transferAcceleration: bool.default(false),
    replication: bool.default(false),
    replicationRegion: checkedBy((v) => validateRegion(v, 'replicationRegion')),
    replicaBucketNamePrefix: text,
    cdnPrivateKeySecretName: must(
      must(
        text,
        (v) => /^[\w/+=.@-]{1,512}$/.test(v),
        "is not a Secrets Manager secret name: 1-512 letters, digits and / _ + = . @ - (a name, not an ARN: the secret is in the stack's account and region).",
      ),
      (v) => !/-[A-Za-z0-9]{6}$/.test(v),
      'ends in a hyphen and six characters, which Secrets Manager reads as the random suffix of an ARN. Choose a name that does not.',
    ),
    cdn: bool.default(false),
    cdnPublicKeyPem: must(
      text,
      (v) => !v.includes('PRIVATE KEY'),
      'holds a private key. Never put it in the settings: put it in Secrets Manager, and here the public key `openssl rsa -in private_key.pem -pubout` writes.',
      true,
    ).refine((v) => v === undefined || isRsa2048PublicKey(v), {
      error:
        'is not the PEM of an RSA 2048 public key (-----BEGIN PUBLIC KEY-----), the kind CloudFront takes: write it with `openssl rsa -in private_key.pem -pubout` (infra/README.md, "The CDN\'s signing key").',
      params: { redact: true },
    }),
    illustrationGenMode: z
      .enum(['stub', 'service'], { error: 'must be one of stub, service' })
      .optional(),
    illustrationGenTimeoutMs: wholeNumber(1, MAX_ILLUSTRATION_GEN_TIMEOUT_SETTING_MS).default(
      DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
    ),
    apiThrottleRateLimit: wholeNumber(1, 10_000).default(50),
    apiThrottleBurstLimit: wholeNumber(1, 5_000).default(100),
    apiLogRetentionDays: wholeNumber(1, 3653).refine(
      (days) => (CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(days),
      {
        error: `is not a retention CloudWatch Logs offers: ${CLOUDWATCH_LOG_RETENTION_DAYS.join(', ')} days.`,
      },
    ),
  } satisfies Record<ContextSetting | keyof EnvironmentSettings, z.ZodType>);
}

type Settings = z.output<ReturnType<typeof settingsSchema>>;
type Setting = keyof Settings;
const SETTING_NAMES: readonly string[] = Object.keys(settingsSchema('dev').shape);
const PREFIX_SETTINGS = {
  subjects: 'subjectPrefix',
  avatars: 'avatarPrefix',
  generated: 'generatedPrefix',
  stubs: 'stubsPrefix',
} as const satisfies Record<keyof KeyPrefixes, Setting>;

// Only the prefixes set, so that the key layout supplies the spec's defaults for the others.
const givenPrefixes = (s: Settings): Partial<KeyPrefixes> =>
  Object.fromEntries(
    Object.entries(PREFIX_SETTINGS).flatMap(([f, p]) => (s[p] ? [[f, s[p]]] : [])),
  );
const replicaRegionOf = (s: Settings, region: string) =>
  s.replicationRegion ?? (region === 'us-west-2' ? 'us-east-1' : 'us-west-2');

/**
 * Whether any principal of the stack's own account that IAM lets call `sts:AssumeRole` may
 * assume the illustration-gen role, with no external id to present.
 */
export function trustsWholeAccount(
  config: Pick<EnvironmentConfig, 'account' | 'illustrationGen'>,
): boolean {
  const { principal, externalId } = config.illustrationGen;
  return (
    externalId === undefined &&
    (principal.kind === 'this-account' ||
      (principal.kind === 'account' && principal.accountId === config.account))
  );
}

// The rules across settings, in the order a reader fixes them: the first broken one, if any.
function brokenRule(
  name: EnvironmentName,
  s: Settings,
  key: (s: Setting) => string,
): [Setting, string] | undefined {
  const region = s.region ?? FALLBACK_REGION;
  // S3 appends "-<12-digit account>-<region>-an" in the account-regional namespace.
  const badPrefix = (prefix: string, region: string) => {
    const maxLength = 63 - (1 + 12 + 1 + region.length + 3);
    if (
      /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(prefix) &&
      !prefix.includes('--') &&
      prefix.length <= maxLength
    )
      return undefined;
    return `"${prefix}" cannot start a bucket name in the account-regional namespace: use lowercase letters, digits and single hyphens, at most ${maxLength} characters in ${region} (S3 appends "-<account>-${region}-an").`;
  };
  if (s.transferAcceleration && s.bucketName?.includes('.'))
    return [
      'bucketName',
      'contains a dot, and S3 Transfer Acceleration does not work with dotted bucket names. Use hyphens, or turn transferAcceleration off.',
    ];
  if (s.bucketName !== undefined && s.bucketNamePrefix !== undefined)
    return [
      'bucketNamePrefix',
      `cannot be combined with ${key('bucketName')}: the prefix names a bucket in the account-regional namespace, bucketName one in the global namespace. Keep one of them.`,
    ];
  if (s.bucketName === undefined && NO_ACCOUNT_NAMESPACE.includes(region))
    return [
      'bucketName',
      `is required in ${region}: that region has no S3 account-regional namespace, so the default bucket name cannot be used.`,
    ];
  const bucketPrefixProblem = badPrefix(
    s.bucketNamePrefix ?? `autobio-illustrations-${name}`,
    region,
  );
  if (bucketPrefixProblem) return ['bucketNamePrefix', bucketPrefixProblem];
  try {
    new KeyLayout(givenPrefixes(s));
  } catch (error) {
    const bad = Object.values(PREFIX_SETTINGS).find(
      (p) => s[p] !== undefined && s[p] === (error as { value?: unknown }).value,
    );
    return [
      bad ?? 'subjectPrefix',
      `${(error as Error).message} Fix the prefix, or remove it to use the spec's default.`,
    ];
  }
  const archiveDays =
    s.archiveAccessDays !== undefined ? 'archiveAccessDays' : 'deepArchiveAccessDays';
  if (!s.archiveAreas?.length && s[archiveDays] !== undefined)
    return [
      archiveDays,
      `sets archive days but ${key('archiveAreas')} is empty, so no object would be archived. List the areas to archive (for example ["subjects"]), or remove ${key(archiveDays)}.`,
    ];
  if ((s.deepArchiveAccessDays ?? Infinity) <= (s.archiveAccessDays ?? 90))
    return [
      'deepArchiveAccessDays',
      `must be more than ${key('archiveAccessDays')} (${s.archiveAccessDays ?? 90}): objects reach Deep Archive Access after Archive Access.`,
    ];
  const principal = parsePrincipal(s.illustrationGenPrincipal) as IllustrationGenPrincipal;
  if (s.illustrationGenExternalId !== undefined && principal.kind === 'service')
    return [
      'illustrationGenExternalId',
      `cannot be used with the service principal "${s.illustrationGenPrincipal}": AWS services do not send sts:ExternalId. Remove it, or trust an account or role instead.`,
    ];
  if (
    name === 'prod' &&
    trustsWholeAccount({
      account: s.account,
      illustrationGen: { principal, externalId: s.illustrationGenExternalId },
    })
  )
    return [
      'illustrationGenPrincipal',
      `must name who assumes the illustration-gen role in prod: as it is, every principal of prod's account that IAM lets call sts:AssumeRole could read subject images and write illustrations. Give the service's role ARN, account id or service principal (or also set ${key('illustrationGenExternalId')}).`,
    ];
  const replicaSetting =
    s.replicationRegion !== undefined ? 'replicationRegion' : 'replicaBucketNamePrefix';
  if (!s.replication && s[replicaSetting] !== undefined)
    return [
      replicaSetting,
      `is set but replication is off. Set replication to true in infra/config/${name}.ts, or remove ${replicaSetting}.`,
    ];
  const replicaRegion = replicaRegionOf(s, region);
  if (s.replication && replicaRegion === region)
    return [
      'replicationRegion',
      `is the bucket's own region (${region}); cross-region replication needs another region.`,
    ];
  if (s.replication && NO_ACCOUNT_NAMESPACE.includes(replicaRegion))
    return [
      'replicationRegion',
      `${replicaRegion} has no S3 account-regional namespace, which the replica bucket's name uses. Choose another replica region.`,
    ];
  const replicaPrefixProblem =
    s.replication &&
    badPrefix(s.replicaBucketNamePrefix ?? `autobio-${name}-replica`, replicaRegion);
  if (replicaPrefixProblem) return ['replicaBucketNamePrefix', replicaPrefixProblem];
  if (s.cdn && s.cdnPublicKeyPem === undefined)
    return [
      'cdnPublicKeyPem',
      `is required with cdn: the distribution serves only URLs signed with the key pair whose public key this is. Make the key pair once (infra/README.md, "The CDN's signing key"), put its private key in Secrets Manager as ${key('cdnPrivateKeySecretName')} (default autobio/${name}/cdn-private-key), and its public key PEM here.`,
    ];
  const cdnSetting =
    s.cdnPublicKeyPem !== undefined ? 'cdnPublicKeyPem' : 'cdnPrivateKeySecretName';
  if (!s.cdn && s[cdnSetting] !== undefined)
    return [
      cdnSetting,
      `is set but cdn is off. Set cdn to true in infra/config/${name}.ts, or remove ${key(cdnSetting)}.`,
    ];
  if (s.jwtIssuer === undefined && s.jwtAudience?.length)
    return [
      'jwtAudience',
      `is set but ${key('jwtIssuer')} is not: an audience means nothing without the issuer of its tokens. Set the issuer too, or remove the audience.`,
    ];
  if (s.jwtIssuer !== undefined && !s.jwtAudience?.length)
    return [
      'jwtAudience',
      `is required with ${key('jwtIssuer')}: list the app client ids (or API identifiers) the tokens are issued for; API Gateway refuses any other.`,
    ];
  if (s.illustrationGenMode === 'service' && s.illustrationGenUrl === undefined)
    return [
      'illustrationGenMode',
      `is "service" but ${key('illustrationGenUrl')} is not set: set that context key to the service's URL (for example ${CONTEXT_EXAMPLES.illustrationGenUrl}), or set illustrationGenMode to "stub".`,
    ];
  return undefined;
}

// The validated settings as the stacks consume them.
function toEnvironmentConfig(name: EnvironmentName, s: Settings): EnvironmentConfig {
  const region = s.region ?? FALLBACK_REGION;
  const areas = [...new Set(s.archiveAreas)] as StorageArea[];
  return {
    name,
    stackName: stackNameFor(name),
    account: s.account,
    region,
    bucketName: s.bucketName,
    bucketNamePrefix: s.bucketNamePrefix ?? `autobio-illustrations-${name}`,
    keyPrefixes: new KeyLayout(givenPrefixes(s)).prefixes,
    removal: s.removal,
    terminationProtection: s.terminationProtection,
    noncurrentVersionExpirationDays: s.noncurrentVersionExpirationDays,
    noncurrentVersionsToRetain: s.noncurrentVersionsToRetain,
    abortIncompleteMultipartUploadDays: s.abortIncompleteMultipartUploadDays,
    intelligentTieringTransitionDays: s.intelligentTieringTransitionDays,
    serverAccessLogs: s.serverAccessLogs,
    accessLogRetentionDays: s.accessLogRetentionDays,
    archiveTiers: areas.length
      ? {
          areas,
          archiveAccessDays: s.archiveAccessDays ?? 90,
          deepArchiveAccessDays: s.deepArchiveAccessDays,
        }
      : undefined,
    corsOrigins: [...new Set(s.corsOrigins)],
    illustrationGen: {
      principal: parsePrincipal(s.illustrationGenPrincipal) as IllustrationGenPrincipal,
      externalId: s.illustrationGenExternalId,
    },
    transferAcceleration: s.transferAcceleration,
    replication: s.replication
      ? {
          region: replicaRegionOf(s, region),
          bucketNamePrefix: s.replicaBucketNamePrefix ?? `autobio-${name}-replica`,
        }
      : undefined,
    cdn: s.cdn
      ? {
          publicKeyPem: s.cdnPublicKeyPem as string,
          privateKeySecretName: s.cdnPrivateKeySecretName ?? `autobio/${name}/cdn-private-key`,
        }
      : undefined,
    api: {
      auth:
        s.jwtIssuer === undefined
          ? {
              issuer: placeholderJwtIssuer(name),
              audience: [PLACEHOLDER_JWT_AUDIENCE],
              placeholder: true,
            }
          : { issuer: s.jwtIssuer, audience: [...new Set(s.jwtAudience)], placeholder: false },
      throttleRateLimit: s.apiThrottleRateLimit,
      throttleBurstLimit: s.apiThrottleBurstLimit,
      logRetentionDays: s.apiLogRetentionDays,
      illustrationGen: {
        mode: s.illustrationGenMode ?? (s.illustrationGenUrl ? 'service' : 'stub'),
        url: s.illustrationGenUrl,
        timeoutMs: s.illustrationGenTimeoutMs,
        modeSource: s.illustrationGenMode === undefined ? 'default' : 'setting',
      },
    },
  };
}

/**
 * Checks that every `autobio:*` context key is `autobio:<environment>:<setting>` with a known
 * environment and deploy-time setting, so that a typo, or a setting that is now code, fails
 * synth instead of being ignored.
 * @throws InfraConfigError naming the key and what to do with it.
 */
export function assertKnownContextKeys(context: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(context)) {
    if (!key.startsWith(`${CONTEXT_NAMESPACE}:`)) continue;
    const [, environment = '', setting = '', ...rest] = key.split(':');
    const knownEnvironment = (ENVIRONMENT_NAMES as readonly string[]).includes(environment);
    if (knownEnvironment && isContextSetting(setting) && rest.length === 0) continue;
    const message =
      knownEnvironment && rest.length === 0 && SETTING_NAMES.includes(setting)
        ? `is not read from context: ${setting} is code, in infra/config/${environment}.ts. Set it there and remove the key.`
        : `is not a setting this app reads from context (keys are ${CONTEXT_NAMESPACE}:<environment>:<setting>). ${
            knownEnvironment
              ? `Known settings: ${CONTEXT_SETTINGS.join(', ')}; the others are in infra/config/${environment}.ts.`
              : `The environment must be one of ${ENVIRONMENT_NAMES.join(', ')}.`
          } Fix the spelling or remove the key.`;
    throw new InfraConfigError(key, context[key], message);
  }
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
  /** The environment's settings. @default - its file in `infra/config/` */
  readonly settings?: EnvironmentSettings;
}

/**
 * Validates one environment's configuration: its settings in `infra/config/`, with the deploy's
 * context and `CDK_DEFAULT_*` for the deploy-time values. Works with no context and no
 * credentials, so synth runs offline.
 * @throws InfraConfigError naming the first bad setting, the value received and the fix.
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
  const input: Record<string, unknown> = { ...(options.settings ?? ENVIRONMENT_DEFAULTS[name]) };
  for (const setting of CONTEXT_SETTINGS) {
    const value = context[contextKey(name, setting)];
    if (value !== undefined) input[setting] = value;
  }
  input.account = blank(input.account) ?? blank(env.CDK_DEFAULT_ACCOUNT);
  input.region = blank(input.region) ?? blank(env.CDK_DEFAULT_REGION);

  const key = (setting: string) =>
    isContextSetting(setting) ? contextKey(name, setting) : `${name}.${setting}`;
  const result = settingsSchema(name)
    .superRefine(
      (settings, ctx) => {
        const [setting, message] = brokenRule(name, settings, key) ?? [];
        if (setting) ctx.addIssue({ code: 'custom', path: [setting], message: message ?? '' });
      },
      // The rules across settings assume each setting passed its own checks.
      { when: (payload) => payload.issues.length === 0 },
    )
    .safeParse(input);
  if (result.success) return toEnvironmentConfig(name, result.data);

  // The first issue, as the setting's key, what is wrong, the value received and the fix.
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const setting = issue.keys[0] ?? '';
    throw new InfraConfigError(
      key(setting),
      input[setting],
      `is not a setting of an environment. Fix the spelling in infra/config/${name}.ts, or remove it. Known settings: ${SETTING_NAMES.join(', ')}.`,
    );
  }
  const setting = String(issue.path[0]);
  const value = (issue as { params?: { redact?: boolean } }).params?.redact
    ? '<redacted>'
    : input[setting];
  const shown = JSON.stringify(value);
  // The storage package's messages quote the value already.
  const quoted = typeof value === 'string' && issue.message.includes(shown);
  const got = value === undefined || quoted ? '' : ` Got ${shown}.`;
  const fix = isContextSetting(setting)
    ? howToSet(key(setting), CONTEXT_EXAMPLES[setting])
    : `Change it in infra/config/${name}.ts.`;
  const message = issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  throw new InfraConfigError(key(setting), value, `${message}${got} ${fix}`);
}

/** Options of {@link loadAllEnvironmentConfigs}. */
export interface LoadAllEnvironmentConfigsOptions
  extends Omit<LoadEnvironmentConfigOptions, 'settings'> {
  /** Settings that replace an environment's file. @default - the files in `infra/config/` */
  readonly settings?: { readonly [name in EnvironmentName]?: EnvironmentSettings };
}

/** Loads every environment, in {@link ENVIRONMENT_NAMES} order. */
export function loadAllEnvironmentConfigs(
  options: LoadAllEnvironmentConfigsOptions,
): EnvironmentConfig[] {
  return ENVIRONMENT_NAMES.map((name) =>
    loadEnvironmentConfig(name, { ...options, settings: options.settings?.[name] }),
  );
}

/** A context string, trimmed; blank counts as unset. @throws InfraConfigError naming the key. */
export function readString(key: string, raw: unknown, example: string): string | undefined {
  return readContext(text, key, raw, example);
}

/** A context list, as a JSON array or (from `-c`) comma-separated. @throws InfraConfigError naming the key. */
export function readStringList(
  key: string,
  raw: unknown,
  example: readonly string[],
): string[] | undefined {
  return readContext(list, key, raw, example);
}

function readContext<T>(schema: z.ZodType<T>, key: string, raw: unknown, example: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new InfraConfigError(
    key,
    raw,
    `${result.error.issues[0]?.message}. Got ${JSON.stringify(raw)}. ${howToSet(key, example)}`,
  );
}
