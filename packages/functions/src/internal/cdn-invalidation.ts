import { randomUUID } from 'node:crypto';
import { GENERATED_KINDS, type KeyLayout } from '@autobio/s3-storage';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { cdnPath } from './cdn-urls.ts';

/** Where the CDN's cache of a user's illustrations is invalidated, and with which client. */
export interface CdnInvalidationTarget {
  /** The distribution, `CDN_DISTRIBUTION_ID`. */
  readonly distributionId: string;
  /**
   * The client the invalidation is sent with.
   * @default - one client for the process: the function's role, bounded timeouts
   */
  readonly client?: CloudFrontClient;
}

// CloudFront answers an invalidation in well under a second; a stuck one must not hold the
// deletion until the function times out (the sweep invalidates again anyway).
const CLOUDFRONT_TIMEOUT_MS = 5_000;
const CLOUDFRONT_MAX_ATTEMPTS = 3;

let defaultClient: CloudFrontClient | undefined;

function cloudFront(): CloudFrontClient {
  // CloudFront is global: its API is signed for us-east-1 whatever the function's region.
  defaultClient ??= new CloudFrontClient({
    region: 'us-east-1',
    maxAttempts: CLOUDFRONT_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CLOUDFRONT_TIMEOUT_MS,
      requestTimeout: CLOUDFRONT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
  return defaultClient;
}

/**
 * `/<generated prefix><kind>/<userId>/*` for each kind: every illustration URL of the user. A
 * `*` is a wildcard to CloudFront only at a path's end, and refused elsewhere, so an id with one
 * is cut there: the path then covers other users' URLs too, which only evicts their cache.
 */
export function userCdnPaths(keys: KeyLayout, userId: string): string[] {
  return GENERATED_KINDS.map((kind) => {
    const path = cdnPath(keys.generatedUserPrefix(kind, userId));
    const star = path.indexOf('*');
    return star === -1 ? `${path}*` : path.slice(0, star + 1);
  });
}

/**
 * Invalidates every cached illustration of the user at the edge, so that a URL signed before
 * the deletion finds nothing (CloudFront asks the bucket again, which has nothing). Needs
 * cloudfront:CreateInvalidation on the distribution.
 * @returns the paths invalidated.
 * @throws the SDK's error when CloudFront refuses (such as TooManyInvalidationsInProgress).
 */
export async function invalidateUserPaths(
  target: CdnInvalidationTarget,
  keys: KeyLayout,
  userId: string,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<string[]> {
  const paths = userCdnPaths(keys, userId);
  await (target.client ?? cloudFront()).send(
    new CreateInvalidationCommand({
      DistributionId: target.distributionId,
      InvalidationBatch: {
        // Unique per call: CloudFront takes a repeated reference for the same request again.
        CallerReference: `account-deletion-${randomUUID()}`,
        Paths: { Quantity: paths.length, Items: paths },
      },
    }),
    options.abortSignal ? { abortSignal: options.abortSignal } : {},
  );
  return paths;
}
