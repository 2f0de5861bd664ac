import { fileURLToPath } from 'node:url';
import { ENVIRONMENT_VARIABLES, GENERATED_KINDS, type StorageArea } from '@autobio/s3-storage';
import { ROUTE_NAMES } from './constants.ts';
import { CDN_ENVIRONMENT_VARIABLES } from './env.ts';
import type {
  CdnUse,
  EnvironmentVariableName,
  HttpMethod,
  RouteDefinition,
  RouteName,
  S3Action,
  StorageGrant,
} from './types/routes.ts';

const LOGGER_ENVIRONMENT = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL'] as const;

const GENERATED_AREAS: readonly StorageArea[] = GENERATED_KINDS.map(
  (kind) => `generated/${kind}` as const,
);

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
  };
}

// Existence is checked by listing the exact key, not by HEAD: without s3:ListBucket a HEAD of
// a missing key answers 403, and a ListBucket grant conditioned on s3:prefix does not cover it.
const READ_IF_PRESENT: readonly S3Action[] = ['s3:ListBucket', 's3:GetObject'];

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
    grant(['subjects'], ['s3:PutObject']),
  ),
  route(
    'create-avatar-upload',
    'POST',
    '/uploads/avatar',
    "Creates a presigned PUT URL or POST form for the caller's avatar.",
    grant(['avatars'], ['s3:PutObject']),
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
      // DeleteObject: after a failed call to the service, the key it was asked to write is
      // deleted, so that a failure leaves no illustration behind.
      ...grant(GENERATED_AREAS, [
        's3:ListBucket',
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
      ]),
    ],
    [
      'ILLUSTRATION_GEN_MODE',
      'ILLUSTRATION_GEN_URL',
      'ILLUSTRATION_GEN_TIMEOUT_MS',
      'STUB_IMAGE_NAME',
    ],
  ),
  route(
    'delete-my-data',
    'DELETE',
    '/me/data',
    'Deletes every object of the caller under every prefix and reports the counts per prefix.',
    [
      // deleteUserData({ allVersions: true }) lists and deletes every version and delete marker
      // (ListBucketVersions, DeleteObjectVersion); on a store without versioning it lists the
      // current objects and deletes them (ListBucket, DeleteObject).
      ...grant(
        ['subjects', 'avatars', ...GENERATED_AREAS],
        ['s3:ListBucket', 's3:ListBucketVersions', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      ),
    ],
  ),
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
