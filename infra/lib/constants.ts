import type { StorageArea } from '@autobio/s3-storage';
import { DEFAULT_REGION } from '@autobio/s3-storage';

/** The environments the app deploys, one stack each. */
export const ENVIRONMENT_NAMES = ['local', 'dev', 'prod'] as const;

/** Every context key the app reads starts with this, then the environment: `autobio:prod:...`. */
export const CONTEXT_NAMESPACE = 'autobio';

/** Region used when neither context nor `CDK_DEFAULT_REGION` names one (the spec's default). */
export const FALLBACK_REGION = DEFAULT_REGION;

/** Stack name of an environment: `cdk deploy AutoBio-prod`. */
export const STACK_NAME_PREFIX = 'AutoBio';

/** Tag put on every resource, with the environment as a second tag. */
export const PROJECT_TAG = 'autobio';

/**
 * Objects smaller than this are never auto-tiered by S3 Intelligent-Tiering (they stay in its
 * frequent tier and still pay per-object monitoring), so the lifecycle rules skip them.
 */
export const INTELLIGENT_TIERING_MIN_OBJECT_SIZE_BYTES = 128 * 1024;

/** Bounds S3 puts on the days before the Intelligent-Tiering archive tiers. */
export const ARCHIVE_ACCESS_DAYS_RANGE = { min: 90, max: 730 } as const;
export const DEEP_ARCHIVE_ACCESS_DAYS_RANGE = { min: 180, max: 730 } as const;

/**
 * The areas whose images move to INTELLIGENT_TIERING (the subject images and generated
 * illustrations). Avatars are small and stubs stay in STANDARD.
 */
export const INTELLIGENT_TIERING_AREAS = [
  'subjects',
  'generated',
] as const satisfies readonly StorageArea[];

/** Regions without the S3 account-regional namespace: an explicit bucket name is needed there. */
export const ACCOUNT_REGIONAL_NAMESPACE_UNSUPPORTED_REGIONS: readonly string[] = [
  'me-south-1',
  'me-central-1',
];

/** Lowest TLS version the buckets accept (their policies deny anything older). */
export const MINIMUM_TLS_VERSION = 1.2;

/** Where the server access logs of each bucket land inside the log bucket. */
export const ACCESS_LOG_PREFIXES = {
  storageBucket: 'storage-bucket/',
  cdnLogBucket: 'cdn-log-bucket/',
  replicaBucket: 'replica-bucket/',
} as const;

/** Where CloudFront writes its standard logs inside the CDN log bucket. */
export const CDN_LOG_PREFIX = 'cloudfront/';

/** The SSM parameter path of an environment's storage settings: `/autobio/prod/storage/...`. */
export function ssmParameterPath(environment: string): string {
  return `/${CONTEXT_NAMESPACE}/${environment}/storage`;
}

/** Names of the SSM parameters under {@link ssmParameterPath}. */
export const SSM_PARAMETER_NAMES = {
  bucketName: 'bucket-name',
  region: 'region',
  illustrationGenRoleArn: 'illustration-gen-role-arn',
} as const;

/**
 * Object actions the area grant helper may give, on `<bucket>/<area prefix>*` only. Exact
 * actions: the helper never grants `s3:*` or any action wildcard.
 */
export const AREA_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:GetObjectAttributes',
  's3:GetObjectTagging',
  's3:GetObjectVersion',
  's3:PutObject',
  's3:PutObjectTagging',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:RestoreObject',
] as const;

/** Listing actions the helper may give, on the bucket with an `s3:prefix` condition only. */
export const AREA_LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions'] as const;

/**
 * The longest a function behind the HTTP API may run, in seconds: API Gateway gives up on an
 * integration after 30 s, so an answer later than this would never reach the caller.
 */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 29;

/** Lambda's own limit, for functions no API waits on (the scheduled sweep). */
export const MAX_SCHEDULED_FUNCTION_TIMEOUT_SECONDS = 900;

/** The retention periods CloudWatch Logs accepts, in days. */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * The JWT issuer of an environment with none configured. The `.invalid` top-level domain never
 * resolves (RFC 2606), so no token can come from it: the API refuses every request until the
 * real issuer is set.
 */
export function placeholderJwtIssuer(environment: string): string {
  return `https://jwt-issuer-not-configured.invalid/${CONTEXT_NAMESPACE}-${environment}`;
}

/** The JWT audience that goes with {@link placeholderJwtIssuer}. */
export const PLACEHOLDER_JWT_AUDIENCE = 'autobio-storage-api';
