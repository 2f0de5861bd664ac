import { type CallOptions, DeletionIncompleteError } from '@autobio/s3-storage';
import { DeletionSweepError } from '../errors.ts';
import type { SweepReport } from '../types/deletion.ts';
import { type AccountDataLocations, deleteStoredData } from './account-deletion.ts';
import { invalidateUserPaths } from './cdn-invalidation.ts';
import { readDeletionMarker } from './deletion-marker.ts';
import { describeError } from './http.ts';
import type { RequestLogger } from './logger.ts';

/** What one run of the sweep works with. */
export interface SweepOptions extends AccountDataLocations {
  /** The time a marker's `sweepAfter` is compared with: tests pass a later one. */
  readonly now: Date;
  /** Dates a marker whose body is damaged, from when S3 stored it, in ms. */
  readonly sweepDelayMs: number;
  readonly log: RequestLogger;
  /**
   * Time left to the run, in ms: no account is begun with less than `reserveMs` left, and the
   * rest wait for the next run. @default - no limit
   */
  readonly remainingMs?: () => number;
  /** Time one account's sweep may need, in ms. @default 10000 */
  readonly reserveMs?: number;
  /** Aborts every storage call of the run. @default - each call's own deadline only */
  readonly abortSignal?: AbortSignal;
}

// One account takes a few requests, well under a second; one begun too late is aborted by the
// run's deadline, counted failed, and done again by the next run.
const DEFAULT_RESERVE_MS = 10_000;

/** Deletes everything of one user whose sweep time has come, and then, last, its marker. */
async function sweepAccount(userId: string, options: SweepOptions, call: CallOptions) {
  const { primary, replica, cdn, log } = options;
  const { deleted, replicaDeleted } = await deleteStoredData(userId, options, call);
  const paths = cdn ? await invalidateUserPaths(cdn, primary.keys, userId, call) : [];
  const markerKey = primary.keys.deletionMarkerKey(userId);
  // Replication copied the marker too. The primary's goes last: while it is there, the next
  // run does all of this again.
  if (replica) await replica.deleteObjectVersions(markerKey, call);
  await primary.deleteObjectVersions(markerKey, call);
  log.info('Account deletion made final', {
    userId,
    deleted,
    ...(replicaDeleted ? { replicaDeleted } : {}),
    invalidatedPaths: paths.length,
  });
}

/**
 * One run of the deletion sweep. For each pending-deletion marker whose `sweepAfter` has
 * passed: deletes every version of the user's keys in the primary bucket and the replica,
 * invalidates the CDN, and only then deletes the marker (every version of it). Idempotent: a
 * marker stays until all of that succeeded, so a run that failed half-way is done again by the
 * next. One account's failure does not stop the others.
 * @returns who was swept, who is still pending, and who is left for the next run.
 * @throws DeletionSweepError after the whole run when any account failed.
 */
export async function sweepDeletions(options: SweepOptions): Promise<SweepReport> {
  const { primary, log, now } = options;
  const call: CallOptions = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
  const report = { swept: [], pending: [], failed: [], deferred: [] } as {
    [K in keyof SweepReport]: string[];
  };
  const errors: unknown[] = [];
  const userIds: string[] = [];
  for await (const object of primary.listKeys(primary.getAreaPrefix('deletions'), call)) {
    const userId = primary.keys.parseDeletionMarkerKey(object.key);
    if (userId === undefined)
      log.warn('Not a pending-deletion marker: left alone', { key: object.key });
    else userIds.push(userId);
  }
  for (const userId of userIds) {
    if (options.remainingMs && options.remainingMs() < reserveMs) {
      report.deferred.push(userId);
      continue;
    }
    try {
      const found = await readDeletionMarker(primary, userId, options.sweepDelayMs, call);
      // Swept by a run that overlapped this one.
      if (!found) continue;
      if (found.damaged) log.warn('A damaged pending-deletion marker, dated by S3', { userId });
      if (Date.parse(found.marker.sweepAfter) > now.getTime()) {
        report.pending.push(userId);
        continue;
      }
      await sweepAccount(userId, options, call);
      report.swept.push(userId);
    } catch (error) {
      report.failed.push(userId);
      errors.push(error);
      log.error('Could not make an account deletion final: its marker stays for the next run', {
        userId,
        ...(error instanceof DeletionIncompleteError
          ? { remainingKeys: error.remainingKeys.length }
          : {}),
        error: describeError(error),
      });
    }
  }
  if (report.failed.length > 0) throw new DeletionSweepError(report.failed, errors);
  return report;
}
