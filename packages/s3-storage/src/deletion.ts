import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { type StorageContext, send } from './context.ts';
import { DeletionIncompleteError, S3RequestError } from './errors.ts';
import { listKeys } from './listing.ts';
import { findObject } from './objects.ts';
import { translateS3Error } from './translate-error.ts';
import type { GeneratedKind } from './types/key-layout.ts';
import type { CallOptions, DeleteUserDataOptions } from './types/storage.ts';

const DELETE_BATCH_SIZE = 1000;

type Refused = NonNullable<DeleteObjectsCommandOutput['Errors']>;

/** The current objects under `prefix` (or at exactly that key). */
async function listObjectsToDelete(
  context: StorageContext,
  prefix: string,
  exact: boolean,
  options: CallOptions,
): Promise<ObjectIdentifier[]> {
  if (exact) return (await findObject(context, prefix, options)) ? [{ Key: prefix }] : [];
  const objects: ObjectIdentifier[] = [];
  for await (const object of listKeys(context, prefix, options)) objects.push({ Key: object.key });
  return objects;
}

/**
 * Every version and delete marker under `prefix` (or of exactly that key); `undefined` on a
 * store without versioning (the embedded server answers 405).
 */
async function listVersions(
  context: StorageContext,
  prefix: string,
  exact: boolean,
  options: CallOptions,
): Promise<ObjectIdentifier[] | undefined> {
  const found: ObjectIdentifier[] = [];
  // A listing may name an entry again on the next page (versitygw can repeat the one a page
  // ended on), and a batch that names a version twice fails on the second.
  const seen = new Set<string>();
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  try {
    do {
      const page = await send(
        context,
        prefix,
        new ListObjectVersionsCommand({
          Bucket: context.config.bucketName,
          Prefix: prefix,
          MaxKeys: context.listPageSize,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
        }),
        options,
      );
      for (const entry of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        const id = `${entry.Key}\n${entry.VersionId ?? ''}`;
        if (entry.Key && (!exact || entry.Key === prefix) && !seen.has(id)) {
          seen.add(id);
          found.push({
            Key: entry.Key,
            ...(entry.VersionId ? { VersionId: entry.VersionId } : {}),
          });
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  } catch (error) {
    // No versioning on this store: its current objects are all there is.
    const status = error instanceof S3RequestError ? error.httpStatusCode : undefined;
    if (status === 405 || status === 501) return undefined;
    throw error;
  }
  return found;
}

/** Deletes the objects in batches; returns the entries S3 refused to delete. */
async function deleteKeys(
  context: StorageContext,
  objects: readonly ObjectIdentifier[],
  options: CallOptions,
): Promise<Refused> {
  const refused: Refused = [];
  for (let start = 0; start < objects.length; start += DELETE_BATCH_SIZE) {
    const batch = objects.slice(start, start + DELETE_BATCH_SIZE);
    const result = await send(
      context,
      batch[0]?.Key,
      new DeleteObjectsCommand({
        Bucket: context.config.bucketName,
        Delete: { Objects: batch, Quiet: true },
      }),
      options,
    );
    refused.push(...(result.Errors ?? []));
  }
  return refused;
}

/**
 * Deletes what is under `prefix` (or at exactly that key): the current objects first, without a
 * version id, so that S3 writes delete markers, which replication carries to a replica bucket
 * (version-specific deletes never replicate); then, with `allVersions`, every version and delete
 * marker. What S3 refuses is added to `refused`.
 * @returns how many distinct keys were deleted.
 */
async function deleteTarget(
  context: StorageContext,
  target: { readonly prefix: string; readonly exact: boolean },
  options: CallOptions & { readonly allVersions?: boolean },
  refused: Refused,
): Promise<number> {
  const current = await listObjectsToDelete(context, target.prefix, target.exact, options);
  refused.push(...(await deleteKeys(context, current, options)));
  const versions = options.allVersions
    ? ((await listVersions(context, target.prefix, target.exact, options)) ?? [])
    : [];
  refused.push(...(await deleteKeys(context, versions, options)));
  return new Set([...current, ...versions].map((o) => o.Key)).size;
}

/** @throws DeletionIncompleteError naming every entry S3 refused, when it refused any. */
function assertNoneRefused(context: StorageContext, refused: Refused): void {
  if (refused.length === 0) return;
  const { bucketName, region } = context.config;
  const first = refused[0]!;
  throw new DeletionIncompleteError(
    bucketName,
    refused.map((e) => (e.VersionId ? `${e.Key}?versionId=${e.VersionId}` : `${e.Key}`)),
    `S3 refused to delete them (${first.Code ?? 'an error'} for ${first.Key}: ${first.Message ?? 'no message'})`,
    {
      cause: translateS3Error(
        Object.assign(new Error(first.Message ?? 'delete refused'), { name: first.Code }),
        { bucket: bucketName, key: first.Key, region },
      ),
    },
  );
}

/**
 * Deletes one user's keys in every user area of this bucket. This bucket only: a replica, a
 * CDN's cache and uploads still in flight are the caller's to handle (the API's account
 * deletion sweeps them after a delay).
 */
export async function deleteUserData(
  context: StorageContext,
  userId: string,
  options: DeleteUserDataOptions,
): Promise<Record<'subjects' | 'avatars' | `generated/${GeneratedKind}`, number>> {
  const userKeys = context.keys.userKeys(userId);
  const targets = {
    subjects: { prefix: userKeys.subject, exact: true },
    avatars: { prefix: userKeys.avatar, exact: true },
    'generated/memory': { prefix: userKeys.generated.memory, exact: false },
    'generated/subject': { prefix: userKeys.generated.subject, exact: false },
  } as const;
  const counts = { subjects: 0, avatars: 0, 'generated/memory': 0, 'generated/subject': 0 };
  const refused: Refused = [];
  for (const [area, target] of Object.entries(targets) as [
    keyof typeof targets,
    { prefix: string; exact: boolean },
  ][]) {
    counts[area] = await deleteTarget(context, target, options, refused);
  }
  assertNoneRefused(context, refused);
  return counts;
}

/**
 * Deletes the object at exactly `key` with every version and delete marker of it; on a store
 * without versioning, the object. Writes no delete marker, so a replica's copy is left to its
 * owner to delete. Idempotent.
 * @returns whether there was anything at the key.
 */
export async function deleteObjectVersions(
  context: StorageContext,
  key: string,
  options: CallOptions,
): Promise<boolean> {
  context.keys.assertKeyInLayout(key);
  // Version by version, with no delete marker first: nothing of the key is replicated again.
  const objects =
    (await listVersions(context, key, true, options)) ??
    (await listObjectsToDelete(context, key, true, options));
  assertNoneRefused(context, await deleteKeys(context, objects, options));
  return objects.length > 0;
}
