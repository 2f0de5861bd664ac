import {
  type CallOptions,
  createS3Storage,
  loadConfigFromEnv,
  type S3Storage,
} from '@autobio/s3-storage';
import type { DeletedCounts, DeletionSettings } from '../types/deletion.ts';
import type { CdnInvalidationTarget } from './cdn-invalidation.ts';

/** Every place an account's data is kept: the bucket, its replica, the CDN's cache. */
export interface AccountDataLocations {
  readonly primary: S3Storage;
  /** @default - no replica */
  readonly replica?: S3Storage;
  /** @default - no CDN */
  readonly cdn?: CdnInvalidationTarget;
}

let replica: { readonly id: string; readonly storage: S3Storage } | undefined;

/**
 * The storage client of the replica bucket: the primary's settings (endpoint, credentials,
 * prefixes, timeouts), its own bucket and region, never accelerated. One per process and replica.
 */
export function replicaStorage(settings: DeletionSettings): S3Storage | undefined {
  if (!settings.replica) return undefined;
  const primary = loadConfigFromEnv();
  const { bucketName, region } = settings.replica;
  const id = [bucketName, region, primary.endpoint ?? ''].join('\n');
  if (replica?.id !== id) {
    // Transfer acceleration is the primary bucket's: the replica has none, and an accelerated
    // call to it would fail every deletion.
    const config = { ...primary, bucketName, region, useAccelerateEndpoint: false };
    replica = { id, storage: createS3Storage({ config }) };
  }
  return replica.storage;
}

/** Where an account's data is kept, by the settings: `primary` and what the settings add. */
export function accountDataLocations(
  primary: S3Storage,
  settings: DeletionSettings,
): AccountDataLocations {
  const replicaOfPrimary = replicaStorage(settings);
  return {
    primary,
    ...(replicaOfPrimary ? { replica: replicaOfPrimary } : {}),
    ...(settings.cdnDistributionId ? { cdn: { distributionId: settings.cdnDistributionId } } : {}),
  };
}

/**
 * Deletes every version and delete marker of the user's keys in the primary bucket, then in the
 * replica. Idempotent.
 * @throws DeletionIncompleteError (or another storage error) from the first bucket that failed.
 */
export async function deleteStoredData(
  userId: string,
  locations: AccountDataLocations,
  call: CallOptions,
): Promise<{ readonly deleted: DeletedCounts; readonly replicaDeleted?: DeletedCounts }> {
  const deleted = await locations.primary.deleteUserData(userId, { ...call, allVersions: true });
  if (!locations.replica) return { deleted };
  const replicaDeleted = await locations.replica.deleteUserData(userId, {
    ...call,
    allVersions: true,
  });
  return { deleted, replicaDeleted };
}
