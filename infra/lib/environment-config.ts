import { createPublicKey } from 'node:crypto';
import * as functions from '@autobio/functions';
import {
  browserCorsRules,
  ConfigurationError,
  InvalidArgumentError,
  type KeyPrefixes,
  validateBucketName,
  validateRegion,
} from '@autobio/s3-storage';
import { KeyLayout, STORAGE_AREAS } from '@autobio/s3-storage/key-layout';
import { wholeNumber } from '@autobio/s3-storage/settings';
import { z } from 'zod';
import { dev } from '../config/dev.ts';
import { local } from '../config/local.ts';
import { prod } from '../config/prod.ts';
import * as constants from './constants.ts';
import { InfraConfigError } from './errors.ts';
import type { EnvironmentConfig, EnvironmentName, EnvironmentSettings } from './types/config.ts';

const { CONTEXT_NAMESPACE, ENVIRONMENT_NAMES, FALLBACK_REGION } = constants;
const NO_ACCOUNT_NAMESPACE = constants.ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS;

/** Each environment's settings, from its file in `infra/config/`. */
export const ENVIRONMENT_DEFAULTS = { local, dev, prod } as const satisfies Record<
  EnvironmentName,
  EnvironmentSettings
>;

// The settings a deploy passes as context, with the example their error messages give.
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

const isContextSetting = (setting: string): setting is ContextSetting =>
  Object.hasOwn(CONTEXT_EXAMPLES, setting);

/** The context key of a setting: `autobio:prod:account`. */
export function contextKey(environment: EnvironmentName, setting: ContextSetting): string {
  return `${CONTEXT_NAMESPACE}:${environment}:${setting}`;
}

// What each setting's own checks say when they fail: what is wrong, and the fix. (Messages are
// template literals because the formatter keeps those on one line.)
const INVALID = {
  account: 'is not an AWS account id: use its 12 digits (from context, or CDK_DEFAULT_ACCOUNT).',
  jwtIssuer: `is not a token issuer API Gateway can use: give the identity provider's https URL exactly as in its tokens' iss claim, with no user, query or fragment (API Gateway reads <issuer>/.well-known/openid-configuration).`,
  credentials: `must not contain a user name or password: it is a plain environment variable of the function and appears in its logs. Authorize the service by network or IAM instead.`,
  principal: `is not a principal this app understands: use "this-account", a 12-digit account id, a role ARN (arn:aws:iam::123456789012:role/name) or a service principal (ecs-tasks.amazonaws.com).`,
  externalId: `must be 2-1224 characters of letters, digits and + = , . @ : / - _ (the sts:ExternalId rules).`,
  secretName: `is not a Secrets Manager secret name: 1-512 letters, digits and / _ + = . @ - (a name, not an ARN: the secret is in the stack's account and region).`,
  secretSuffix: `ends in a hyphen and six characters, which Secrets Manager reads as the random suffix of an ARN. Choose a name that does not.`,
  bucketName: `ends in "-an", which S3 reserves for names in the account-regional namespace.`,
  area: `may only list storage areas: ${STORAGE_AREAS.join(', ')}.`,
  untiered: `lists an area that never enters INTELLIGENT_TIERING (only subjects and generated do; stubs and avatars stay in STANDARD), so archive tiers would do nothing there. Remove it.`,
  nested: 'lists an area inside another listed one. Keep one of them.',
  privateKey: `holds a private key. Never put it in the settings: put it in Secrets Manager, and here the public key \`openssl rsa -in private_key.pem -pubout\` writes.`,
  logRetention: `is not a retention CloudWatch Logs offers: ${constants.CLOUDWATCH_LOG_RETENTION_DAYS.join(', ')} days.`,
} as const;

const text = z.string({ error: 'must be a string' });
const strings = z.array(z.string(), {
  error: 'must be a list of strings (with -c, a JSON array or comma-separated)',
});
const bool = z.boolean({ error: 'must be true or false' });
// Code gives numbers: "3" is refused, though the shared parser reads it from env and -c.
const whole = (min: number, max: number) =>
  z.preprocess((v: number) => (typeof v === 'number' ? v : Number.NaN), wholeNumber(min, max));
// A check of a value; `redact` keeps the value out of the error.
const must = <S extends z.ZodType>(
  schema: S,
  ok: (value: z.output<S>) => unknown,
  error: string,
  redact = false,
) => schema.refine((value) => Boolean(ok(value)), { error, params: { redact } });
// A check of the storage package, whose ConfigurationError names its own variable first.
const checkedBy = <S extends z.ZodType>(schema: S, check: (value: z.output<S>) => unknown) =>
  schema.superRefine((value, ctx) => {
    try {
      check(value);
    } catch (error) {
      if (!(error instanceof ConfigurationError || error instanceof InvalidArgumentError))
        throw error;
      const variable = error instanceof ConfigurationError ? `${error.variable}: ` : '';
      ctx.addIssue({ code: 'custom', message: error.message.slice(variable.length) });
    }
  });
const isIssuer = (v: string) => {
  const url = URL.parse(v);
  return url?.protocol === 'https:' && !(url.username || url.password || url.search || url.hash);
};
const hasNoCredentials = (v: string) => !(URL.parse(v)?.username || URL.parse(v)?.password);
const isHttpUrl = (v: string) => ['https:', 'http:'].includes(URL.parse(v)?.protocol ?? '');

/** Whether `pem` is an RSA public key of 2048 bits, the only RSA size CloudFront accepts. */
function isRsa2048PublicKey(pem: string): boolean {
  try {
    const { asymmetricKeyType, asymmetricKeyDetails } = createPublicKey(pem);
    const spki = pem.startsWith('-----BEGIN PUBLIC KEY-----');
    return spki && asymmetricKeyType === 'rsa' && asymmetricKeyDetails?.modulusLength === 2048;
  } catch {
    return false;
  }
}

/** Who may assume the illustration-gen role; undefined when the text names nobody known. */
function parsePrincipal(text: string) {
  if (text === 'this-account') return { kind: 'this-account' } as const;
  if (/^\d{12}$/.test(text)) return { kind: 'account', accountId: text } as const;
  if (/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(text))
    return { kind: 'role', roleArn: text } as const;
  if (/^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.test(text))
    return { kind: 'service', service: text } as const;
  return undefined;
}

// The generate function runs at most 29 s, and its handler keeps back a reserve to answer 504.
const MAX_TIMEOUT_MS = Math.min(
  functions.MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
  constants.MAX_FUNCTION_TIMEOUT_SECONDS * 1000 - functions.LAMBDA_TIME_RESERVE_MS,
);
const isTiered = (area: string) =>
  (constants.INTELLIGENT_TIERING_AREAS as readonly string[]).includes(area.split('/')[0] ?? '');
const isRetention = (days: number) =>
  (constants.CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(days);

/**
 * Every setting with its own checks: the deploy-time ones (context) first, then those of
 * `infra/config/<environment>.ts`. The rules across settings, and prod's, are in {@link rules}.
 */
export const SETTINGS = z.strictObject({
  /** The AWS account. @default - `CDK_DEFAULT_ACCOUNT`, else that of the deploying credentials */
  account: text.regex(/^\d{12}$/, INVALID.account).optional(),
  /** The region of the bucket and the stack. @default - `CDK_DEFAULT_REGION`, else 'us-east-1' */
  region: checkedBy(text, (v) => validateRegion(v, 'region')).optional(),
  /** The JWT issuer, exactly the tokens' `iss`. @default - a `.invalid` one: the API answers 401 */
  jwtIssuer: must(text, isIssuer, INVALID.jwtIssuer).optional(),
  /** The client ids or API identifiers the tokens are issued for; required with `jwtIssuer`. */
  jwtAudience: must(
    strings,
    (a) => !a.some((i) => /\s|\*/.test(i)),
    `must be the exact client ids or API identifiers the tokens are issued for, with no spaces or wildcards.`,
  ).optional(),
  /** The illustration-gen service's http(s) URL (https in prod). @default - none: stubs are used */
  illustrationGenUrl: must(
    must(text, hasNoCredentials, INVALID.credentials, true),
    isHttpUrl,
    'is not an http(s) URL.',
  ).optional(),
  /** Who may assume the illustration-gen role. @default 'this-account' (refused in prod) */
  illustrationGenPrincipal: must(text, parsePrincipal, INVALID.principal)
    .default('this-account')
    .transform((v) => parsePrincipal(v)!),
  /** The `sts:ExternalId` callers of the illustration-gen role must present. @default - none */
  illustrationGenExternalId: text.regex(/^[\w+=,.@:/-]{2,1224}$/, INVALID.externalId).optional(),
  /** The Secrets Manager secret of the CDN's private key. @default 'autobio/<env>/cdn-private-key' */
  cdnPrivateKeySecretName: text
    .regex(/^[\w/+=.@-]{1,512}$/, INVALID.secretName)
    .refine((v) => !/-[A-Za-z0-9]{6}$/.test(v), INVALID.secretSuffix)
    .optional(),
  /** Origins of the web app that may upload and read in a browser (`scheme://host[:port]`). */
  corsOrigins: checkedBy(strings, browserCorsRules),
  /** An explicit, globally unique bucket name. @default `<bucketNamePrefix>-<account>-<region>-an` */
  bucketName: checkedBy(text, (v) => validateBucketName(v, 'bucketName'))
    .refine((v) => !v.endsWith('-an'), INVALID.bucketName)
    .optional(),
  /** Name prefix in the account-regional namespace. @default 'autobio-illustrations-<env>' */
  bucketNamePrefix: text.optional(),
  /** Key prefix of subject images, ending in `/` (as `S3_SUBJECT_PREFIX`). @default 'subjects/' */
  subjectPrefix: text.optional(),
  /** Key prefix of avatars, ending in `/` (as `S3_AVATAR_PREFIX`). @default 'avatars/' */
  avatarPrefix: text.optional(),
  /** Key prefix of generated images (as `S3_GENERATED_PREFIX`). @default 'generated/' */
  generatedPrefix: text.optional(),
  /** Key prefix of stub images, ending in `/` (as `S3_STUBS_PREFIX`). @default 'stubs/' */
  stubsPrefix: text.optional(),
  /** Key prefix of deletion markers (as `S3_DELETIONS_PREFIX`). @default 'deletions/' */
  deletionsPrefix: text.optional(),
  /** What happens to the buckets when the stack is deleted; prod must `retain`. */
  removal: z.enum(['retain', 'destroy'], { error: 'must be one of retain, destroy' }),
  /** Whether CloudFormation refuses to delete the stack; prod must be `true`. */
  terminationProtection: bool,
  /** Days a noncurrent version is kept before it expires (1–3650). */
  noncurrentVersionExpirationDays: whole(1, 3650),
  /** How many newest noncurrent versions of each key are kept whatever their age (1–100). */
  noncurrentVersionsToRetain: whole(1, 100),
  /** Days before an incomplete multipart upload is aborted (1–365). @default 3 */
  abortIncompleteMultipartUploadDays: whole(1, 365).default(3),
  /** Days before subject and generated images move to INTELLIGENT_TIERING (0–3650). @default 0 */
  intelligentTieringTransitionDays: whole(0, 3650).default(0),
  /** Whether S3 server access logs are written to a log bucket. @default true */
  serverAccessLogs: bool.default(true),
  /** Days the log bucket (and CloudFront's) keeps access logs (1–3650). */
  accessLogRetentionDays: whole(1, 3650),
  /** Areas whose objects may be archived, unreadable until restored (hours). @default - none */
  archiveAreas: z
    .array(z.enum(STORAGE_AREAS, { error: INVALID.area }), { error: INVALID.area })
    .refine((areas) => areas.every(isTiered), INVALID.untiered)
    .refine((areas) => !areas.some((a) => areas.some((o) => a.startsWith(`${o}/`))), INVALID.nested)
    .optional(),
  /** Days without access before Archive Access (90–730); needs `archiveAreas`. @default 90 */
  archiveAccessDays: whole(90, 730).optional(),
  /** Days before Deep Archive Access (180–730, more than `archiveAccessDays`). @default - none */
  deepArchiveAccessDays: whole(180, 730).optional(),
  /** S3 Transfer Acceleration on the bucket. @default false */
  transferAcceleration: bool.default(false),
  /** Cross-region replication to a replica bucket in its own stack. @default false */
  replication: bool.default(false),
  /** The replica bucket's region, not the bucket's. @default 'us-west-2' ('us-east-1' from it) */
  replicationRegion: checkedBy(text, (v) => validateRegion(v, 'replicationRegion')).optional(),
  /** Name prefix of the replica bucket, as `bucketNamePrefix`. @default 'autobio-<env>-replica' */
  replicaBucketNamePrefix: text.optional(),
  /** A CloudFront distribution of generated images, serving only signed URLs. @default false */
  cdn: bool.default(false),
  /** The PEM of the CDN's RSA 2048 public key (`openssl rsa -pubout`); required with `cdn`. */
  cdnPublicKeyPem: must(
    must(text, (v) => !v.includes('PRIVATE KEY'), INVALID.privateKey, true),
    isRsa2048PublicKey,
    `is not the PEM of an RSA 2048 public key (-----BEGIN PUBLIC KEY-----), the kind CloudFront takes: write it with \`openssl rsa -in private_key.pem -pubout\` (infra/README.md, "The CDN's signing key").`,
    true,
  ).optional(),
  /** How illustrations are made. @default - `service` once the URL is set, else `stub` */
  illustrationGenMode: z
    .enum(['stub', 'service'], { error: 'must be one of stub, service' })
    .optional(),
  /** Milliseconds allowed to the illustration-gen service (1–28000). @default 25000 */
  illustrationGenTimeoutMs: whole(1, MAX_TIMEOUT_MS).default(
    functions.DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
  ),
  /** Steady-state requests per second of the API's default stage (1–10000). @default 50 */
  apiThrottleRateLimit: whole(1, 10_000).default(50),
  /** Burst of requests of the API's default stage (1–5000). @default 100 */
  apiThrottleBurstLimit: whole(1, 5_000).default(100),
  /** Days the functions' logs and the API's access logs are kept (a CloudWatch Logs value). */
  apiLogRetentionDays: must(whole(1, 3653), isRetention, INVALID.logRetention),
});

/** Every setting, validated and with its default. */
export type Settings = z.output<typeof SETTINGS>;
type Setting = keyof Settings;
const PREFIX_SETTINGS = {
  subjects: 'subjectPrefix',
  avatars: 'avatarPrefix',
  generated: 'generatedPrefix',
  stubs: 'stubsPrefix',
  deletions: 'deletionsPrefix',
} as const satisfies Record<keyof KeyPrefixes, Setting>;
// Only the prefixes set, so that the key layout supplies the spec's defaults for the others.
const givenPrefixes = (s: Settings): Partial<KeyPrefixes> =>
  Object.fromEntries(
    Object.entries(PREFIX_SETTINGS).flatMap(([f, p]) => (s[p] ? [[f, s[p]]] : [])),
  );
const regionOf = (s: Settings) => s.region ?? FALLBACK_REGION;
const replicaRegionOf = (s: Settings) =>
  s.replicationRegion ?? (regionOf(s) === 'us-west-2' ? 'us-east-1' : 'us-west-2');
const replicaPrefixOf = (s: Settings, name: EnvironmentName) =>
  s.replicaBucketNamePrefix ?? `autobio-${name}-replica`;
// S3 appends "-<12-digit account>-<region>-an" to a name in the account-regional namespace.
const prefixProblem = (prefix: string, region: string) => {
  const max = 63 - (1 + 12 + 1 + region.length + 3);
  const ok = /^[a-z0-9](?:-?[a-z0-9])*$/.test(prefix) && prefix.length <= max;
  return ok
    ? undefined
    : `"${prefix}" cannot start a bucket name in the account-regional namespace: use lowercase letters, digits and single hyphens, at most ${max} characters in ${region} (S3 appends "-<account>-${region}-an").`;
};

/**
 * Whether any principal of the stack's own account that IAM lets call `sts:AssumeRole` may
 * assume the illustration-gen role, with no external id to present.
 */
export function trustsWholeAccount(config: Pick<EnvironmentConfig, 'account' | 'illustrationGen'>) {
  const { principal, externalId } = config.illustrationGen;
  const ownAccount = principal.kind === 'account' && principal.accountId === config.account;
  return externalId === undefined && (principal.kind === 'this-account' || ownAccount);
}

/**
 * The rules across settings, and prod's, for settings that passed their own checks, in the order
 * a reader fixes them. Each setting keeps its first problem; the first of all is reported.
 */
function rules(name: EnvironmentName, key: (setting: string) => string) {
  const isProd = name === 'prod';
  return (s: Settings, ctx: z.RefinementCtx) => {
    const problem: { [setting in Setting]?: string | undefined } = {};
    const region = regionOf(s);
    const replicaRegion = replicaRegionOf(s);
    const { illustrationGenPrincipal: principal, illustrationGenExternalId: externalId } = s;
    const archiveDays = s.archiveAccessDays ? 'archiveAccessDays' : 'deepArchiveAccessDays';
    const replica = s.replicationRegion ? 'replicationRegion' : 'replicaBucketNamePrefix';
    const cdnSetting = s.cdnPublicKeyPem ? 'cdnPublicKeyPem' : 'cdnPrivateKeySecretName';
    if (isProd && s.removal !== 'retain')
      problem.removal ??= `must be "retain" in prod, so that its images outlive a mistaken \`cdk destroy\``;
    if (isProd && !s.terminationProtection)
      problem.terminationProtection ??= `must be true in prod`;
    if (isProd && !s.corsOrigins.every((o) => o.startsWith('https://')))
      problem.corsOrigins ??= `may hold only https origins of the web app in prod ("*" would let any site upload with a leaked URL).`;
    if (isProd && s.illustrationGenUrl && !/^https:/i.test(s.illustrationGenUrl))
      problem.illustrationGenUrl ??= `is not an https URL (prod sends subject images to it, so only over TLS).`;
    if (s.transferAcceleration && s.bucketName?.includes('.'))
      problem.bucketName ??= `contains a dot, and S3 Transfer Acceleration does not work with dotted bucket names. Use hyphens, or turn transferAcceleration off.`;
    if (s.bucketName !== undefined && s.bucketNamePrefix !== undefined)
      problem.bucketNamePrefix ??= `cannot be combined with ${key('bucketName')}: the prefix names a bucket in the account-regional namespace, bucketName one in the global namespace. Keep one of them.`;
    if (s.bucketName === undefined && NO_ACCOUNT_NAMESPACE.includes(region))
      problem.bucketName ??= `is required in ${region}: that region has no S3 account-regional namespace, so the default bucket name cannot be used.`;
    problem.bucketNamePrefix ??= prefixProblem(
      s.bucketNamePrefix ?? `autobio-illustrations-${name}`,
      region,
    );
    try {
      new KeyLayout(givenPrefixes(s));
    } catch (error) {
      const { message, value } = error as Error & { value?: unknown };
      const bad = Object.values(PREFIX_SETTINGS).find((p) => s[p] !== undefined && s[p] === value);
      problem[bad ?? 'subjectPrefix'] ??=
        `${message} Fix the prefix, or remove it to use the spec's default.`;
    }
    if (!s.archiveAreas?.length && s[archiveDays] !== undefined)
      problem[archiveDays] ??=
        `sets archive days but ${key('archiveAreas')} is empty, so no object would be archived. List the areas to archive (for example ["subjects"]), or remove ${key(archiveDays)}.`;
    if ((s.deepArchiveAccessDays ?? Infinity) <= (s.archiveAccessDays ?? 90))
      problem.deepArchiveAccessDays ??= `must be more than ${key('archiveAccessDays')} (${s.archiveAccessDays ?? 90}): objects reach Deep Archive Access after Archive Access.`;
    if (externalId !== undefined && principal.kind === 'service')
      problem.illustrationGenExternalId ??= `cannot be used with the service principal "${principal.service}": AWS services do not send sts:ExternalId. Remove it, or trust an account or role instead.`;
    if (isProd && trustsWholeAccount({ ...s, illustrationGen: { principal, externalId } }))
      problem.illustrationGenPrincipal ??= `must name who assumes the illustration-gen role in prod: as it is, every principal of prod's account that IAM lets call sts:AssumeRole could read subject images and write illustrations. Give the service's role ARN, account id or service principal (or also set ${key('illustrationGenExternalId')}).`;
    if (!s.replication && s[replica] !== undefined)
      problem[replica] ??=
        `is set but replication is off. Set replication to true in infra/config/${name}.ts, or remove ${replica}.`;
    if (s.replication && replicaRegion === region)
      problem.replicationRegion ??= `is the bucket's own region (${region}); cross-region replication needs another region.`;
    if (s.replication && NO_ACCOUNT_NAMESPACE.includes(replicaRegion))
      problem.replicationRegion ??= `${replicaRegion} has no S3 account-regional namespace, which the replica bucket's name uses. Choose another replica region.`;
    if (s.replication)
      problem.replicaBucketNamePrefix ??= prefixProblem(replicaPrefixOf(s, name), replicaRegion);
    if (s.cdn && s.cdnPublicKeyPem === undefined)
      problem.cdnPublicKeyPem ??= `is required with cdn: the distribution serves only URLs signed with the key pair whose public key this is. Make the key pair once (infra/README.md, "The CDN's signing key"), put its private key in Secrets Manager as ${key('cdnPrivateKeySecretName')} (default autobio/${name}/cdn-private-key), and its public key PEM here.`;
    if (!s.cdn && s[cdnSetting] !== undefined)
      problem[cdnSetting] ??=
        `is set but cdn is off. Set cdn to true in infra/config/${name}.ts, or remove ${key(cdnSetting)}.`;
    if (s.jwtIssuer === undefined && s.jwtAudience?.length)
      problem.jwtAudience ??= `is set but ${key('jwtIssuer')} is not: an audience means nothing without the issuer of its tokens. Set the issuer too, or remove the audience.`;
    if (s.jwtIssuer !== undefined && !s.jwtAudience?.length)
      problem.jwtAudience ??= `is required with ${key('jwtIssuer')}: list the app client ids (or API identifiers) the tokens are issued for; API Gateway refuses any other.`;
    if (s.illustrationGenMode === 'service' && s.illustrationGenUrl === undefined)
      problem.illustrationGenMode ??= `is "service" but ${key('illustrationGenUrl')} is not set: set that context key to the service's URL (for example ${CONTEXT_EXAMPLES.illustrationGenUrl}), or set illustrationGenMode to "stub".`;
    for (const [setting, message] of Object.entries(problem))
      if (message) ctx.addIssue({ code: 'custom', path: [setting], message });
  };
}

// The settings the stacks take as they are (documented in SETTINGS).
const AS_SET = [
  'account',
  'bucketName',
  'removal',
  'terminationProtection',
  'noncurrentVersionExpirationDays',
  'noncurrentVersionsToRetain',
  'abortIncompleteMultipartUploadDays',
  'intelligentTieringTransitionDays',
  'serverAccessLogs',
  'accessLogRetentionDays',
  'transferAcceleration',
] as const satisfies Setting[];

/** The validated settings as the stacks consume them: `EnvironmentConfig`. */
export function toEnvironmentConfig(name: EnvironmentName, s: Settings) {
  const areas = [...new Set(s.archiveAreas)];
  const { archiveAccessDays = 90, deepArchiveAccessDays } = s;
  const asSet = Object.fromEntries(AS_SET.map((k) => [k, s[k]]));
  return {
    ...(asSet as Pick<Settings, (typeof AS_SET)[number]>),
    /** The environment. */
    name,
    /** The stack's name, for `cdk deploy <stackName>`. */
    stackName: `${constants.STACK_NAME_PREFIX}-${name}`,
    /** The region of the bucket and the stack. */
    region: regionOf(s),
    /** Name prefix in the account-regional namespace, used when `bucketName` is not set. */
    bucketNamePrefix: s.bucketNamePrefix ?? `autobio-illustrations-${name}`,
    /** The key prefixes of the layout. */
    keyPrefixes: new KeyLayout(givenPrefixes(s)).prefixes,
    /** The archive tiers; archived objects cannot be read until restored. @default - none */
    archiveTiers: areas.length
      ? {
          /** The areas whose objects may be archived (only tiered ones: subjects, generated). */
          areas,
          /** Days without access before the Archive Access tier. */
          archiveAccessDays,
          /** Days without access before the Deep Archive Access tier. @default - not used */
          deepArchiveAccessDays,
        }
      : undefined,
    /** The web app's origins allowed to upload and read in a browser. */
    corsOrigins: [...new Set(s.corsOrigins)],
    /** The trust of the illustration-gen role. */
    illustrationGen: {
      /** Who may assume it. */
      principal: s.illustrationGenPrincipal,
      /** The `sts:ExternalId` callers must present. @default - none required */
      externalId: s.illustrationGenExternalId,
    },
    /** Cross-region replication to a replica bucket. @default - none */
    replication: s.replication
      ? { region: replicaRegionOf(s), bucketNamePrefix: replicaPrefixOf(s, name) }
      : undefined,
    /** The CloudFront distribution's signed URLs. @default - no distribution */
    cdn: s.cdn
      ? {
          /** The PEM of the RSA 2048 public key CloudFront checks signatures with. */
          publicKeyPem: s.cdnPublicKeyPem!,
          /** The Secrets Manager secret (stack's account and region) with the private key PEM. */
          privateKeySecretName: s.cdnPrivateKeySecretName ?? `autobio/${name}/cdn-private-key`,
        }
      : undefined,
    /** The HTTP API in front of the functions. */
    api: {
      /** Its JWT authorizer. */
      auth: {
        /** The token issuer (the `iss` claim), exactly as the identity provider writes it. */
        issuer: s.jwtIssuer ?? constants.placeholderJwtIssuer(name),
        /** The accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
        audience:
          s.jwtIssuer === undefined
            ? [constants.PLACEHOLDER_JWT_AUDIENCE]
            : [...new Set(s.jwtAudience)],
        /** No issuer is set: `issuer` is a `.invalid` placeholder, so the API answers 401. */
        placeholder: s.jwtIssuer === undefined,
      },
      /** Steady-state requests per second of the default stage. */
      throttleRateLimit: s.apiThrottleRateLimit,
      /** Burst of requests of the default stage. */
      throttleBurstLimit: s.apiThrottleBurstLimit,
      /** Days the functions' logs and the API's access logs are kept. */
      logRetentionDays: s.apiLogRetentionDays,
      /** How the generate function makes illustrations. */
      illustrationGen: {
        /** `service` calls the service at `url`; `stub` copies a stub image. */
        mode: s.illustrationGenMode ?? (s.illustrationGenUrl ? 'service' : 'stub'),
        /** The service's URL. @default - none: required in `service` mode */
        url: s.illustrationGenUrl,
        /** Milliseconds allowed to the service. */
        timeoutMs: s.illustrationGenTimeoutMs,
        /** Whether `mode` was set, or came from the environment's default. */
        modeSource: s.illustrationGenMode === undefined ? 'default' : 'setting',
      },
    },
  } as const;
}

// Blank strings (and null) count as unset, so `-c key=` unsets a value of cdk.json; lists lose
// their blank items. From `-c` a list comes as a JSON array or a comma-separated string.
function normalize(value: unknown, isList = false): unknown {
  if (isList && typeof value === 'string') {
    try {
      return normalize(value.trim().startsWith('[') ? JSON.parse(value) : value.split(','));
    } catch {}
  }
  if (typeof value === 'string') return value.trim() || undefined;
  if (!Array.isArray(value)) return value ?? undefined;
  return value.map((i) => (typeof i === 'string' ? i.trim() : i)).filter((i) => i !== '');
}

// The error of an issue: what is wrong, the value received (unless redacted), and the fix.
function issueError(key: string, value: unknown, issue: z.core.$ZodIssue, fix: string) {
  const shown = (issue as { params?: { redact?: boolean } }).params?.redact ? '<redacted>' : value;
  const json = JSON.stringify(shown);
  // The storage package's messages quote the value already.
  const quoted = typeof shown === 'string' && issue.message.includes(json);
  const got = shown === undefined || quoted ? '' : ` Got ${json}.`;
  const message = issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  return new InfraConfigError(key, shown, `${message}${got} ${fix}`);
}

function howToSet(key: string, example: string | readonly string[]): string {
  const text = typeof example === 'string' ? example : JSON.stringify(example);
  return `Set it in cdk.json ("context": { "${key}": ${JSON.stringify(example)} }) or pass -c ${key}=${text}.`;
}

/**
 * A context value of the example's kind: a string, or a list of them; blank counts as unset.
 * @throws InfraConfigError naming the key, the value and how to set it.
 */
export function readContext<T extends string | string[]>(key: string, raw: unknown, example: T) {
  const isList = Array.isArray(example);
  const result = (isList ? strings : text).optional().safeParse(normalize(raw, isList));
  if (result.success) return result.data as (T extends string ? string : string[]) | undefined;
  throw issueError(key, raw, result.error.issues[0] as z.core.$ZodIssue, howToSet(key, example));
}

// Every `autobio:*` key must be a deploy-time setting of a known environment, so that a typo, or
// a setting that is now code, fails synth instead of being ignored.
function assertKnownContextKeys(context: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(context)) {
    const [namespace, environment = '', setting = '', ...rest] = key.split(':');
    const knownEnvironment = (ENVIRONMENT_NAMES as readonly string[]).includes(environment);
    const wellFormed = knownEnvironment && !rest.length;
    if (namespace !== CONTEXT_NAMESPACE || (wellFormed && isContextSetting(setting))) continue;
    const message =
      wellFormed && Object.hasOwn(SETTINGS.shape, setting)
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
  /** The process environment, for `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`. @default process.env */
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
export function loadEnvironmentConfig(name: EnvironmentName, opts: LoadEnvironmentConfigOptions) {
  const { context, processEnv: env = process.env, settings = ENVIRONMENT_DEFAULTS[name] } = opts;
  assertKnownContextKeys(context);
  const input = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, normalize(v)]));
  for (const setting of CONTEXT_SETTINGS) {
    const value = context[contextKey(name, setting)];
    if (value !== undefined)
      input[setting] = normalize(value, typeof CONTEXT_EXAMPLES[setting] !== 'string');
  }
  input.account ??= normalize(env.CDK_DEFAULT_ACCOUNT);
  input.region ??= normalize(env.CDK_DEFAULT_REGION);

  const key = (setting: string) =>
    isContextSetting(setting) ? contextKey(name, setting) : `${name}.${setting}`;
  const checked = SETTINGS.superRefine(rules(name, key), { when: (run) => !run.issues.length });
  const result = checked.safeParse(input);
  if (result.success) return toEnvironmentConfig(name, result.data);
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const setting = issue.keys[0] ?? '';
    const message = `is not a setting of an environment. Fix the spelling in infra/config/${name}.ts, or remove it. Known settings: ${Object.keys(SETTINGS.shape).join(', ')}.`;
    throw new InfraConfigError(key(setting), input[setting], message);
  }
  const setting = String(issue.path[0]);
  const fix = isContextSetting(setting)
    ? howToSet(key(setting), CONTEXT_EXAMPLES[setting])
    : `Change it in infra/config/${name}.ts.`;
  throw issueError(key(setting), input[setting], issue, fix);
}

/** Options of {@link loadAllEnvironmentConfigs}. */
export type LoadAllEnvironmentConfigsOptions = Omit<LoadEnvironmentConfigOptions, 'settings'> & {
  /** Settings that replace an environment's file. @default - the files in `infra/config/` */
  readonly settings?: { readonly [name in EnvironmentName]?: EnvironmentSettings };
};

/** Loads every environment, in {@link ENVIRONMENT_NAMES} order. */
export function loadAllEnvironmentConfigs(options: LoadAllEnvironmentConfigsOptions) {
  return ENVIRONMENT_NAMES.map((name) =>
    loadEnvironmentConfig(name, { ...options, settings: options.settings?.[name] }),
  );
}
