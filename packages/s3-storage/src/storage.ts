import type { S3Client } from '@aws-sdk/client-s3';
import { createStorageContext, ON_FIRST_USE, type StorageContext } from './context.ts';
import { deleteObjectVersions, deleteUserData } from './deletion.ts';
import type { KeyLayout } from './key-layout.ts';
import { listGeneratedIllustrations, listKeys } from './listing.ts';
import { copyObject, deleteObject, findObject, headObject, putObject } from './objects.ts';
import { presignDownloadUrl, presignUploadPost, presignUploadUrl } from './presign.ts';
import { readObjectAsBase64 } from './read.ts';
import { assertOwnS3Uri, toS3Uri } from './s3-uri.ts';
import type { S3StorageConfig } from './types/config.ts';
import type { GeneratedKeyOptions, GeneratedKind, StorageArea } from './types/key-layout.ts';
import type { CallOptions, DeleteUserDataOptions, S3StorageOptions } from './types/storage.ts';

/** An operation's parameters after its storage context: the methods below take exactly those. */
type Args<Operation> = Operation extends (context: StorageContext, ...args: infer A) => unknown
  ? A
  : never;

/**
 * The storage client: one bucket, one region, the key layout, presigned URLs and the object
 * operations the AutoBio server needs. Create it once (the package's `s3Client` is the
 * process-wide instance) and reuse it: the SDK client and the URL signer are kept.
 */
export class S3Storage {
  #context: StorageContext | undefined;
  readonly #options: S3StorageOptions;

  /** @throws ConfigurationError, InvalidArgumentError for a bad config, before any request. */
  public constructor(options: S3StorageOptions = {}) {
    this.#options = options;
    if (options !== ON_FIRST_USE) this.#context = createStorageContext(options);
  }

  /** Built on first use for the process-wide client, so importing it reads nothing. */
  protected get context(): StorageContext {
    this.#context ??= createStorageContext(this.#options);
    return this.#context;
  }

  /** Drops the configuration, so the next call reads the environment again. */
  protected forget(): void {
    this.#context = undefined;
  }

  /** The key layout of this bucket's prefixes. */
  // A declared field, not a getter, so that its assertion methods narrow at call sites (TS2775).
  declare public readonly keys: KeyLayout;

  static {
    Object.defineProperty(S3Storage.prototype, 'keys', {
      get(this: S3Storage): KeyLayout {
        return this.context.keys;
      },
    });
  }

  /** The bucket of this environment. */
  public getBucketName(): string {
    return this.context.config.bucketName;
  }

  /** The bucket's region. */
  public getRegion(): string {
    return this.context.config.region;
  }

  /** The underlying SDK client, for operations this class does not wrap. */
  public getClient(): S3Client {
    return this.context.client;
  }

  /** The configuration in force (credentials left out). */
  public getConfig(): Omit<S3StorageConfig, 'credentials'> {
    const { credentials: _credentials, ...rest } = this.context.config;
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
  public getGeneratedKey(kind: GeneratedKind, userId: string, options?: GeneratedKeyOptions) {
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
    return this.context.allowedContentTypes.has(contentType);
  }

  /**
   * A presigned PUT for the user's subject image (or avatar, with `target: 'avatar'`). The
   * content type is signed, so S3 refuses an upload that sends another; with
   * `contentLengthBytes` the size is signed too. The URL carries no checksum parameters, so a
   * browser can use it with a plain `fetch`.
   * @throws InvalidKeyError, InvalidArgumentError before any request is made.
   */
  public generatePresignedUploadUrl(...args: Args<typeof presignUploadUrl>) {
    return presignUploadUrl(this.context, ...args);
  }

  /**
   * A presigned POST form for a browser upload of the user's subject image or avatar, with a
   * `content-length-range` condition (1 byte to `maxSizeBytes`) and the content type pinned.
   */
  public generatePresignedUploadPost(...args: Args<typeof presignUploadPost>) {
    return presignUploadPost(this.context, ...args);
  }

  /**
   * A presigned GET for a key of the layout.
   * @throws InvalidKeyError for a key outside the layout; ObjectNotFoundError with `checkExists`.
   */
  public generatePresignedDownloadUrl(...args: Args<typeof presignDownloadUrl>) {
    return presignDownloadUrl(this.context, ...args);
  }

  /**
   * An object as base64, read into one buffer sized from its Content-Length, which the body must
   * fill exactly, and checked against its checksum; a body that fails is read again within the
   * call's S3_MAX_ATTEMPTS.
   * @throws ForeignBucketError for another bucket than this environment's; ObjectTooLargeError
   *   over the limit; ObjectNotFoundError when absent; S3IntegrityError when no read was intact.
   */
  public getObjectAsBase64(...args: Args<typeof readObjectAsBase64>) {
    return readObjectAsBase64(this.context, ...args);
  }

  /** Writes an object at a key of the layout. */
  public putObject(...args: Args<typeof putObject>) {
    return putObject(this.context, ...args);
  }

  /** Size, type, ETag and metadata of an object. @throws ObjectNotFoundError when absent. */
  public headObject(...args: Args<typeof headObject>) {
    return headObject(this.context, ...args);
  }

  /**
   * The object at `key`, or `undefined`. Found by listing the key, as a prefix-conditioned
   * `s3:ListBucket` grant allows: S3 answers a HEAD of a missing key there with 403.
   */
  public findObject(...args: Args<typeof findObject>) {
    return findObject(this.context, ...args);
  }

  /** Whether an object exists at the key (see {@link findObject}). */
  public async objectExists(...args: Args<typeof findObject>): Promise<boolean> {
    return (await this.findObject(...args)) !== undefined;
  }

  /** Deletes an object; deleting an absent key succeeds, as in S3. */
  public deleteObject(...args: Args<typeof deleteObject>) {
    return deleteObject(this.context, ...args);
  }

  /** Server-side copy within the bucket, keeping content type and metadata. */
  public copyObject(...args: Args<typeof copyObject>) {
    return copyObject(this.context, ...args);
  }

  /**
   * Every key under a prefix of the layout, page by page, in S3's (ascending) order. Each page
   * is a call with a deadline of its own.
   */
  public listKeys(...args: Args<typeof listKeys>) {
    return listKeys(this.context, ...args);
  }

  /**
   * A page of the user's generated illustrations of one kind, newest first. Pass a page's
   * `nextCursor` back as `cursor` for the next.
   */
  public listGeneratedIllustrations(...args: Args<typeof listGeneratedIllustrations>) {
    return listGeneratedIllustrations(this.context, ...args);
  }

  /**
   * Deletes every object of one user in every user area of this bucket (subject image, avatar,
   * generated illustrations), with `allVersions` every version and delete marker too. Idempotent.
   * A replica, a CDN's cache and uploads in flight are not covered: an account deletion is final
   * only once the API's deletion sweep has run.
   * @returns how many of the user's keys were deleted, per area.
   * @throws DeletionIncompleteError naming what S3 refused to delete; the rest is deleted, and a
   *   rerun deletes only what is left.
   */
  public deleteUserData(userId: string, options: DeleteUserDataOptions = {}) {
    return deleteUserData(this.context, userId, options);
  }

  /**
   * Deletes the object at `key` with every version and delete marker of it (a pending-deletion
   * marker, once swept). Idempotent. @returns whether there was anything at the key.
   * @throws DeletionIncompleteError when S3 refused to delete some of it.
   */
  public deleteObjectVersions(key: string, options: CallOptions = {}): Promise<boolean> {
    return deleteObjectVersions(this.context, key, options);
  }

  /** `s3://{bucket}/{key}` for a key of this bucket, for the external illustration-gen service. */
  public toS3Uri(key: string): string {
    return toS3Uri(this.context, key);
  }

  /**
   * Checks that an S3 URI (from the illustration-gen service) is in this bucket and, when
   * given, under `expectedPrefix`, and returns its key.
   * @throws ForeignBucketError otherwise.
   */
  public assertOwnS3Uri(...args: Args<typeof assertOwnS3Uri>) {
    return assertOwnS3Uri(this.context, ...args);
  }
}

/** Builds a storage client; for tests and code that injects config or a client. */
export function createS3Storage(options: S3StorageOptions = {}): S3Storage {
  return new S3Storage(options);
}
