import { setTimeout as sleep } from 'node:timers/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  PutObjectCommand,
  type PutObjectCommandInput,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
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
import { readObjectDirect } from './direct-read.ts';
import {
  detectRuntime,
  getAwsClientConfig,
  loadConfigFromEnv,
  validateBucketName,
  validateRegion,
} from './env.ts';
import {
  ForeignBucketError,
  InvalidArgumentError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  S3TimeoutError,
} from './errors.ts';
import { KeyLayout } from './key-layout.ts';
import { FastPresigner } from './presigner.ts';
import { translateS3Error } from './translate-error.ts';
import type { S3StorageConfig } from './types/config.ts';
import type { GeneratedKeyOptions, GeneratedKind, StorageArea } from './types/key-layout.ts';
import type {
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
/** Longest wait before asking again after a 503 from S3, and after another 5xx (the SDK's). */
const THROTTLING_RETRY_DELAY_MS = 500;
const RETRY_DELAY_MS = 100;
/** Statuses of an S3 that is busy or failing for a while, not of a request it cannot serve. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);
const DIRECT_READ_WARNING_INTERVAL_MS = 60_000;

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
    directReads: true,
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

/** Reads a response body into one buffer sized from its Content-Length, as base64. */
async function readBodyAsBase64(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  key: string,
  declared: number | undefined,
  maxSizeBytes: number,
): Promise<string> {
  let buffer = Buffer.allocUnsafe(declared ?? Math.min(maxSizeBytes, 1024 * 1024));
  let length = 0;
  for await (const chunk of body) {
    if (length + chunk.length > buffer.length) {
      // Only when the server sent no Content-Length (or a wrong one): grow by doubling.
      if (length + chunk.length > maxSizeBytes) {
        body.destroy?.();
        throw new ObjectTooLargeError(key, length + chunk.length, maxSizeBytes);
      }
      const grown = Buffer.allocUnsafe(
        Math.min(maxSizeBytes, Math.max(buffer.length * 2, length + chunk.length)),
      );
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    buffer.set(chunk, length);
    length += chunk.length;
  }
  return buffer.toString('base64', 0, length);
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
  private readonly presigner: FastPresigner;
  private readonly allowedContentTypes: ReadonlySet<string>;
  private readonly listPageSize: number;
  /** Direct reads bypass the client's handler, so a client given in code keeps every request. */
  private readonly directReads: boolean;
  private readonly warn: (message: string) => void;
  private lastDirectReadWarning = Number.NEGATIVE_INFINITY;
  private heldBackWarnings = 0;

  public constructor(options: S3StorageOptions = {}) {
    const config = completeConfig(options.config);
    validateBucketName(config.bucketName);
    validateRegion(config.region);
    this.config = config;
    this.keys = new KeyLayout(config.prefixes);
    this.client =
      options.client ??
      new S3Client(
        getAwsClientConfig(config.region, {
          config,
          ...(options.warn ? { warn: options.warn } : {}),
        }),
      );
    this.presigner = new FastPresigner(this.client, config.bucketName);
    this.allowedContentTypes = new Set(
      options.allowedContentTypes ?? DEFAULT_ALLOWED_CONTENT_TYPES,
    );
    this.listPageSize = assertPageSize('listPageSize', options.listPageSize ?? MAX_PAGE_SIZE);
    assertReadSize('maxReadSizeBytes', config.maxReadSizeBytes);
    this.directReads = config.directReads && options.client === undefined;
    this.warn = options.warn ?? console.warn;
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
    if (options.checkExists && !(await this.findObject(key))) {
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
   * Reads an object into one buffer sized from its Content-Length and returns it as base64.
   * The body is read on a connection of its own, straight into the buffer (see
   * `readObjectDirect`); any answer but a plain 200 is asked again through the SDK client.
   * @throws ForeignBucketError when `bucketName` is not this environment's bucket;
   *   ObjectTooLargeError over the limit; ObjectNotFoundError when absent.
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
    if (!this.directReads) return this.readWithSdk(key, maxSizeBytes);
    const started = performance.now();
    const direct = await readObjectDirect(await this.presigner.signGet(key, this.clockNow()), {
      maxSizeBytes,
      connectionTimeoutMs: this.config.connectionTimeoutMs,
      requestTimeoutMs: this.config.requestTimeoutMs,
    });
    if (direct.outcome === 'read') return direct.body.toString('base64');
    if (direct.outcome === 'too-large') {
      throw new ObjectTooLargeError(key, direct.sizeBytes, maxSizeBytes);
    }
    const transient = direct.status !== undefined && TRANSIENT_STATUSES.has(direct.status);
    if (transient) {
      // S3 is busy or failing: wait as the SDK's retries would before asking again.
      const base = direct.status === 503 ? THROTTLING_RETRY_DELAY_MS : RETRY_DELAY_MS;
      await sleep(Math.random() * base);
    }
    // An error status, an unusual response or a network failure: the SDK asks again, retries and
    // names S3's error. The direct read was the first attempt, so the SDK's answer must start
    // within what is left of the time the attempts would have had (one request timeout at
    // least); once it starts, the body is bounded by the request timeout of silence only.
    const budgetMs = this.config.maxAttempts * this.config.requestTimeoutMs;
    const answerWithinMs = Math.max(
      this.config.requestTimeoutMs,
      Math.round(budgetMs - (performance.now() - started)),
    );
    const base64 = await this.readWithSdk(key, maxSizeBytes, answerWithinMs);
    // The SDK read what the direct read could not: unless S3 was only busy, the direct request
    // does not get through from here, and every read pays for two.
    if (!transient) {
      const where = `s3://${this.config.bucketName}/${key}`;
      this.warnAboutDirectReads(
        direct.status === undefined
          ? `A direct read of ${where} went through the SDK instead: ${direct.reason}. ` +
              'If this repeats, set S3_DIRECT_READS=false.'
          : `A direct read of ${where} was refused (${direct.reason}) and the SDK's read was not. ` +
              "Check this machine's clock and anything between it and S3, or set S3_DIRECT_READS=false.",
      );
    }
    return base64;
  }

  /** Now by S3's clock: the SDK learns the clock's offset from S3's answers. */
  private clockNow(): Date {
    const offset = (this.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0;
    return new Date(Date.now() + offset);
  }

  /** Warns at most once a minute, saying how many warnings were held back. */
  private warnAboutDirectReads(message: string): void {
    const now = performance.now();
    if (now - this.lastDirectReadWarning < DIRECT_READ_WARNING_INTERVAL_MS) {
      this.heldBackWarnings += 1;
      return;
    }
    const held = this.heldBackWarnings;
    this.lastDirectReadWarning = now;
    this.heldBackWarnings = 0;
    this.warn(
      held > 0 ? `${message} (${held} more such warnings held back since the last one.)` : message,
    );
  }

  /**
   * GetObject through the SDK client, read into one buffer sized from Content-Length. With
   * `answerWithinMs`, a response that has not started by then is a timeout.
   */
  private async readWithSdk(
    key: string,
    maxSizeBytes: number,
    answerWithinMs?: number,
  ): Promise<string> {
    const bucketName = this.config.bucketName;
    const deadline = answerWithinMs === undefined ? undefined : new AbortController();
    const timer = deadline && setTimeout(() => deadline.abort(), answerWithinMs);
    let response: GetObjectCommandOutput;
    try {
      response = await this.send(key, () =>
        this.client.send(
          new GetObjectCommand({ Bucket: bucketName, Key: key }),
          deadline ? { abortSignal: deadline.signal } : {},
        ),
      );
    } catch (error) {
      if (!deadline?.signal.aborted) throw error;
      throw new S3TimeoutError(
        bucketName,
        key,
        `no answer within ${answerWithinMs} ms after a first attempt that failed`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    const body = response.Body as
      | (AsyncIterable<Uint8Array> & { destroy?: () => void })
      | undefined;
    if (!body) return '';
    const declared = response.ContentLength;
    if (declared !== undefined && declared > maxSizeBytes) {
      body.destroy?.();
      throw new ObjectTooLargeError(key, declared, maxSizeBytes);
    }
    // A body gone silent for the request timeout fails with the SDK's socket timeout: typed too.
    return this.send(key, () => readBodyAsBase64(body, key, declared, maxSizeBytes));
  }

  /** Writes an object at a key of the layout. */
  public async putObject(
    key: string,
    body: PutObjectCommandInput['Body'],
    options: PutObjectOptions = {},
  ): Promise<void> {
    this.keys.assertKeyInLayout(key);
    await this.send(key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucketName,
          Key: key,
          Body: body,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.metadata ? { Metadata: { ...options.metadata } } : {}),
        }),
      ),
    );
  }

  /** Size, type, ETag and metadata of an object. @throws ObjectNotFoundError when absent. */
  public async headObject(key: string): Promise<ObjectInfo> {
    this.keys.assertKeyInLayout(key);
    const head = await this.send(key, () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.config.bucketName, Key: key })),
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
  public async findObject(key: string): Promise<ListedObject | undefined> {
    this.keys.assertKeyInLayout(key);
    // Keys list in ascending order, so the key itself comes before any longer key it prefixes.
    const response = await this.send(key, () =>
      this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucketName, Prefix: key, MaxKeys: 1 }),
      ),
    );
    const first = response.Contents?.[0];
    if (first?.Key !== key) return undefined;
    return { key, sizeBytes: first.Size ?? 0, lastModified: first.LastModified, etag: first.ETag };
  }

  /** Whether an object exists at the key (see {@link findObject}). */
  public async objectExists(key: string): Promise<boolean> {
    return (await this.findObject(key)) !== undefined;
  }

  /** Deletes an object; deleting an absent key succeeds, as in S3. */
  public async deleteObject(key: string): Promise<void> {
    this.keys.assertKeyInLayout(key);
    await this.send(key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucketName, Key: key })),
    );
  }

  /** Server-side copy within the bucket, keeping content type and metadata. */
  public async copyObject(sourceKey: string, destinationKey: string): Promise<void> {
    this.keys.assertKeyInLayout(sourceKey);
    this.keys.assertKeyInLayout(destinationKey);
    await this.send(sourceKey, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.config.bucketName,
          Key: destinationKey,
          CopySource: `${this.config.bucketName}/${encodeCopySourceKey(sourceKey)}`,
          MetadataDirective: 'COPY',
        }),
      ),
    );
  }

  /** Every key under a prefix of the layout, page by page, in S3's (ascending) order. */
  public async *listKeys(prefix: string): AsyncGenerator<ListedObject> {
    this.keys.assertKeyInLayout(`${prefix}x`);
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.listPageSize },
      { Bucket: this.config.bucketName, Prefix: prefix },
    );
    try {
      for await (const page of pages) {
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
      }
    } catch (error) {
      throw translateS3Error(error, { bucket: this.config.bucketName, region: this.config.region });
    }
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
    for await (const object of this.listKeys(prefix)) {
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
    for (const [area, { prefix, exact }] of Object.entries(targets) as [
      keyof typeof targets,
      { prefix: string; exact: boolean },
    ][]) {
      // Current objects first, without a version id: S3 writes delete markers, which
      // replication carries to a replica bucket (version-specific deletes never replicate).
      const current = await this.listObjectsToDelete(prefix, exact);
      await this.deleteKeys(current);
      const versions = options.allVersions ? await this.listVersionsOrObjects(prefix, exact) : [];
      await this.deleteKeys(versions);
      counts[area] = new Set([...current, ...versions].map((o) => o.Key)).size;
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
  private async listObjectsToDelete(prefix: string, exact: boolean): Promise<ObjectIdentifier[]> {
    if (exact) return (await this.findObject(prefix)) ? [{ Key: prefix }] : [];
    const objects: ObjectIdentifier[] = [];
    for await (const object of this.listKeys(prefix)) objects.push({ Key: object.key });
    return objects;
  }

  /**
   * Every version and delete marker under `prefix` (or of exactly that key); none on a store
   * without versioning (the embedded server answers 405).
   */
  private async listVersionsOrObjects(prefix: string, exact: boolean): Promise<ObjectIdentifier[]> {
    const found: ObjectIdentifier[] = [];
    // A listing may name an entry again on the next page (versitygw can repeat the one a page
    // ended on), and a batch that names a version twice fails on the second.
    const seen = new Set<string>();
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.config.bucketName,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
          }),
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
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      // No versioning on this store: its current objects, already deleted, were all there was.
      if (status === 405 || status === 501) return [];
      throw translateS3Error(error, {
        bucket: this.config.bucketName,
        key: prefix,
        region: this.config.region,
      });
    }
    return found;
  }

  private async deleteKeys(objects: readonly ObjectIdentifier[]): Promise<void> {
    for (let start = 0; start < objects.length; start += DELETE_BATCH_SIZE) {
      const batch = objects.slice(start, start + DELETE_BATCH_SIZE);
      const result = await this.send(batch[0]?.Key, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.config.bucketName,
            Delete: { Objects: batch, Quiet: true },
          }),
        ),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw translateS3Error(
          Object.assign(new Error(first.Message ?? 'delete failed'), {
            name: first.Code ?? 'DeleteFailed',
          }),
          { bucket: this.config.bucketName, key: first.Key, region: this.config.region },
        );
      }
    }
  }

  /** Runs one SDK call and turns its failure into the package's typed error. */
  private async send<Output>(
    key: string | undefined,
    call: () => Promise<Output>,
  ): Promise<Output> {
    try {
      return await call();
    } catch (error) {
      throw translateS3Error(error, {
        bucket: this.config.bucketName,
        key,
        region: this.config.region,
      });
    }
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
