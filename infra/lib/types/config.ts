import type { KeyPrefixes, StorageArea } from '@autobio/s3-storage';
import type { z } from 'zod';
import type { ENVIRONMENT_NAMES } from '../constants.ts';
import type { ContextSetting, SETTINGS, Settings } from '../environment-config.ts';

/** One of the deployed environments. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * One environment's settings in code, `infra/config/<environment>.ts`: every setting of
 * `SETTINGS` (each documented there, with its range and default) but those a deploy passes as
 * context, `autobio:<environment>:<setting>`. Context's `corsOrigins` replaces the file's.
 */
export type EnvironmentSettings = Omit<
  z.input<typeof SETTINGS>,
  Exclude<ContextSetting, 'corsOrigins'>
>;

/** What happens to the buckets when the stack is deleted. */
export type BucketRemoval = EnvironmentSettings['removal'];

/** How `POST /illustrations/{kind}` makes an illustration: a stub's copy, or the service's. */
export type IllustrationGenMode = NonNullable<EnvironmentSettings['illustrationGenMode']>;

/**
 * Who may assume the illustration-gen role: the IAM principals of the stack's own account that
 * are allowed `sts:AssumeRole`, another account (which delegates further), exactly one role, or
 * an AWS service principal such as `ecs-tasks.amazonaws.com`.
 */
export type IllustrationGenPrincipal =
  | { readonly kind: 'this-account' }
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'role'; readonly roleArn: string }
  | { readonly kind: 'service'; readonly service: string };

/** The Intelligent-Tiering archive tiers; archived objects cannot be read until restored. */
export interface ArchiveTiersConfig {
  /** The areas whose objects may be archived (only tiered ones: subjects, generated). */
  readonly areas: readonly StorageArea[];
  /** Days without access before the Archive Access tier. */
  readonly archiveAccessDays: number;
  /** Days without access before the Deep Archive Access tier. @default - not used */
  readonly deepArchiveAccessDays?: number | undefined;
}

/** The settings the stacks take as they are (documented in `SETTINGS`). */
type AsSet = Pick<
  Settings,
  | 'account'
  | 'bucketName'
  | 'removal'
  | 'terminationProtection'
  | 'noncurrentVersionExpirationDays'
  | 'noncurrentVersionsToRetain'
  | 'abortIncompleteMultipartUploadDays'
  | 'intelligentTieringTransitionDays'
  | 'serverAccessLogs'
  | 'accessLogRetentionDays'
  | 'transferAcceleration'
>;

/** Everything that differs between environments, validated: what the stacks are built from. */
export interface EnvironmentConfig extends Readonly<AsSet> {
  /** The environment. */
  readonly name: EnvironmentName;
  /** The stack's name, for `cdk deploy <stackName>`. */
  readonly stackName: string;
  /** The region of the bucket and the stack. */
  readonly region: string;
  /** Name prefix in the account-regional namespace, used when `bucketName` is not set. */
  readonly bucketNamePrefix: string;
  /** The key prefixes of the layout. */
  readonly keyPrefixes: KeyPrefixes;
  /** The archive tiers. @default - none: objects stay readable at all times */
  readonly archiveTiers?: ArchiveTiersConfig | undefined;
  /** The web app's origins allowed to upload and read in a browser. */
  readonly corsOrigins: readonly string[];
  /** The trust of the illustration-gen role. */
  readonly illustrationGen: {
    /** Who may assume it. */
    readonly principal: IllustrationGenPrincipal;
    /** The `sts:ExternalId` callers must present. @default - none required */
    readonly externalId?: string | undefined;
  };
  /** Cross-region replication to a replica bucket. @default - none */
  readonly replication?: { readonly region: string; readonly bucketNamePrefix: string } | undefined;
  /** The CloudFront distribution's signed URLs. @default - no distribution */
  readonly cdn?:
    | {
        /** The PEM of the RSA 2048 public key CloudFront checks signatures with. */
        readonly publicKeyPem: string;
        /** The Secrets Manager secret (stack's account and region) with the private key PEM. */
        readonly privateKeySecretName: string;
      }
    | undefined;
  /** The HTTP API in front of the functions. */
  readonly api: {
    /** Its JWT authorizer. */
    readonly auth: {
      /** The token issuer (the `iss` claim), exactly as the identity provider writes it. */
      readonly issuer: string;
      /** The accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
      readonly audience: readonly string[];
      /** No issuer is set: `issuer` is a `.invalid` placeholder, so the API answers 401. */
      readonly placeholder: boolean;
    };
    /** Steady-state requests per second of the default stage. */
    readonly throttleRateLimit: number;
    /** Burst of requests of the default stage. */
    readonly throttleBurstLimit: number;
    /** Days the functions' logs and the API's access logs are kept. */
    readonly logRetentionDays: number;
    /** How the generate function makes illustrations. */
    readonly illustrationGen: {
      /** `service` calls the service at `url`; `stub` copies a stub image. */
      readonly mode: IllustrationGenMode;
      /** The service's URL. @default - none: required in `service` mode */
      readonly url?: string | undefined;
      /** Milliseconds allowed to the service. */
      readonly timeoutMs: number;
      /** Whether `mode` was set, or came from the environment's default. */
      readonly modeSource: 'setting' | 'default';
    };
  };
}
