import type { GeneratedKind } from '@autobio/s3-storage';

/** Keys deleted per user area of the layout, as `deleteUserData` counts them. */
export type DeletedCounts = Readonly<
  Record<'subjects' | 'avatars' | `generated/${GeneratedKind}`, number>
>;

/** Where account deletion deletes besides the primary bucket, and when its sweep runs. */
export interface DeletionSettings {
  /**
   * The replica bucket (`S3_REPLICA_BUCKET_NAME`) and its region (`S3_REPLICA_REGION`).
   * @default - none: the primary bucket only
   */
  readonly replica?: { readonly bucketName: string; readonly region: string };
  /** The CloudFront distribution to invalidate (`CDN_DISTRIBUTION_ID`). @default - none */
  readonly cdnDistributionId?: string;
  /** From `DELETE /me/data` to its sweep, in milliseconds. @default DELETION_SWEEP_DELAY_MS */
  readonly sweepDelayMs: number;
  /** Why `DELETION_SWEEP_DELAY_SECONDS` was ignored, for the log. @default - it was not */
  readonly ignored?: string;
}

/**
 * The pending-deletion marker, `deletions/{userId}.json`: the durable record of an account
 * deletion until its sweep has made it final. Dates are ISO 8601.
 */
export interface DeletionMarker {
  readonly userId: string;
  /** When `DELETE /me/data` first asked for the deletion. */
  readonly requestedAt: string;
  /** When the sweep may delete everything again and remove the marker. */
  readonly sweepAfter: string;
}

/** What one run of the deletion sweep did. */
export interface SweepReport {
  /** Users whose deletion the run made final. */
  readonly swept: readonly string[];
  /** Users whose sweep time has not come. */
  readonly pending: readonly string[];
  /** Users whose sweep failed; their markers stay for the next run. */
  readonly failed: readonly string[];
  /** Users left for the next run because the run's time was up. */
  readonly deferred: readonly string[];
}
