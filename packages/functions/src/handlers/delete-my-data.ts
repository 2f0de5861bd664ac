import { s3Client } from '@autobio/s3-storage';
import { loadDeletionSettings } from '../env.ts';
import { accountDataLocations, deleteStoredData } from '../internal/account-deletion.ts';
import { invalidateUserPaths } from '../internal/cdn-invalidation.ts';
import { readDeletionMarker, writeDeletionMarker } from '../internal/deletion-marker.ts';
import { createRouteHandler, describeError } from '../internal/http.ts';
import type { DeleteMyDataResponse } from '../types/api.ts';
import type { DeletionMarker } from '../types/deletion.ts';

/**
 * `DELETE /me/data`: account deletion. Records the deletion first (the pending-deletion marker,
 * so that neither a crash nor a retry loses it), then deletes every version of the caller's
 * keys in the bucket and its replica and invalidates the CDN's cache of them, and answers 202:
 * the deletion is final only once the sweep has run after `sweepAfter`, when every upload URL
 * issued before it has expired and every request that was running has ended. Until then the
 * routes that store anything answer 409. A second call keeps the first one's `sweepAfter`.
 */
export const handler = createRouteHandler({
  route: 'delete-my-data',
  async handle({ userId, abortSignal, log }) {
    const call = { abortSignal };
    const settings = loadDeletionSettings(s3Client.getConfig());
    if (settings.ignored) log.warn(settings.ignored);
    const found = await readDeletionMarker(s3Client, userId, settings.sweepDelayMs, call);
    let marker: DeletionMarker;
    if (found && !found.damaged) {
      marker = found.marker;
    } else {
      const now = new Date();
      // A damaged marker is rewritten with the dates S3 gave it, so its sweep is not put off.
      marker = found?.marker ?? {
        userId,
        requestedAt: now.toISOString(),
        sweepAfter: new Date(now.getTime() + settings.sweepDelayMs).toISOString(),
      };
      await writeDeletionMarker(s3Client, marker, call);
    }
    const locations = accountDataLocations(s3Client, settings);
    const { deleted, replicaDeleted } = await deleteStoredData(userId, locations, call);
    if (locations.cdn) {
      try {
        await invalidateUserPaths(locations.cdn, s3Client.keys, userId, call);
      } catch (error) {
        // The sweep invalidates again before the deletion is final; the answer stands.
        log.warn('Could not invalidate the CDN cache of a deleted account', {
          error: describeError(error),
        });
      }
    }
    const body: DeleteMyDataResponse = {
      deleted,
      total: Object.values(deleted).reduce((sum, count) => sum + count, 0),
      ...(replicaDeleted ? { replicaDeleted } : {}),
      status: 'pending',
      sweepAfter: marker.sweepAfter,
    };
    return { statusCode: 202, body };
  },
});
