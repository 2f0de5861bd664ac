import type { KeyPrefixes, StorageArea } from '@autobio/s3-storage';
import type { ENVIRONMENT_NAMES } from '../constants.ts';

/** One of the deployed environments. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** What happens to the buckets when the stack is deleted. */
export type BucketRemoval = 'retain' | 'destroy';

/**
 * Who may assume the illustration-gen role.
 * - `this-account`: IAM principals of the stack's own account that are allowed `sts:AssumeRole`.
 * - `account`: principals of another account (that account delegates further).
 * - `role`: exactly one IAM role, by ARN.
 * - `service`: an AWS service principal, such as `ecs-tasks.amazonaws.com`.
 */
export type IllustrationGenPrincipal =
  | { readonly kind: 'this-account' }
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'role'; readonly roleArn: string }
  | { readonly kind: 'service'; readonly service: string };

/** The trust of the illustration-gen role. */
export interface IllustrationGenTrust {
  /** Who may assume the role. @default { kind: 'this-account' } */
  readonly principal: IllustrationGenPrincipal;
  /**
   * The `sts:ExternalId` the caller must present (for third parties).
   * @default - none required
   */
  readonly externalId?: string | undefined;
}

/**
 * The Intelligent-Tiering archive tiers. Objects in them cannot be read until restored (hours),
 * so enable them only on areas the app does not serve directly.
 */
export interface ArchiveTiersConfig {
  /** The areas whose objects may be archived. Only tiered areas (subjects, generated). */
  readonly areas: readonly StorageArea[];
  /** Days without access before the Archive Access tier (90–730). @default 90 */
  readonly archiveAccessDays: number;
  /** Days without access before the Deep Archive Access tier (180–730). @default - not used */
  readonly deepArchiveAccessDays?: number | undefined;
}

/** Cross-region replication of the bucket to a second bucket. */
export interface ReplicationConfig {
  /** Region of the replica bucket; must differ from the bucket's. */
  readonly region: string;
  /**
   * Name prefix of the replica bucket in the account-regional namespace.
   * @default - `autobio-<environment>-replica`
   */
  readonly bucketNamePrefix: string;
}

/**
 * One environment's settings in code, in `infra/config/<environment>.ts`. What a deploy must
 * pass (account, region, JWT issuer and audience, CORS origins, the illustration-gen URL,
 * principal and external id, the CDN private key's secret name) is context instead:
 * `autobio:<environment>:<setting>`.
 * The fields without a default differ between environments, so each file states them.
 */
export interface EnvironmentSettings {
  /**
   * An explicit, globally unique bucket name (S3 naming rules; no dots with
   * `transferAcceleration`). Required in regions without the account-regional namespace.
   * @default - a name in the account-regional namespace: `<bucketNamePrefix>-<account>-<region>-an`
   */
  readonly bucketName?: string;
  /**
   * Name prefix in the account-regional namespace (lowercase letters, digits, single hyphens;
   * S3 appends `-<account>-<region>-an`). Not with `bucketName`.
   * @default - `autobio-illustrations-<environment>`
   */
  readonly bucketNamePrefix?: string;
  /** Key prefix of subject images, ending in `/` (as `S3_SUBJECT_PREFIX`). @default 'subjects/' */
  readonly subjectPrefix?: string;
  /** Key prefix of avatars, ending in `/` (as `S3_AVATAR_PREFIX`). @default 'avatars/' */
  readonly avatarPrefix?: string;
  /** Key prefix of generated images, ending in `/` (as `S3_GENERATED_PREFIX`). @default 'generated/' */
  readonly generatedPrefix?: string;
  /** Key prefix of stub images, ending in `/` (as `S3_STUBS_PREFIX`). @default 'stubs/' */
  readonly stubsPrefix?: string;
  /** What happens to the buckets on stack deletion. Prod must be `retain`. */
  readonly removal: BucketRemoval;
  /** Whether CloudFormation refuses to delete the stack. Prod must be `true`. */
  readonly terminationProtection: boolean;
  /** Days a noncurrent version is kept before it expires (1–3650). */
  readonly noncurrentVersionExpirationDays: number;
  /** How many newest noncurrent versions of each key are kept whatever their age (1–100). */
  readonly noncurrentVersionsToRetain: number;
  /** Days before an incomplete multipart upload is aborted (1–365). @default 3 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Days after creation before subject and generated images move to INTELLIGENT_TIERING (0–3650).
   * @default 0
   */
  readonly intelligentTieringTransitionDays?: number;
  /** Whether S3 server access logs are written to a log bucket. @default true */
  readonly serverAccessLogs?: boolean;
  /** Days the log bucket (and CloudFront's log bucket) keeps access logs (1–3650). */
  readonly accessLogRetentionDays: number;
  /**
   * Areas whose objects may enter the Intelligent-Tiering archive tiers: only `subjects` and
   * `generated` areas, none inside another listed one. Archived objects cannot be read until
   * restored (hours).
   * @default - none: archive tiers off, objects stay readable at all times
   */
  readonly archiveAreas?: readonly StorageArea[];
  /** Days without access before Archive Access (90–730). Needs `archiveAreas`. @default 90 */
  readonly archiveAccessDays?: number;
  /**
   * Days without access before Deep Archive Access (180–730, more than `archiveAccessDays`).
   * Needs `archiveAreas`.
   * @default - no Deep Archive Access tier
   */
  readonly deepArchiveAccessDays?: number;
  /**
   * Origins of the web app allowed to upload and download in a browser (`scheme://host[:port]`;
   * https only in prod). Context `autobio:<environment>:corsOrigins` replaces them at deploy.
   */
  readonly corsOrigins: readonly string[];
  /** S3 Transfer Acceleration on the bucket. @default false */
  readonly transferAcceleration?: boolean;
  /** Cross-region replication to a replica bucket in its own stack. @default false */
  readonly replication?: boolean;
  /**
   * Region of the replica bucket; not the bucket's own. Needs `replication`.
   * @default 'us-west-2' ('us-east-1' when the bucket is in us-west-2)
   */
  readonly replicationRegion?: string;
  /**
   * Name prefix of the replica bucket, as `bucketNamePrefix`. Needs `replication`.
   * @default - `autobio-<environment>-replica`
   */
  readonly replicaBucketNamePrefix?: string;
  /**
   * A CloudFront distribution with origin access control for generated images, serving only
   * URLs signed with the key pair of `cdnPublicKeyPem`; the list route then answers such URLs.
   * Needs `cdnPublicKeyPem`.
   * @default false
   */
  readonly cdn?: boolean;
  /**
   * The public key of the CDN's signing key pair: the PEM (`-----BEGIN PUBLIC KEY-----`) of an
   * RSA 2048 key, as `openssl rsa -pubout` writes it. Not secret; its private key is kept in
   * Secrets Manager (context `cdnPrivateKeySecretName`). Required with `cdn`, not without.
   * @default - none
   */
  readonly cdnPublicKeyPem?: string;
  /**
   * How `POST /illustrations/{kind}` makes an illustration: `service` needs the
   * illustration-gen URL (context).
   * @default - `service` when the illustration-gen URL is set, `stub` otherwise (prod warns)
   */
  readonly illustrationGenMode?: IllustrationGenMode;
  /**
   * Milliseconds allowed to the illustration-gen service: at most the function timeout less
   * its reserve (28000).
   * @default 25000
   */
  readonly illustrationGenTimeoutMs?: number;
  /** Steady-state requests per second of the API's default stage (1–10000). @default 50 */
  readonly apiThrottleRateLimit?: number;
  /** Burst of requests of the API's default stage (1–5000). @default 100 */
  readonly apiThrottleBurstLimit?: number;
  /** Days the functions' logs and the API's access logs are kept (a CloudWatch Logs value). */
  readonly apiLogRetentionDays: number;
}

/** Everything that differs between environments, validated. */
export interface EnvironmentConfig {
  /** The environment. */
  readonly name: EnvironmentName;
  /** The stack's name, for `cdk deploy <stackName>`. */
  readonly stackName: string;
  /**
   * The AWS account, from context or `CDK_DEFAULT_ACCOUNT`.
   * @default - environment-agnostic: the account of the deploying credentials
   */
  readonly account?: string | undefined;
  /** The region of the bucket and the stack. @default 'us-east-1' */
  readonly region: string;
  /**
   * An explicit, globally unique bucket name.
   * @default - a name in the account-regional namespace: `<bucketNamePrefix>-<account>-<region>-an`
   */
  readonly bucketName?: string | undefined;
  /** Name prefix in the account-regional namespace, used when `bucketName` is not set. */
  readonly bucketNamePrefix: string;
  /** The key prefixes of the layout. @default - the spec's: subjects/, avatars/, generated/, stubs/ */
  readonly keyPrefixes: KeyPrefixes;
  /** What happens to the buckets on stack deletion. Always `retain` in prod. */
  readonly removal: BucketRemoval;
  /** Whether CloudFormation refuses to delete the stack. @default - true in prod only */
  readonly terminationProtection: boolean;
  /** Days a noncurrent version is kept before it expires. */
  readonly noncurrentVersionExpirationDays: number;
  /** How many newest noncurrent versions of each key are kept whatever their age. */
  readonly noncurrentVersionsToRetain: number;
  /** Days before an incomplete multipart upload is aborted. @default 3 */
  readonly abortIncompleteMultipartUploadDays: number;
  /** Days after creation before subject and generated images move to INTELLIGENT_TIERING. @default 0 */
  readonly intelligentTieringTransitionDays: number;
  /** Whether S3 server access logs are written to the log bucket. @default true */
  readonly serverAccessLogs: boolean;
  /** Days the log bucket keeps access logs. */
  readonly accessLogRetentionDays: number;
  /** The archive tiers. @default - none: objects stay readable at all times */
  readonly archiveTiers?: ArchiveTiersConfig | undefined;
  /** Origins of the web app allowed to upload and download in a browser. */
  readonly corsOrigins: readonly string[];
  /** The trust of the illustration-gen role. */
  readonly illustrationGen: IllustrationGenTrust;
  /** S3 Transfer Acceleration on the bucket. @default false */
  readonly transferAcceleration: boolean;
  /** Cross-region replication. @default - none */
  readonly replication?: ReplicationConfig | undefined;
  /** The CloudFront distribution for generated illustrations and its signing key. @default - none */
  readonly cdn?: CdnConfig | undefined;
  /** The HTTP API, its authorizer and the functions' settings. */
  readonly api: ApiConfig;
}

/** The CloudFront distribution's signed URLs. */
export interface CdnConfig {
  /** The PEM of the RSA 2048 public key CloudFront checks signatures with. */
  readonly publicKeyPem: string;
  /**
   * The Secrets Manager secret, in the stack's account and region, whose secret string is the
   * private key PEM; the functions that sign URLs may read it and nothing else.
   * @default - `autobio/<environment>/cdn-private-key`
   */
  readonly privateKeySecretName: string;
}

/** How `POST /illustrations/{kind}` makes an illustration. */
export type IllustrationGenMode = 'stub' | 'service';

/** The illustration-gen settings of the generate function. */
export interface IllustrationGenServiceConfig {
  /** `service` calls the service at `url`; `stub` copies a stub image. */
  readonly mode: IllustrationGenMode;
  /** The service's http(s) URL. @default - none: required in `service` mode */
  readonly url?: string | undefined;
  /** Milliseconds allowed to the service, at most the function timeout less its reserve. */
  readonly timeoutMs: number;
  /** Whether `mode` was set, or came from the environment's default. */
  readonly modeSource: 'setting' | 'default';
}

/** The JWT authorizer of the HTTP API. */
export interface ApiAuthConfig {
  /** The token issuer (the `iss` claim), exactly as the identity provider writes it. */
  readonly issuer: string;
  /** The accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
  readonly audience: readonly string[];
  /**
   * True when no issuer is configured: `issuer` is then a `.invalid` placeholder that can never
   * issue a token, so the API answers 401 to every request until one is set.
   */
  readonly placeholder: boolean;
}

/** The HTTP API in front of the functions. */
export interface ApiConfig {
  /** Who may call it. */
  readonly auth: ApiAuthConfig;
  /** Steady-state requests per second of the default stage. */
  readonly throttleRateLimit: number;
  /** Burst of requests of the default stage. */
  readonly throttleBurstLimit: number;
  /** Days the functions' logs and the API's access logs are kept (a CloudWatch Logs value). */
  readonly logRetentionDays: number;
  /** How illustrations are made. */
  readonly illustrationGen: IllustrationGenServiceConfig;
}
