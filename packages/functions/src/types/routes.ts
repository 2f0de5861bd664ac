import type { ENVIRONMENT_VARIABLES, StorageArea } from '@autobio/s3-storage';
import type { FUNCTION_ENVIRONMENT_VARIABLES, ROUTE_NAMES, TASK_NAMES } from '../constants.ts';
import type { CDN_ENVIRONMENT_VARIABLES } from '../env.ts';

/** The name of a route, which is also its handler's file name under `src/handlers/`. */
export type RouteName = (typeof ROUTE_NAMES)[number];

/** The name of a scheduled task, which is also its handler's file name under `src/handlers/`. */
export type TaskName = (typeof TASK_NAMES)[number];

/** An HTTP method the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * An S3 action a handler performs. Object actions apply to `arn:aws:s3:::{bucket}/{prefix}*`;
 * `s3:ListBucket` applies to the bucket with the condition `s3:prefix` like `{prefix}*`.
 */
export type S3Action =
  | 's3:GetObject'
  | 's3:PutObject'
  | 's3:DeleteObject'
  | 's3:DeleteObjectVersion'
  | 's3:ListBucket'
  | 's3:ListBucketVersions';

/** Exactly what a handler does in one part of the key layout: what its role must be granted. */
export interface StorageGrant {
  /** The part of the key layout; its prefix comes from the storage package's `KeyLayout.areaPrefix`. */
  readonly area: StorageArea;
  /** The actions, each needed by the handler (see {@link RouteDefinition.storage}). */
  readonly actions: readonly S3Action[];
}

/** An environment variable a handler reads. */
export type EnvironmentVariableName =
  | (typeof ENVIRONMENT_VARIABLES)[number]
  | keyof typeof FUNCTION_ENVIRONMENT_VARIABLES
  | keyof typeof CDN_ENVIRONMENT_VARIABLES;

/**
 * What a route that answers CloudFront URLs for generated illustrations needs once the
 * environment has the CDN: the `CDN_*` variables, `secretsmanager:GetSecretValue` on the signing
 * key's secret, and these grants in place of {@link RouteDefinition.storage}.
 */
export interface CdnUse {
  /**
   * The storage grants with the CDN on: its URLs are then CloudFront's, which reads the bucket
   * through origin access control, so the role needs no `s3:GetObject` for them.
   */
  readonly storage: readonly StorageGrant[];
}

/**
 * What a handler does in the replica bucket once `S3_REPLICA_BUCKET_NAME` is set: these grants
 * on the replica bucket (its own key layout is the primary's), with the S3_REPLICA_* variables.
 */
export interface ReplicaUse {
  readonly storage: readonly StorageGrant[];
}

/** A CloudFront action a handler performs on the distribution `CDN_DISTRIBUTION_ID` names. */
export type CloudFrontAction = 'cloudfront:CreateInvalidation';

/**
 * What a handler that invalidates the CDN's cache needs once `CDN_DISTRIBUTION_ID` is set: these
 * actions on that distribution.
 */
export interface CdnInvalidationUse {
  readonly actions: readonly CloudFrontAction[];
}

/** One route of the HTTP API and the Lambda function that serves it. */
export interface RouteDefinition {
  /** The route's name: its handler file and a stable id for its function. */
  readonly name: RouteName;
  readonly method: HttpMethod;
  /** The API Gateway route path, with `{parameters}`. */
  readonly path: string;
  /** `METHOD /path`, as an HTTP API route key. */
  readonly routeKey: string;
  /** Absolute path of the handler's source file, for a NodejsFunction `entry`. */
  readonly entry: string;
  /** The handler's export name, for a NodejsFunction `handler`. */
  readonly handlerExport: 'handler';
  /** One sentence on what the route does. */
  readonly description: string;
  /** Every part of the key layout the handler touches and the exact actions on each. */
  readonly storage: readonly StorageGrant[];
  /** Every environment variable the handler reads, the storage package's included. */
  readonly environment: readonly EnvironmentVariableName[];
  /** The route's variables that must be set for it to work in every mode. */
  readonly requiredEnvironment: readonly EnvironmentVariableName[];
  /**
   * Set when the handler answers CloudFront signed URLs once the `CDN_*` variables are set
   * (it reads them, see `environment`).
   * @default - the route answers S3 presigned URLs only
   */
  readonly cdn?: CdnUse;
  /** Set when the handler deletes in the replica bucket too. @default - the primary bucket only */
  readonly replica?: ReplicaUse;
  /** Set when the handler invalidates the CDN's cache. @default - it never does */
  readonly cdnInvalidation?: CdnInvalidationUse;
}

/** A scheduled task: a Lambda function that EventBridge Scheduler runs, that no route serves. */
export interface TaskDefinition {
  /** The task's name: its handler file and a stable id for its function and schedule. */
  readonly name: TaskName;
  /** Absolute path of the handler's source file, for a NodejsFunction `entry`. */
  readonly entry: string;
  /** The handler's export name, for a NodejsFunction `handler`. */
  readonly handlerExport: 'handler';
  /** One sentence on what the task does. */
  readonly description: string;
  /** An EventBridge Scheduler expression, such as `rate(5 minutes)`. */
  readonly schedule: string;
  /** Every part of the key layout the handler touches and the exact actions on each. */
  readonly storage: readonly StorageGrant[];
  /** Its grants on the replica bucket, when there is one. @default - the primary bucket only */
  readonly replica?: ReplicaUse;
  /** Its CloudFront actions, when the CDN is on. @default - none */
  readonly cdnInvalidation?: CdnInvalidationUse;
  /** Every environment variable the handler reads, the storage package's included. */
  readonly environment: readonly EnvironmentVariableName[];
  /** The task's variables that must be set for it to work. */
  readonly requiredEnvironment: readonly EnvironmentVariableName[];
}
