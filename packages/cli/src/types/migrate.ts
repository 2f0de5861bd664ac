import type { runMigration } from '../migrate.ts';

/** Options for {@link runMigration}. Sizes are in bytes, times in milliseconds. */
export interface MigrationOptions {
  /** `s3://old-bucket[/prefix]`: what to copy. */
  readonly from: string;
  /**
   * Where in the configured bucket: a layout area (`generated`, `generated/memory`, `stubs`, ...)
   * or a key prefix inside the layout (`generated/memory/legacy/`).
   */
  readonly to: string;
  /** List what would be done, write nothing. @default false */
  readonly dryRun?: boolean;
  /** Replace destination objects that differ from their source. @default false */
  readonly overwrite?: boolean;
  /** After each copy (and for each object found identical), HEAD both sides and compare. @default false */
  readonly verify?: boolean;
  /** Objects copied at once. @default 32 */
  readonly concurrency?: number;
  /** Keys per listing page, 1 to 1000. @default 1000 */
  readonly pageSize?: number;
  /** The source bucket's region. @default - read from the bucket (HeadBucket), else S3_CLIENT_REGION */
  readonly fromRegion?: string;
  /** Objects larger than this are copied in parts (UploadPartCopy). @default 5368709120 (5 GiB) */
  readonly multipartThresholdBytes?: number;
  /** Part size of a multipart copy. @default - the source's own part layout, else 512 MiB */
  readonly partSizeBytes?: number;
  /**
   * Globs of the keys below the source prefix to migrate; a key is migrated when it matches one
   * (see {@link createKeyFilter}). @default - every key
   */
  readonly include?: readonly string[];
  /** Globs of the keys below the source prefix to leave out; they win over `include`. @default - none */
  readonly exclude?: readonly string[];
  /**
   * Copy keys that no route of the API reads (an archive, such as `generated/legacy/...`).
   * Without it they are refused, each with the `--to` (or `--from`) that would fit.
   * @default false
   */
  readonly allowUnlisted?: boolean;
  /** Receives progress. @default - none */
  readonly progress?: ProgressListener;
  /** Stops scheduling copies when aborted; the report says the run was interrupted. @default - none */
  readonly signal?: AbortSignal;
}

/**
 * What was decided for one object. `refuse`: not copied, because no route of the API would read
 * it at its destination.
 */
export type ObjectAction = 'copy' | 'overwrite' | 'skip' | 'conflict' | 'refuse' | 'fail';

/** One object of the migration, in a dry run's plan or a report's lists. */
export interface ObjectOutcome {
  readonly sourceKey: string;
  /** Absent when the source key has no place in the layout. */
  readonly destinationKey?: string;
  readonly sizeBytes: number;
  readonly action: ObjectAction;
  /** Why it was skipped, conflicted or failed. */
  readonly reason?: string;
  readonly errorName?: string;
  /** Tries made, for failures: the SDK's count, retries included. */
  readonly attempts?: number;
}

/** The result of {@link runMigration}: counts, bytes, and the objects not in place. */
export type MigrationReport = Awaited<ReturnType<typeof runMigration>>;

/** The counts of the report so far, and how far the run has got. */
export type ProgressSnapshot = MigrationReport['counts'] & {
  /** A dry run: `copied` counts what would be copied. */
  readonly dryRun: boolean;
  readonly listedBytes: number;
  /** True once the source listing is complete, so `listed` is the total. */
  readonly listingDone: boolean;
  /** Objects handled: copied, skipped, conflicting, refused or failed. */
  readonly done: number;
  readonly doneBytes: number;
  /** Milliseconds since the start. */
  readonly elapsedMs: number;
};

export interface ProgressListener {
  start(snapshot: ProgressSnapshot): void;
  update(snapshot: ProgressSnapshot): void;
  stop(snapshot: ProgressSnapshot): void;
}
