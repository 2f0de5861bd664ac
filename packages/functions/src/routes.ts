import { fileURLToPath } from 'node:url';
import { ENVIRONMENT_VARIABLES, GENERATED_KINDS, type StorageArea } from '@autobio/s3-storage';
import { DELETION_SWEEP_SCHEDULE, ROUTE_NAMES, TASK_NAMES } from './constants.ts';
import { CDN_ENVIRONMENT_VARIABLES } from './env.ts';
import type {
  CdnInvalidationUse,
  CdnUse,
  EnvironmentVariableName,
  HttpMethod,
  ReplicaUse,
  RouteDefinition,
  RouteName,
  S3Action,
  StorageGrant,
  TaskDefinition,
  TaskName,
} from './types/routes.ts';

const LOGGER_ENVIRONMENT = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL'] as const;

const GENERATED_AREAS: readonly StorageArea[] = GENERATED_KINDS.map(
  (kind) => `generated/${kind}` as const,
);

/** The areas that hold a user's data: what account deletion deletes. */
const USER_AREAS: readonly StorageArea[] = ['subjects', 'avatars', ...GENERATED_AREAS];

/** Where account deletion deletes besides the primary bucket. */
const DELETION_ENVIRONMENT: readonly EnvironmentVariableName[] = [
  'S3_REPLICA_BUCKET_NAME',
  'S3_REPLICA_REGION',
  'CDN_DISTRIBUTION_ID',
];

// deleteUserData({ allVersions: true }) deletes the current objects (ListBucket, DeleteObject),
// so that replication carries delete markers, then every version and delete marker
// (ListBucketVersions, DeleteObjectVersion).
const DELETE_ALL_VERSIONS: readonly S3Action[] = [
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
];

// deleteObjectVersions deletes a marker version by version, with no delete marker first.
const DELETE_MARKER_VERSIONS: readonly S3Action[] = [
  's3:ListBucketVersions',
  's3:DeleteObjectVersion',
];

const CDN_INVALIDATION: CdnInvalidationUse = { actions: ['cloudfront:CreateInvalidation'] };

function grant(areas: readonly StorageArea[], actions: readonly S3Action[]): StorageGrant[] {
  return areas.map((area) => ({ area, actions }));
}

function route(
  name: RouteName,
  method: HttpMethod,
  path: string,
  description: string,
  storage: readonly StorageGrant[],
  extraEnvironment: readonly EnvironmentVariableName[] = [],
  cdn?: CdnUse,
  deletion?: { readonly replica: ReplicaUse; readonly cdnInvalidation: CdnInvalidationUse },
): RouteDefinition {
  const cdnEnvironment = cdn
    ? (Object.keys(CDN_ENVIRONMENT_VARIABLES) as EnvironmentVariableName[])
    : [];
  return {
    name,
    method,
    path,
    routeKey: `${method} ${path}`,
    entry: fileURLToPath(new URL(`./handlers/${name}.ts`, import.meta.url)),
    handlerExport: 'handler',
    description,
    storage,
    environment: [
      ...ENVIRONMENT_VARIABLES,
      ...LOGGER_ENVIRONMENT,
      ...extraEnvironment,
      ...cdnEnvironment,
    ],
    requiredEnvironment: ['S3_BUCKET_NAME'],
    ...(cdn ? { cdn } : {}),
    ...(deletion ?? {}),
  };
}

// Existence is checked by listing the exact key, not by HEAD: without s3:ListBucket a HEAD of
// a missing key answers 403, and a ListBucket grant conditioned on s3:prefix does not cover it.
const READ_IF_PRESENT: readonly S3Action[] = ['s3:ListBucket', 's3:GetObject'];

// The routes that store anything for the caller read the caller's pending-deletion marker
// first, and refuse while there is one.
const DELETION_CHECK = grant(['deletions'], READ_IF_PRESENT);

/**
 * Every route of the storage API: its method and path, the handler's source file, and exactly
 * the S3 actions on exactly the parts of the key layout it uses, so the infrastructure can grant
 * each function least privilege from this table without retyping a prefix.
 */
export const ROUTES: readonly RouteDefinition[] = [
  route(
    'create-subject-upload',
    'POST',
    '/uploads/subject',
    "Creates a presigned PUT URL or POST form for the caller's subject image.",
    [...grant(['subjects'], ['s3:PutObject']), ...DELETION_CHECK],
  ),
  route(
    'create-avatar-upload',
    'POST',
    '/uploads/avatar',
    "Creates a presigned PUT URL or POST form for the caller's avatar.",
    [...grant(['avatars'], ['s3:PutObject']), ...DELETION_CHECK],
  ),
  route(
    'get-subject-image',
    'GET',
    '/images/subject',
    "Returns a presigned download URL for the caller's subject image; 404 when there is none.",
    grant(['subjects'], READ_IF_PRESENT),
  ),
  route(
    'get-avatar-image',
    'GET',
    '/images/avatar',
    "Returns a presigned download URL for the caller's avatar; 404 when there is none.",
    grant(['avatars'], READ_IF_PRESENT),
  ),
  route(
    'list-illustrations',
    'GET',
    '/illustrations/{kind}',
    "Lists the caller's generated illustrations of a kind, newest first, with download URLs.",
    grant(GENERATED_AREAS, ['s3:ListBucket', 's3:GetObject']),
    [],
    // With the CDN its URLs are CloudFront's: the function itself only lists.
    { storage: grant(GENERATED_AREAS, ['s3:ListBucket']) },
  ),
  route(
    'generate-illustration',
    'POST',
    '/illustrations/{kind}',
    "Generates an illustration from the caller's subject image (illustration-gen, or a stub).",
    [
      ...grant(['subjects'], READ_IF_PRESENT),
      ...grant(['stubs'], READ_IF_PRESENT),
      // DeleteObject: after a failed generate, in either mode, the key it wrote or asked the
      // service to write is deleted, so that a failure leaves no illustration behind.
      ...grant(GENERATED_AREAS, [
        's3:ListBucket',
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
      ]),
      ...DELETION_CHECK,
    ],
    [
      'ILLUSTRATION_GEN_MODE',
      'ILLUSTRATION_GEN_URL',
      'ILLUSTRATION_GEN_TIMEOUT_MS',
      'STUB_IMAGE_NAME',
    ],
    // With the CDN its URL is CloudFront's: nothing generated is read from S3 but listed.
    {
      storage: [
        ...grant(['subjects'], READ_IF_PRESENT),
        ...grant(['stubs'], READ_IF_PRESENT),
        ...grant(GENERATED_AREAS, ['s3:ListBucket', 's3:PutObject', 's3:DeleteObject']),
        ...DELETION_CHECK,
      ],
    },
  ),
  route(
    'delete-my-data',
    'DELETE',
    '/me/data',
    "Records the caller's account deletion, deletes every version of their data in the bucket " +
      'and its replica, invalidates the CDN, and answers 202 until the sweep makes it final.',
    [
      ...grant(USER_AREAS, DELETE_ALL_VERSIONS),
      // The marker: looked for, read when there is one (its sweepAfter stands), else written.
      ...grant(['deletions'], ['s3:ListBucket', 's3:GetObject', 's3:PutObject']),
    ],
    [...DELETION_ENVIRONMENT, 'DELETION_SWEEP_DELAY_SECONDS'],
    undefined,
    {
      replica: { storage: grant(USER_AREAS, DELETE_ALL_VERSIONS) },
      cdnInvalidation: CDN_INVALIDATION,
    },
  ),
];

/**
 * The scheduled tasks, with the same grant shapes as {@link ROUTES}: the infrastructure runs
 * each on its `schedule` with exactly these grants.
 */
export const TASKS: readonly TaskDefinition[] = [
  {
    name: 'sweep-deletions',
    entry: fileURLToPath(new URL('./handlers/sweep-deletions.ts', import.meta.url)),
    handlerExport: 'handler',
    description:
      'Makes each account deletion whose sweepAfter has passed final: deletes every version of ' +
      'the data in the bucket and its replica again, invalidates the CDN, then the marker.',
    // The marker is the one record of a deletion: a schedule that runs every few minutes finds
    // every due marker, so no per-deletion schedule (nor iam:PassRole for one) is needed.
    schedule: DELETION_SWEEP_SCHEDULE,
    storage: [
      ...grant(USER_AREAS, DELETE_ALL_VERSIONS),
      // The markers: listed, each read, and deleted once its account is swept.
      ...grant(['deletions'], ['s3:ListBucket', 's3:GetObject', ...DELETE_MARKER_VERSIONS]),
    ],
    replica: {
      storage: [
        ...grant(USER_AREAS, DELETE_ALL_VERSIONS),
        // Replication copied each marker.
        ...grant(['deletions'], DELETE_MARKER_VERSIONS),
      ],
    },
    cdnInvalidation: CDN_INVALIDATION,
    environment: [...ENVIRONMENT_VARIABLES, ...LOGGER_ENVIRONMENT, ...DELETION_ENVIRONMENT],
    requiredEnvironment: ['S3_BUCKET_NAME'],
  },
];

/** The route of a given name. @throws TypeError naming the unknown name and the known ones. */
export function getRoute(name: RouteName): RouteDefinition {
  const found = ROUTES.find((candidate) => candidate.name === name);
  if (!found) {
    throw new TypeError(
      `Unknown route ${JSON.stringify(name)}: use one of ${ROUTE_NAMES.join(', ')}.`,
    );
  }
  return found;
}

/** The task of a given name. @throws TypeError naming the unknown name and the known ones. */
export function getTask(name: TaskName): TaskDefinition {
  const found = TASKS.find((candidate) => candidate.name === name);
  if (!found) {
    throw new TypeError(
      `Unknown task ${JSON.stringify(name)}: use one of ${TASK_NAMES.join(', ')}.`,
    );
  }
  return found;
}
