import { type CallOptions, s3Client } from '@autobio/s3-storage';
import { DELETION_SWEEP_DELAY_MS, DELETION_SWEEP_INTERVAL_MINUTES } from '../constants.ts';
import { HttpError } from '../errors.ts';
import { readDeletionMarker } from './deletion-marker.ts';

/**
 * Refuses a write of the caller's while their account deletion is pending: an upload URL or an
 * illustration made now could outlive the sweep that makes the deletion final. The routes that
 * store anything for the caller call it first. Needs s3:ListBucket and s3:GetObject on the
 * deletions area.
 * @throws HttpError 409 DeletionPending, naming when the sweep runs, with `retry-after`.
 */
export async function refuseWhileDeletionPending(userId: string, call: CallOptions): Promise<void> {
  const found = await readDeletionMarker(s3Client, userId, DELETION_SWEEP_DELAY_MS, call);
  if (!found) return;
  const { sweepAfter } = found.marker;
  const intervalSeconds = DELETION_SWEEP_INTERVAL_MINUTES * 60;
  const retryAfterSeconds =
    Math.max(0, Math.ceil((Date.parse(sweepAfter) - Date.now()) / 1000)) + intervalSeconds;
  throw new HttpError(
    409,
    'DeletionPending',
    `Your account's data is being deleted, so nothing new can be stored for it yet. The ` +
      `deletion becomes final at the first sweep after ${sweepAfter} (the sweep runs every ` +
      `${DELETION_SWEEP_INTERVAL_MINUTES} minutes); try again after it, in about ` +
      `${retryAfterSeconds} s.`,
    { headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}
