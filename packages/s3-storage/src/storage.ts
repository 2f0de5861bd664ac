import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { SmithyResolvedConfiguration } from '@smithy/core/client';
import type { Command, HttpHandlerOptions } from '@smithy/types';
import {
  DEFAULT_ALLOWED_CONTENT_TYPES,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_READ_SIZE_BYTES,
  DEFAULT_MAX_UPLOAD_SIZE_BYTES,
  DEFAULT_PREFIXES,
  DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
  DEFAULT_REGION,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_PRESIGN_EXPIRES_IN_SECONDS,
  MAX_READ_SIZE_LIMIT_BYTES,
} from './constants.ts';
import { callDeadlineMs, retryStrategyFor, withDeadline } from './deadline.ts';
import {
  detectRuntime,
  getAwsClientConfig,
  loadConfigFromEnv,
  validateBucketName,
  validateRegion,
} from './env.ts';
import {
  DeletionIncompleteError,
  ForeignBucketError,
  InvalidArgumentError,
  ObjectNotFoundError,
  S3RequestError,
} from './errors.ts';
import { KeyLayout } from './key-layout.ts';
import { Presigner } from './presigner.ts';
import { readObject } from './read.ts';
import { translateS3Error } from './translate-error.ts';
import type { S3StorageConfig } from './types/config.ts';
import type { GeneratedKeyOptions, GeneratedKind, StorageArea } from './types/key-layout.ts';
import type {
  CallOptions,
  DeleteUserDataOptions,
  GeneratedIllustration,
  GeneratedIllustrationPage,
  ListedObject,
  ListGeneratedOptions,
  ObjectInfo,
  PresignedDownloadOptions,
  PresignedPost,
  PresignedPostOptions,
  PresignedUpload,
  PresignedUploadOptions,
  PutObjectOptions,
  ReadObjectOptions,
  S3StorageOptions,
  S3Uri,
  UploadTarget,
} from './types/storage.ts';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const DELETE_BATCH_SIZE = 1000;

type SendConfig = SmithyResolvedConfiguration<HttpHandlerOptions>;

function completeConfig(partial: S3StorageOptions['config']): S3StorageConfig {
  if (partial === undefined) return loadConfigFromEnv();
  return {
    region: DEFAULT_REGION,
    prefixes: DEFAULT_PREFIXES,
    forcePathStyle: partial.endpoint !== undefined,
    useAccelerateEndpoint: false,
    runtime: detectRuntime(),
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    maxReadSizeBytes: DEFAULT_MAX_READ_SIZE_BYTES,
    maxUploadSizeBytes: DEFAULT_MAX_UPLOAD_SIZE_BYTES,
    ...partial,
  };
}

function assertExpiry(expiresInSeconds: number): number {
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_PRESIGN_EXPIRES_IN_SECONDS
  ) {
    throw new InvalidArgumentError(
      'expiresInSeconds',
      `expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_EXPIRES_IN_SECONDS} (7 days), ` +
        `got ${String(expiresInSeconds)}.`,
    );
  }
  return expiresInSeconds;
}

function assertSize(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number of bytes from 1 to ${max}, got ${String(value)}. ` +
        'Send a smaller image, or raise S3_MAX_UPLOAD_SIZE_BYTES.',
    );
  }
  return value;
}

function assertReadSize(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_READ_SIZE_LIMIT_BYTES) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number of bytes from 1 to ${MAX_READ_SIZE_LIMIT_BYTES} (256 MiB, ` +
        `the most a base64 string can hold with room to spare), got ${String(value)}. ` +
        'Read larger objects as a stream with getClient() instead.',
    );
  }
  return value;
}

function assertPageSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * A key as x-amz-copy-source wants it: URL-encoded, with `/` kept. `encodeURI` alone leaves
 * `+`, `?` and `#`, which S3 would read as a space, a query and a fragment.
 */
function encodeCopySourceKey(key: string): string {
  return encodeURI(key).replace(/[+?#]/g, encodeURIComponent);
}

function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The storage client: one bucket, one region, the key layout, presigned URLs and the object
 * operations the AutoBio server needs. Create it once (the package's `s3Client` is the
 * process-wide instance) and reuse it: the SDK client and the URL signer are kept.
 */
export class S3Storage {
  public readonly keys: KeyLayout;
  private readonly config: S3StorageConfig;
  private readonly client: S3Client;
  private readonly presigner: Presigner;
  private readonly allowedContentTypes: ReadonlySet<string>;
  private readonly listPageSize: number;
  /** The longest any call may take, its retries and their backoff included. */
  private readonly deadlineMs: number;

  public constructor(options: S3StorageOptions = {}) {
    const config = completeConfig(options.config);
    validateBucketName(config.bucketName);
    validateRegion(config.region);
    this.config = config;
    this.keys = new KeyLayout(config.prefixes);
    this.client =
      options.client ??
      new S3Client({
        ...getAwsClientConfig(config.region, {
          config,
          ...(options.warn ? { warn: options.warn } : {}),
        }),
        retryStrategy: retryStrategyFor(config.maxAttempts),
      });
    this.presigner = new Presigner(this.client, config.bucketName);
    this.deadlineMs = callDeadlineMs(config.maxAttempts, config.requestTimeoutMs);
    this.allowedContentTypes = new Set(
      options.allowedContentTypes ?? DEFAULT_ALLOWED_CONTENT_TYPES,
    );
    this.listPageSize = assertPageSize('listPageSize', options.listPageSize ?? MAX_PAGE_SIZE);
    assertReadSize('maxReadSizeBytes', config.maxReadSizeBytes);
  }

  /** The bucket of this environment. */
  public getBucketName(): string {
    return this.config.bucketName;
  }

  /** The bucket's region. */
  public getRegion(): string {
    return this.config.region;
  }

  /** The underlying SDK client, for operations this class does not wrap. */
  public getClient(): S3Client {
    return this.client;
  }

  /** The configuration in force (credentials left out). */
  public getConfig(): Omit<S3StorageConfig, 'credentials'> {
    const { credentials: _credentials, ...rest } = this.config;
    return rest;
  }

  /** `subjects/{userId}.png`. @throws InvalidKeyError for a bad user id. */
  public getSubjectKey(userId: string): string {
    return this.keys.subjectKey(userId);
  }

  /** `avatars/{userId}.png`. @throws InvalidKeyError for a bad user id. */
  public getAvatarKey(userId: string): string {
    return this.keys.avatarKey(userId);
  }

  /** `generated/{kind}/{userId}/{timestamp}-{uuid}.png`. @throws InvalidKeyError */
  public getGeneratedKey(
    kind: GeneratedKind,
    userId: string,
    options?: GeneratedKeyOptions,
  ): string {
    return this.keys.generatedKey(kind, userId, options);
  }

  /** `stubs/{name}.png`. @throws InvalidKeyError for a bad name. */
  public getStubKey(name: string): string {
    return this.keys.stubKey(name);
  }

  /** The key prefix of a named part of the layout. */
  public getAreaPrefix(area: StorageArea): string {
    return this.keys.areaPrefix(area);
  }

  /** Whether uploads of this content type are accepted. */
  public isAllowedContentType(contentType: string): boolean {
    return this.allowedContentTypes.has(contentType);
  }

  /**
   * A presigned PUT for the user's subject image (or avatar, with `target: 'avatar'`). The
   * content type is signed, so S3 refuses an upload that sends another; with
   * `contentLengthBytes` the size is signed too. The URL carries no checksum parameters, so a
   * browser can use it with a plain `fetch`.
   * @throws InvalidKeyError, InvalidArgumentError before any request is made.
   */
  public async generatePresignedUploadUrl(
    userId: string,
    contentType: string,
    options: PresignedUploadOptions = {},
  ): Promise<PresignedUpload> {
    const key = this.uploadKey(userId, options.target);
    this.assertContentType(contentType);
    const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (options.contentLengthBytes !== undefined) {
      headers['content-length'] = String(
        assertSize(
          'contentLengthBytes',
          options.contentLengthBytes,
          this.config.maxUploadSizeBytes,
        ),
      );
    }
    const signingDate = options.signingDate ?? new Date();
    const url = await this.presigner.presign({
      method: 'PUT',
      key,
      headers,
      expiresInSeconds: expiresIn,
      signingDate,
    });
    return {
      method: 'PUT',
      url,
      key,
      headers,
      expiresAt: new Date(signingDate.getTime() + expiresIn * 1000),
    };
  }

  /**
   * A presigned POST form for a browser upload of the user's subject image or avatar, with a
   * `content-length-range` condition (1 byte to `maxSizeBytes`) and the content type pinned.
   */
  public async generatePresignedUploadPost(
    userId: string,
    contentType: string,
    options: PresignedPostOptions = {},
  ): Promise<PresignedPost> {
    const key = this.uploadKey(userId, options.target);
    this.assertContentType(contentType);
    const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
    const maxSizeBytes = assertSize(
      'maxSizeBytes',
      options.maxSizeBytes ?? this.config.maxUploadSizeBytes,
      this.config.maxUploadSizeBytes,
    );
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.config.bucketName,
      Key: key,
      Conditions: [
        ['content-length-range', 1, maxSizeBytes],
        ['eq', '$Content-Type', contentType],
      ],
      Fields: { 'Content-Type': contentType },
      Expires: expiresIn,
    });
    return { method: 'POST', url, key, fields, maxSizeBytes, expiresAt };
  }

  /**
   * A presigned GET for a key of the layout.
   * @throws InvalidKeyError for a key outside the layout; ObjectNotFoundError with `checkExists`.
   */
  public async generatePresignedDownloadUrl(
    key: string,
    options: PresignedDownloadOptions = {},
  ): Promise<string> {
    this.keys.assertKeyInLayout(key);
    const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
    if (options.checkExists && !(await this.findObject(key, options))) {
      throw new ObjectNotFoundError(this.config.bucketName, key);
    }
    return this.presigner.presign({
      method: 'GET',
      key,
      expiresInSeconds: expiresIn,
      ...(options.responseContentDisposition !== undefined
        ? { query: { 'response-content-disposition': options.responseContentDisposition } }
        : {}),
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    });
  }

  /**
   * Reads an object into one buffer sized from its Content-Length and returns it as base64. S3
   * is asked for the object's checksum, which the SDK checks the body against, and the body
   * must be exactly as long as declared; a body that fails is read again within the
   * S3_MAX_ATTEMPTS of the call.
   * @throws ForeignBucketError when `bucketName` is not this environment's bucket;
   *   ObjectTooLargeError over the limit; ObjectNotFoundError when absent; S3IntegrityError
   *   when no attempt brought the object intact.
   */
  public async getObjectAsBase64(
    bucketName: string,
    key: string,
    options: ReadObjectOptions = {},
  ): Promise<string> {
    if (bucketName !== this.config.bucketName) {
      throw new ForeignBucketError(
        `s3://${bucketName}/${key}`,
        this.config.bucketName,
        `is in bucket "${bucketName}", not this environment's bucket "${this.config.bucketName}"`,
      );
    }
    this.keys.assertKeyInLayout(key);
    const maxSizeBytes =
      options.maxSizeBytes === undefined
        ? this.config.maxReadSizeBytes
        : assertReadSize('maxSizeBytes', options.maxSizeBytes);
    const bytes = await withDeadline(this.deadlineMs, options.abortSignal, (signal, passed) =>
      readObject({
        client: this.client,
        context: { bucket: this.config.bucketName, key, region: this.config.region },
        maxAttempts: this.config.maxAttempts,
        maxSizeBytes,
        signal,
        passed,
      }),
    );
    return bytes.toString('base64');
  }

  /** Writes an object at a key of the layout. */
  public async putObject(
    key: string,
    body: PutObjectCommandInput['Body'],
    options: PutObjectOptions = {},
  ): Promise<void> {
    this.keys.assertKeyInLayout(key);
    await this.send(
      key,
      new PutObjectCommand({
        Bucket: this.config.bucketName,
        Key: key,
        Body: body,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...(options.metadata ? { Metadata: { ...options.metadata } } : {}),
      }),
      options,
    );
  }

  /** Size, type, ETag and metadata of an object. @throws ObjectNotFoundError when absent. */
  public async headObject(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    this.keys.assertKeyInLayout(key);
    const head = await this.send(
      key,
      new HeadObjectCommand({ Bucket: this.config.bucketName, Key: key }),
      options,
    );
    return {
      key,
      sizeBytes: head.ContentLength ?? 0,
      contentType: head.ContentType,
      etag: head.ETag,
      lastModified: head.LastModified,
      metadata: head.Metadata ?? {},
    };
  }

  /**
   * The object at `key`, found by listing the key itself, or `undefined` when there is none.
   * A listing, not a HEAD: under a prefix-conditioned `s3:ListBucket` grant S3 answers a HEAD
   * of a missing key with 403, which would make "absent" look like "denied".
   */
  public async findObject(
    key: string,
    options: CallOptions = {},
  ): Promise<ListedObject | undefined> {
    this.keys.assertKeyInLayout(key);
    // Keys list in ascending order, so the key itself comes before any longer key it prefixes.
    const response = await this.send(
      key,
      new ListObjectsV2Command({ Bucket: this.config.bucketName, Prefix: key, MaxKeys: 1 }),
      options,
    );
    const first = response.Contents?.[0];
    if (first?.Key !== key) return undefined;
    return { key, sizeBytes: first.Size ?? 0, lastModified: first.LastModified, etag: first.ETag };
  }

  /** Whether an object exists at the key (see {@link findObject}). */
  public async objectExists(key: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.findObject(key, options)) !== undefined;
  }

  /** Deletes an object; deleting an absent key succeeds, as in S3. */
  public async deleteObject(key: string, options: CallOptions = {}): Promise<void> {
    this.keys.assertKeyInLayout(key);
    await this.send(
      key,
      new DeleteObjectCommand({ Bucket: this.config.bucketName, Key: key }),
      options,
    );
  }

  /** Server-side copy within the bucket, keeping content type and metadata. */
  public async copyObject(
    sourceKey: string,
    destinationKey: string,
    options: CallOptions = {},
  ): Promise<void> {
    this.keys.assertKeyInLayout(sourceKey);
    this.keys.assertKeyInLayout(destinationKey);
    await this.send(
      sourceKey,
      new CopyObjectCommand({
        Bucket: this.config.bucketName,
        Key: destinationKey,
        CopySource: `${this.config.bucketName}/${encodeCopySourceKey(sourceKey)}`,
        MetadataDirective: 'COPY',
      }),
      options,
    );
  }

  /**
   * Every key under a prefix of the layout, page by page, in S3's (ascending) order. Each page
   * is a call with a deadline of its own (the SDK's paginator would give all pages one).
   */
  public async *listKeys(prefix: string, options: CallOptions = {}): AsyncGenerator<ListedObject> {
    this.keys.assertKeyInLayout(`${prefix}x`);
    let token: string | undefined;
    do {
      const page = await this.send(
        prefix,
        new ListObjectsV2Command({
          Bucket: this.config.bucketName,
          Prefix: prefix,
          MaxKeys: this.listPageSize,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        options,
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          yield {
            key: object.Key,
            sizeBytes: object.Size ?? 0,
            lastModified: object.LastModified,
            etag: object.ETag,
          };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A page of the user's generated illustrations of one kind, newest first. S3 lists keys in
   * ascending order only, so the user's prefix is listed whole and sorted; the fixed-width
   * timestamp makes key order time order. The cursor is the last key of the previous page.
   */
  public async listGeneratedIllustrations(
    userId: string,
    kind: GeneratedKind,
    options: ListGeneratedOptions = {},
  ): Promise<GeneratedIllustrationPage> {
    const prefix = this.keys.generatedUserPrefix(kind, userId);
    const limit = assertPageSize('limit', options.limit ?? DEFAULT_PAGE_SIZE);
    let after: string | undefined;
    if (options.cursor !== undefined) {
      after = Buffer.from(options.cursor, 'base64url').toString('utf8');
      const parsed = this.keys.parseGeneratedKey(after);
      if (
        parsed?.userId !== userId ||
        parsed.kind !== kind ||
        !after.startsWith(prefix) ||
        encodeCursor(after) !== options.cursor
      ) {
        throw new InvalidArgumentError(
          'cursor',
          `cursor ${JSON.stringify(options.cursor)} is not a cursor of this listing: pass back the ` +
            'nextCursor of the previous page, or leave it out for the first page.',
        );
      }
    }
    const all: GeneratedIllustration[] = [];
    for await (const object of this.listKeys(prefix, options)) {
      const parsed = this.keys.parseGeneratedKey(object.key);
      if (!parsed || parsed.userId !== userId || parsed.kind !== kind) continue;
      if (after !== undefined && object.key >= after) continue;
      all.push({
        key: object.key,
        kind,
        createdAt: new Date(parsed.timestampMs),
        sizeBytes: object.sizeBytes,
      });
    }
    all.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const items = all.slice(0, limit);
    const last = items.at(-1);
    return all.length > limit && last ? { items, nextCursor: encodeCursor(last.key) } : { items };
  }

  /**
   * Deletes every object of one user under every prefix (subject image, avatar, generated
   * illustrations of each kind), for account deletion. Idempotent: a second run deletes 0.
   * With `allVersions`, a versioned bucket keeps nothing of the user: every version and
   * delete marker of their keys goes too. The current objects are deleted first without a
   * version id, so a replica bucket receives delete markers (its noncurrent versions then
   * expire by its lifecycle).
   * @returns how many of the user's keys were deleted, per area.
   * @throws DeletionIncompleteError naming what is left when S3 refused to delete some of it
   *   (every DeleteObjects result is checked); the other keys are deleted, and a rerun deletes
   *   only what is left.
   */
  public async deleteUserData(
    userId: string,
    options: DeleteUserDataOptions = {},
  ): Promise<Record<'subjects' | 'avatars' | `generated/${GeneratedKind}`, number>> {
    const userKeys = this.keys.userKeys(userId);
    const targets = {
      subjects: { prefix: userKeys.subject, exact: true },
      avatars: { prefix: userKeys.avatar, exact: true },
      'generated/memory': { prefix: userKeys.generated.memory, exact: false },
      'generated/subject': { prefix: userKeys.generated.subject, exact: false },
    } as const;
    const counts = { subjects: 0, avatars: 0, 'generated/memory': 0, 'generated/subject': 0 };
    const refused: NonNullable<DeleteObjectsCommandOutput['Errors']> = [];
    for (const [area, { prefix, exact }] of Object.entries(targets) as [
      keyof typeof targets,
      { prefix: string; exact: boolean },
    ][]) {
      // Current objects first, without a version id: S3 writes delete markers, which
      // replication carries to a replica bucket (version-specific deletes never replicate).
      const current = await this.listObjectsToDelete(prefix, exact, options);
      refused.push(...(await this.deleteKeys(current, options)));
      const versions = options.allVersions
        ? await this.listVersionsOrObjects(prefix, exact, options)
        : [];
      refused.push(...(await this.deleteKeys(versions, options)));
      counts[area] = new Set([...current, ...versions].map((o) => o.Key)).size;
    }
    if (refused.length > 0) {
      const first = refused[0]!;
      throw new DeletionIncompleteError(
        this.config.bucketName,
        refused.map((e) => (e.VersionId ? `${e.Key}?versionId=${e.VersionId}` : `${e.Key}`)),
        `S3 refused to delete them (${first.Code ?? 'an error'} for ${first.Key}: ${first.Message ?? 'no message'})`,
        {
          cause: translateS3Error(
            Object.assign(new Error(first.Message ?? 'delete refused'), { name: first.Code }),
            { bucket: this.config.bucketName, key: first.Key, region: this.config.region },
          ),
        },
      );
    }
    return counts;
  }

  /** `s3://{bucket}/{key}` for a key of this bucket, for the external illustration-gen service. */
  public toS3Uri(key: string): string {
    this.keys.assertKeyInLayout(key);
    return `s3://${this.config.bucketName}/${key}`;
  }

  /**
   * Checks that an S3 URI (from the illustration-gen service) is in this bucket and, when
   * given, under `expectedPrefix`, and returns its key.
   * @throws ForeignBucketError otherwise.
   */
  public assertOwnS3Uri(uri: string, options: { expectedPrefix?: string } = {}): string {
    const parsed = parseS3Uri(uri, this.config.bucketName);
    if (parsed.bucket !== this.config.bucketName) {
      throw new ForeignBucketError(
        uri,
        this.config.bucketName,
        `is in bucket "${parsed.bucket}", not this environment's bucket "${this.config.bucketName}"`,
      );
    }
    if (this.keys.areaOf(parsed.key) === undefined) {
      throw new ForeignBucketError(
        uri,
        this.config.bucketName,
        "points outside the bucket's key layout",
      );
    }
    if (options.expectedPrefix !== undefined && !parsed.key.startsWith(options.expectedPrefix)) {
      throw new ForeignBucketError(
        uri,
        this.config.bucketName,
        `is not under the expected prefix "${options.expectedPrefix}"`,
      );
    }
    return parsed.key;
  }

  private uploadKey(userId: string, target: UploadTarget = 'subject'): string {
    if (target === 'subject') return this.keys.subjectKey(userId);
    if (target === 'avatar') return this.keys.avatarKey(userId);
    throw new InvalidArgumentError(
      'target',
      `target must be "subject" or "avatar", got ${JSON.stringify(target)}.`,
    );
  }

  private assertContentType(contentType: string): void {
    if (!this.allowedContentTypes.has(contentType)) {
      throw new InvalidArgumentError(
        'contentType',
        `Content type ${JSON.stringify(contentType)} is not accepted: use one of ` +
          `${[...this.allowedContentTypes].join(', ')}.`,
      );
    }
  }

  /** The current objects under `prefix` (or at exactly that key). */
  private async listObjectsToDelete(
    prefix: string,
    exact: boolean,
    options: CallOptions,
  ): Promise<ObjectIdentifier[]> {
    if (exact) return (await this.findObject(prefix, options)) ? [{ Key: prefix }] : [];
    const objects: ObjectIdentifier[] = [];
    for await (const object of this.listKeys(prefix, options)) objects.push({ Key: object.key });
    return objects;
  }

  /**
   * Every version and delete marker under `prefix` (or of exactly that key); none on a store
   * without versioning (the embedded server answers 405).
   */
  private async listVersionsOrObjects(
    prefix: string,
    exact: boolean,
    options: CallOptions,
  ): Promise<ObjectIdentifier[]> {
    const found: ObjectIdentifier[] = [];
    // A listing may name an entry again on the next page (versitygw can repeat the one a page
    // ended on), and a batch that names a version twice fails on the second.
    const seen = new Set<string>();
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    try {
      do {
        const page = await this.send(
          prefix,
          new ListObjectVersionsCommand({
            Bucket: this.config.bucketName,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
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
      // No versioning on this store: its current objects, already deleted, were all there was.
      const status = error instanceof S3RequestError ? error.httpStatusCode : undefined;
      if (status === 405 || status === 501) return [];
      throw error;
    }
    return found;
  }

  /** Deletes the objects in batches; returns the entries S3 refused to delete. */
  private async deleteKeys(
    objects: readonly ObjectIdentifier[],
    options: CallOptions,
  ): Promise<NonNullable<DeleteObjectsCommandOutput['Errors']>> {
    const refused: NonNullable<DeleteObjectsCommandOutput['Errors']> = [];
    for (let start = 0; start < objects.length; start += DELETE_BATCH_SIZE) {
      const batch = objects.slice(start, start + DELETE_BATCH_SIZE);
      const result = await this.send(
        batch[0]?.Key,
        new DeleteObjectsCommand({
          Bucket: this.config.bucketName,
          Delete: { Objects: batch, Quiet: true },
        }),
        options,
      );
      refused.push(...(result.Errors ?? []));
    }
    return refused;
  }

  /**
   * Sends one command under the call's deadline (and the caller's signal) and turns its failure
   * into the package's typed error.
   */
  private send<Input extends ServiceInputTypes, Output extends ServiceOutputTypes>(
    key: string | undefined,
    command: Command<ServiceInputTypes, Input, ServiceOutputTypes, Output, SendConfig>,
    options: CallOptions,
  ): Promise<Output> {
    return withDeadline(this.deadlineMs, options.abortSignal, async (abortSignal, passed) => {
      try {
        return await this.client.send(command, { abortSignal });
      } catch (error) {
        throw translateS3Error(error, {
          bucket: this.config.bucketName,
          key,
          region: this.config.region,
          deadline: passed(),
        });
      }
    });
  }
}

/**
 * Takes `s3://bucket/key` apart; `expectedBucket` is named in the error's fix.
 * @throws ForeignBucketError for anything that is not an S3 URI with a bucket and a key.
 */
export function parseS3Uri(uri: string, expectedBucket = '(this bucket)'): S3Uri {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(typeof uri === 'string' ? uri : '');
  if (!match) {
    throw new ForeignBucketError(
      String(uri),
      expectedBucket,
      'is not an S3 URI of the form s3://bucket/key',
    );
  }
  return { bucket: match[1]!, key: match[2]! };
}

/** Builds a storage client; for tests and code that injects config or a client. */
export function createS3Storage(options: S3StorageOptions = {}): S3Storage {
  return new S3Storage(options);
}
