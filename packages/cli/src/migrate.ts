import {
  bucketRegionFromError,
  type KeyLayout,
  S3NetworkError,
  type S3Storage,
  translateS3Error,
  validateRegion,
} from '@autobio/s3-storage';
import { HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_PART_CONCURRENCY,
  MAX_SINGLE_COPY_BYTES,
} from './constants.ts';
import {
  EndpointUnreachableError,
  InvalidOptionError,
  PreconditionFailedError,
  RequestFailedError,
  SourceBucketError,
  sdkError,
} from './errors.ts';
import { createKeyFilter } from './key-filter.ts';
import { listObjectPages } from './listing.ts';
import { unreachableFix } from './local-fixes.ts';
import {
  destinationKeyFor,
  formatS3Uri,
  parseSourceUri,
  resolveDestinationPrefix,
} from './locations.ts';
import {
  compareHeads,
  type ListedObject,
  sameChecksum,
  sameSizeAndEtag,
} from './object-compare.ts';
import { type CopierOptions, copyObject, type DestinationPrecondition } from './object-copy.ts';
import { isServedKey, relatedAreas, servedKeyShapes, servedMapping } from './served-keys.ts';
import type { ConnectionContext } from './types/connection.ts';
import type { MigrationOptions, ObjectOutcome, ProgressSnapshot } from './types/migrate.ts';

/** Where a migration copies to, and how it reaches a source in another region. */
export interface MigrationTarget {
  /** The destination: the configured bucket, its key layout, and a client for its region. */
  readonly storage: S3Storage;
  /** A client for another region, for a source bucket that lives there. */
  readonly clientForRegion: (region: string) => S3Client;
  /** The endpoint, printable (without its user name and password). @default - AWS S3 */
  readonly endpoint?: string;
  /** Where the settings came from, for the fix of an endpoint that does not answer. @default - the environment */
  readonly connection?: ConnectionContext;
}

/** The error for an S3 that cannot be reached, or `undefined` when `error` is another failure. */
function unreachable(target: MigrationTarget, error: unknown) {
  const translated =
    error instanceof S3NetworkError ? error : translateS3Error(error, { bucket: '', region: '' });
  if (!(translated instanceof S3NetworkError)) return undefined;
  const cause = (translated.cause ?? error) as { message?: string; code?: string };
  return new EndpointUnreachableError(
    target.endpoint,
    cause.message || cause.code || translated.message,
    unreachableFix(target.endpoint, target.connection ?? {}),
    error,
  );
}

function statusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  return sdkError(error).name ?? 'Error';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function missingSource(bucket: string, cause: unknown): SourceBucketError {
  const message = `Source bucket "${bucket}" does not exist. Check the bucket name in --from.`;
  return new SourceBucketError(message, { cause });
}

/** The source bucket's region, from HeadBucket's answer or its redirect. */
async function detectSourceRegion(client: S3Client, bucket: string): Promise<string | undefined> {
  try {
    return (await client.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion;
  } catch (error) {
    const region = bucketRegionFromError(error);
    if (region) return region;
    if (statusOf(error) === 404 || nameOf(error) === 'NoSuchBucket') {
      throw missingSource(bucket, error);
    }
    // A 403 or an unreachable endpoint: the listing that follows reports it with its fix.
    return undefined;
  }
}

function sourceListingError(settings: Settings, error: unknown): Error {
  const { target, source, sourceRegion: region } = settings;
  const uri = formatS3Uri(source.bucket, source.prefix);
  const network = unreachable(target, error);
  if (network) return network;
  const name = nameOf(error);
  const status = statusOf(error);
  if (name === 'NoSuchBucket' || status === 404) return missingSource(source.bucket, error);
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || status === 403) {
    return new SourceBucketError(
      `Access denied listing ${uri} (${name}). The caller needs s3:ListBucket on ` +
        `arn:aws:s3:::${source.bucket} and s3:GetObject on arn:aws:s3:::${source.bucket}/* to ` +
        'migrate from it; check the credentials (BACKEND_AWS_KEY, AWS_PROFILE or the role).',
      { cause: error },
    );
  }
  const bucketRegion = bucketRegionFromError(error);
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    return new SourceBucketError(
      `Source bucket "${source.bucket}" is not in ${region}` +
        `${bucketRegion ? `: it is in ${bucketRegion}. Pass --from-region ${bucketRegion}.` : '. Pass --from-region with its region.'}`,
      { cause: error },
    );
  }
  return new SourceBucketError(`Listing ${uri} failed: ${messageOf(error)}`, {
    cause: error,
  });
}

/** A failed copy's reason, with the fix when the cause is known. */
function copyFailureReason(
  { source, bucket }: Settings,
  error: unknown,
  sourceKey: string,
  destinationKey: string,
): string {
  const name = nameOf(error);
  const status = statusOf(error);
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || status === 403) {
    return (
      `Access denied (${name}): copying needs s3:GetObject on arn:aws:s3:::${source.bucket}/${sourceKey} ` +
      `and s3:PutObject on arn:aws:s3:::${bucket}/${destinationKey}.`
    );
  }
  if (name === 'NoSuchKey') {
    return 'The source object was deleted after it was listed; nothing to copy.';
  }
  if (error instanceof PreconditionFailedError && error.side === 'unknown') {
    return (
      'S3 refused the copy with 412 PreconditionFailed: the source or the destination object ' +
      'changed after it was listed, and the source could not be read to tell which. Nothing ' +
      'was written; rerun to compare them again.'
    );
  }
  // A 412 on the destination's condition is a conflict, handled before this.
  if (name === 'PreconditionFailed' || status === 412) {
    return 'The source object changed after it was listed; rerun to copy its new version.';
  }
  return messageOf(error);
}

/** A migration's options checked, and its buckets, prefixes and clients resolved. */
async function prepare(target: MigrationTarget, options: MigrationOptions) {
  const storage = target.storage;
  const bucket = storage.getBucketName();
  // The command line's parsers have checked these numbers: runMigration has no other caller.
  const { concurrency = DEFAULT_CONCURRENCY, pageSize = DEFAULT_PAGE_SIZE } = options;
  const { multipartThresholdBytes = MAX_SINGLE_COPY_BYTES } = options;
  if (options.fromRegion !== undefined) validateRegion(options.fromRegion, '--from-region');
  const filter = createKeyFilter(options.include, options.exclude);

  const source = parseSourceUri(options.from);
  const destinationPrefix = resolveDestinationPrefix(storage.keys, options.to);
  if (source.bucket === bucket && destinationPrefix.startsWith(source.prefix)) {
    throw new InvalidOptionError(
      '--to',
      options.to,
      `it lies inside the source ${formatS3Uri(source.bucket, source.prefix)}, so the copies ` +
        'would be listed and copied again. Choose a source prefix that does not contain it.',
    );
  }

  const destinationClient = storage.getClient();
  const sourceRegion =
    options.fromRegion ??
    (await detectSourceRegion(destinationClient, source.bucket)) ??
    storage.getRegion();
  const sourceClient =
    sourceRegion === storage.getRegion() ? destinationClient : target.clientForRegion(sourceRegion);
  const copier: CopierOptions = {
    sourceClient,
    destinationClient,
    multipartThresholdBytes,
    partSizeBytes: options.partSizeBytes,
    partConcurrency: DEFAULT_PART_CONCURRENCY,
  };
  return {
    target,
    storage,
    filter,
    source,
    sourceRegion,
    bucket,
    destinationPrefix,
    sourceClient,
    destinationClient,
    copier,
    concurrency,
    pageSize,
  };
}

type Settings = Awaited<ReturnType<typeof prepare>>;

/** Which count each action adds to. */
const COUNTED = {
  copy: 'copied',
  overwrite: 'copied',
  skip: 'skipped',
  conflict: 'conflicts',
  refuse: 'refused',
  fail: 'failed',
} as const;

/** One run: the destination's index, the counts, and the outcome of every object. */
class Migration {
  private readonly counts = {
    /** Objects found under the source prefix that the filters select. */
    listed: 0,
    /** Objects found under the source prefix that `include`/`exclude` leave out. */
    excluded: 0,
    /** Overwrites included (in a dry run: would be copied). */
    copied: 0,
    skipped: 0,
    conflicts: 0,
    refused: 0,
    failed: 0,
    /** Compared after copying with `verify`, and found equal or different. */
    verified: 0,
    verifyFailed: 0,
  };
  private listedBytes = 0;
  private copiedBytes = 0;
  private done = 0;
  private doneBytes = 0;
  private listingDone = false;
  private readonly conflicts: ObjectOutcome[] = [];
  private readonly refusals: ObjectOutcome[] = [];
  private readonly failures: ObjectOutcome[] = [];
  private readonly plan: ObjectOutcome[] = [];
  /** What is already at the destination, by key. */
  private readonly existing = new Map<string, ListedObject>();

  public constructor(
    private readonly settings: Settings,
    private readonly options: MigrationOptions,
    private readonly startedAt: number,
  ) {}

  public async run() {
    await this.indexDestination();
    await this.copyAll();
    return this.report();
  }

  /** One listing of the destination prefix instead of a HEAD per object. */
  private async indexDestination(): Promise<void> {
    const { bucket, destinationClient, destinationPrefix, pageSize, storage } = this.settings;
    try {
      const request = { bucket, prefix: destinationPrefix, pageSize };
      for await (const page of listObjectPages(destinationClient, request)) {
        for (const object of page) this.existing.set(object.key, object);
      }
    } catch (error) {
      throw (
        unreachable(this.settings.target, error) ??
        translateS3Error(error, { bucket, region: storage.getRegion() })
      );
    }
  }

  /** Lists the source a page at a time and hands each object to a bounded pool of copies. */
  private async copyAll(): Promise<void> {
    const { source, sourceClient, pageSize, concurrency, filter } = this.settings;
    const { signal, progress } = this.options;
    const limit = pLimit(concurrency);
    const running = new Set<Promise<void>>();
    // A bounded backlog: the next page is listed once most of the queued objects have started.
    const backlog = Math.max(concurrency * 4, 64);
    let listingError: Error | undefined;
    progress?.start(this.snapshot());
    try {
      const request = { bucket: source.bucket, prefix: source.prefix, pageSize };
      pages: for await (const page of listObjectPages(sourceClient, request)) {
        for (const object of page) {
          if (signal?.aborted) break pages;
          if (!filter(object.key.slice(source.prefix.length))) {
            this.counts.excluded++;
            continue;
          }
          this.counts.listed++;
          this.listedBytes += object.sizeBytes;
          const task = limit(() => this.handle(object));
          running.add(task);
          task.then(() => running.delete(task));
        }
        progress?.update(this.snapshot());
        while (running.size > backlog) await Promise.race(running);
      }
    } catch (error) {
      if (!signal?.aborted) listingError = sourceListingError(this.settings, error);
    }
    this.listingDone = !signal?.aborted && listingError === undefined;
    await Promise.all(running);
    progress?.stop(this.snapshot());
    if (listingError) throw listingError;
  }

  /** Decides, copies and records one object. Never throws: a failure is an outcome. */
  private async handle(object: ListedObject): Promise<void> {
    // Queued before Ctrl-C but not started: left for the rerun.
    if (this.options.signal?.aborted) return;
    const base = { sourceKey: object.key, sizeBytes: object.sizeBytes };
    try {
      const { source, destinationPrefix } = this.settings;
      const layout: KeyLayout = this.settings.storage.keys;
      if (object.key === source.prefix) {
        this.record({ ...base, action: 'skip', reason: 'the folder marker of the source prefix' });
        return;
      }
      const destinationKey = destinationKeyFor(source, destinationPrefix, object.key);
      layout.assertKeyInLayout(destinationKey);
      if (!this.options.allowUnlisted && !isServedKey(layout, destinationKey)) {
        const reason = this.refusalReason(object.key, destinationKey);
        this.record({ ...base, destinationKey, action: 'refuse', reason });
        return;
      }
      const outcome: ObjectOutcome = {
        ...base,
        destinationKey,
        ...(await this.decide(object, destinationKey)),
      };
      if (this.options.dryRun || outcome.action === 'conflict') {
        this.record(outcome);
        return;
      }
      // decide() says copy, overwrite or skip here.
      const failure =
        outcome.action === 'skip' ? undefined : await this.copy(object, destinationKey);
      if (failure) {
        this.record(failure);
        return;
      }
      if (this.options.verify) await this.verify(object, destinationKey);
      this.record(outcome);
    } catch (error) {
      this.record({ ...base, action: 'fail', reason: messageOf(error), errorName: nameOf(error) });
    }
  }

  /** Why a key is refused, and the `--to` (or `--from`) that would put it where a route reads it. */
  private refusalReason(sourceKey: string, destinationKey: string): string {
    const { source, storage } = this.settings;
    const layout = storage.keys;
    // Only where the user chose to put it: a subject image is no fix for an illustration.
    const chosen = layout.areaOf(destinationKey);
    const mapping = servedMapping(
      layout,
      sourceKey.slice(source.prefix.length),
      chosen === undefined ? undefined : relatedAreas(layout, chosen),
    );
    const refused = `no route of the API reads ${destinationKey}`;
    if (!mapping) return `${refused}, and no --to would: its name fits no key the API reads.`;
    const to = mapping.areas.map((area) => `--to ${area}`).join(' or ');
    const from = mapping.sourceSubPrefix
      ? `--from ${formatS3Uri(source.bucket, `${source.prefix}${mapping.sourceSubPrefix}`)} `
      : '';
    return `${refused}; ${from}${to} would put it at ${mapping.exampleKey}.`;
  }

  /** What every refusal has in common, said once. */
  private refusalHint(): string {
    const layout = this.settings.storage.keys;
    return (
      'No route of the API reads the refused keys, so the app would never show them: it reads ' +
      `${servedKeyShapes(layout)}. Map them as each says, or pass --allow-unlisted to copy ` +
      `them as an archive that no route serves (for example --to ${layout.areaPrefix('generated')}legacy/).`
    );
  }

  /** Copy, skip (identical), overwrite or conflict, from what the destination holds. */
  private async decide(
    object: ListedObject,
    destinationKey: string,
  ): Promise<Pick<ObjectOutcome, 'action' | 'reason'>> {
    const found = this.existing.get(destinationKey);
    if (!found) return { action: 'copy' };
    if (
      sameSizeAndEtag(object, found) ||
      (found.sizeBytes === object.sizeBytes && (await this.sameByChecksum(object, destinationKey)))
    ) {
      return { action: 'skip', reason: 'identical object already at the destination' };
    }
    const difference =
      `the destination holds a different object (${found.sizeBytes} bytes, ETag ${found.etag}; ` +
      `source ${object.sizeBytes} bytes, ETag ${object.etag})`;
    if (!this.options.overwrite) {
      return { action: 'conflict', reason: `${difference}. Rerun with --overwrite to replace it.` };
    }
    if (found.etag) return { action: 'overwrite', reason: difference };
    return {
      action: 'conflict',
      reason:
        `${difference}, and the listing gave no ETag for it, so it cannot be replaced on ` +
        'the condition that it is still that object. Replace it by hand.',
    };
  }

  /**
   * Copies on the condition that the destination is still as listed: absent, or (to overwrite)
   * the object with the listed ETag.
   * @returns the failure's or the conflict's outcome, or `undefined` when the copy succeeded.
   */
  private async copy(
    object: ListedObject,
    destinationKey: string,
  ): Promise<ObjectOutcome | undefined> {
    const { source, bucket, copier } = this.settings;
    const base = { sourceKey: object.key, destinationKey, sizeBytes: object.sizeBytes };
    const listed = this.existing.get(destinationKey);
    // decide() never overwrites an object listed without an ETag.
    const destinationPrecondition: DestinationPrecondition = listed?.etag
      ? { etag: listed.etag }
      : { absent: true };
    try {
      await copyObject(
        {
          sourceBucket: source.bucket,
          sourceKey: object.key,
          sourceEtag: object.etag,
          sizeBytes: object.sizeBytes,
          destinationBucket: bucket,
          destinationKey,
          destinationPrecondition,
        },
        copier,
      );
      return undefined;
    } catch (error) {
      if (error instanceof PreconditionFailedError && error.side === 'destination') {
        const reason = await this.destinationChanged(object, destinationKey, listed, error);
        return reason === undefined ? undefined : { ...base, action: 'conflict', reason };
      }
      return {
        ...base,
        action: 'fail',
        reason: copyFailureReason(this.settings, error, object.key, destinationKey),
        errorName: nameOf(error),
        attempts: error instanceof RequestFailedError ? error.attempts : 1,
      };
    }
  }

  /**
   * S3 refused the copy because the destination is no longer what the listing showed. Unless it
   * now holds this very object (an earlier try of this copy that S3 completed but whose answer
   * was lost, or another run's copy), it is a conflict: left alone, and reported.
   * @returns the conflict's reason, or `undefined` when the destination holds the source's object.
   */
  private async destinationChanged(
    object: ListedObject,
    destinationKey: string,
    listed: ListedObject | undefined,
    error: PreconditionFailedError,
  ): Promise<string | undefined> {
    const { bucket, destinationClient } = this.settings;
    let now: string;
    try {
      const head = await destinationClient.send(
        new HeadObjectCommand({ Bucket: bucket, Key: destinationKey }),
      );
      const current = { key: destinationKey, sizeBytes: head.ContentLength ?? -1, etag: head.ETag };
      if (sameSizeAndEtag(object, current)) return undefined;
      now = `it now holds ${current.sizeBytes} bytes, ETag ${current.etag}`;
    } catch (headError) {
      now =
        statusOf(headError) === 404 || nameOf(headError) === 'NotFound'
          ? 'it is now absent'
          : `it could not be read again: ${messageOf(headError)}`;
    }
    const was = listed
      ? `listed with ${listed.sizeBytes} bytes, ETag ${listed.etag}`
      : 'absent when listed';
    return (
      `the destination changed since it was listed (${was}; ${now}), so S3 refused the ` +
      `copy (${nameOf(error)}, HTTP ${statusOf(error) ?? 412}) and it was left alone. Rerun ` +
      `to compare it again${this.options.overwrite ? '' : ', with --overwrite to replace it'}.`
    );
  }

  /** HEADs of the source object and its copy, with their checksums. */
  private heads(object: ListedObject, destinationKey: string) {
    const { source, bucket, sourceClient, destinationClient } = this.settings;
    const head = (client: S3Client, Bucket: string, Key: string) =>
      client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    return Promise.all([
      head(sourceClient, source.bucket, object.key),
      head(destinationClient, bucket, destinationKey),
    ]);
  }

  private async sameByChecksum(object: ListedObject, destinationKey: string): Promise<boolean> {
    try {
      return sameChecksum(...(await this.heads(object, destinationKey)));
    } catch {
      // Cannot tell: treat as different, which never overwrites without --overwrite.
      return false;
    }
  }

  private async verify(object: ListedObject, destinationKey: string): Promise<void> {
    const base = { sourceKey: object.key, destinationKey, sizeBytes: object.sizeBytes };
    let failure: Pick<ObjectOutcome, 'reason' | 'errorName'>;
    try {
      const differences = compareHeads(...(await this.heads(object, destinationKey)));
      if (differences.length === 0) {
        this.counts.verified++;
        return;
      }
      failure = { reason: `verify: the copy differs from the source: ${differences.join('; ')}` };
    } catch (error) {
      const reason = `verify: could not read both objects: ${messageOf(error)}`;
      failure = { reason, errorName: nameOf(error) };
    }
    this.counts.verifyFailed++;
    this.failures.push({ ...base, action: 'fail', ...failure });
  }

  private record(outcome: ObjectOutcome): void {
    const { action, sizeBytes } = outcome;
    this.done++;
    this.doneBytes += sizeBytes;
    this.counts[COUNTED[action]]++;
    if (this.options.dryRun) this.plan.push(outcome);
    else if (COUNTED[action] === 'copied') this.copiedBytes += sizeBytes;
    if (action === 'conflict') this.conflicts.push(outcome);
    if (action === 'refuse') this.refusals.push(outcome);
    if (action === 'fail') this.failures.push(outcome);
    this.options.progress?.update(this.snapshot());
  }

  private snapshot(): ProgressSnapshot {
    const { listedBytes, listingDone, done, doneBytes } = this;
    const dryRun = this.options.dryRun === true;
    const elapsedMs = performance.now() - this.startedAt;
    return { ...this.counts, dryRun, listedBytes, listingDone, done, doneBytes, elapsedMs };
  }

  private report() {
    const { counts, settings, options } = this;
    const interrupted = options.signal?.aborted === true;
    const durationMs = performance.now() - this.startedAt;
    const { failed, conflicts, refused, verifyFailed } = counts;
    return {
      /** Every listed object is in place: none failed, conflicted, was refused or differs. */
      ok: !interrupted && failed + conflicts + refused + verifyFailed === 0,
      dryRun: options.dryRun === true,
      /** Stopped (Ctrl-C) before every object was handled. */
      interrupted,
      source: formatS3Uri(settings.source.bucket, settings.source.prefix),
      destination: formatS3Uri(settings.bucket, settings.destinationPrefix),
      counts: { ...counts },
      bytes: { listed: this.listedBytes, copied: this.copiedBytes },
      durationMs: Math.round(durationMs),
      /** Objects handled (copied, skipped or refused) per second. */
      objectsPerSecond: durationMs > 0 ? Math.round((this.done / durationMs) * 10_000) / 10 : 0,
      conflicts: this.conflicts,
      refusals: this.refusals,
      /** When there are refusals: which keys the API reads, and how to copy the others anyway. */
      ...(this.refusals.length > 0 ? { refusalHint: this.refusalHint() } : {}),
      failures: this.failures,
      /** Dry run only: every object and what would be done with it. */
      ...(options.dryRun ? { plan: this.plan } : {}),
    };
  }
}

/**
 * Copies every object under `--from` into the configured bucket under `--to`, server-side, as
 * migrate's help says. Failures of single objects are collected in the report, not thrown.
 * @throws InvalidOptionError for bad options; SourceBucketError when the source cannot be
 *   listed; the storage package's errors when the destination cannot be.
 */
export async function runMigration(target: MigrationTarget, options: MigrationOptions) {
  const startedAt = performance.now();
  const settings = await prepare(target, options);
  return new Migration(settings, options, startedAt).run();
}
