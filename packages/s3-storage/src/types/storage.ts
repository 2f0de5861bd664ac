import type { S3Client } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from './config.ts';
import type { GeneratedKind } from './key-layout.ts';

/** How to build an {@link S3Storage}: config, and optionally a ready client. */
export interface S3StorageOptions {
  /**
   * Configuration. Fields left out take the package defaults (not the environment); the runtime
   * is detected. @default - everything from the environment: loadConfigFromEnv()
   */
  readonly config?: Partial<S3StorageConfig> & Pick<S3StorageConfig, 'bucketName'>;
  /**
   * A ready client, used as it is: its own retries apply, so a body read again may get more
   * attempts than maxAttempts. @default - one built from getAwsClientConfig(region)
   */
  readonly client?: S3Client;
  /** Content types a presigned upload accepts. @default ['image/png', 'image/jpeg', 'image/webp'] */
  readonly allowedContentTypes?: readonly string[];
  /** Keys per ListObjectsV2 page, 1 to 1000. @default 1000 */
  readonly listPageSize?: number;
  /** Receives warnings (keys ignored in Lambda). @default console.warn */
  readonly warn?: (message: string) => void;
}

/** What every call that sends requests to S3 takes. */
export interface CallOptions {
  /**
   * A deadline of the caller's, such as its request's: when it aborts, the call ends with an
   * S3TimeoutError. Every call also has its own, S3_MAX_ATTEMPTS x S3_REQUEST_TIMEOUT_MS plus
   * the SDK's backoff. @default - the call's own deadline only
   */
  readonly abortSignal?: AbortSignal;
}

/** Which of a user's images an upload is for. */
export type UploadTarget = 'subject' | 'avatar';

/** What both kinds of presigned upload take. */
export interface UploadOptions {
  /** The image the upload writes. @default 'subject' */
  readonly target?: UploadTarget;
  /** Validity in seconds, 1 to 604800. @default 900 */
  readonly expiresInSeconds?: number;
}

/** Options for a presigned upload. */
export interface PresignedUploadOptions extends UploadOptions {
  /**
   * Exact size of the upload; signed as `Content-Length` so S3 refuses any other size.
   * Must not exceed the maximum upload size. @default - any size (PUT), see maxSizeBytes (POST)
   */
  readonly contentLengthBytes?: number;
  /** Signing time, for reproducible URLs in tests. @default - now */
  readonly signingDate?: Date;
}

/** A presigned PUT and what the uploader must send with it. */
export interface PresignedUpload {
  readonly method: 'PUT';
  readonly url: string;
  readonly key: string;
  /** Headers that are signed: send exactly these with the PUT. */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
}

/** Options for a presigned POST form. */
export interface PresignedPostOptions extends UploadOptions {
  /** Largest file the form accepts, in bytes. @default - the configured maximum upload size */
  readonly maxSizeBytes?: number;
}

/** A presigned POST form for browsers: post `fields` and then the file as `file`. */
export interface PresignedPost {
  readonly method: 'POST';
  readonly url: string;
  readonly key: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly maxSizeBytes: number;
  readonly expiresAt: Date;
}

/** Options for a presigned download. */
export interface PresignedDownloadOptions extends CallOptions {
  /** Validity in seconds, 1 to 604800. @default 900 */
  readonly expiresInSeconds?: number;
  /** `Content-Disposition` S3 answers with, e.g. `attachment; filename="me.png"`. @default - the stored one */
  readonly responseContentDisposition?: string;
  /** Look the key up first and throw ObjectNotFoundError when absent. @default false */
  readonly checkExists?: boolean;
  /** Signing time, for reproducible URLs in tests. @default - now */
  readonly signingDate?: Date;
}

/** An object as a listing shows it. */
export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
  readonly lastModified: Date | undefined;
  readonly etag: string | undefined;
}

/** What HEAD tells about an object. */
export interface ObjectInfo extends ListedObject {
  readonly contentType: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options for writing an object. */
export interface PutObjectOptions extends CallOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One generated illustration in a listing. */
export interface GeneratedIllustration {
  readonly key: string;
  readonly kind: GeneratedKind;
  readonly createdAt: Date;
  readonly sizeBytes: number;
}

/** Options for listing generated illustrations. */
export interface ListGeneratedOptions extends CallOptions {
  /** Page size, 1 to 1000. @default 50 */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. @default - the first (newest) page */
  readonly cursor?: string;
}

/** A page of a user's generated illustrations, newest first. */
export interface GeneratedIllustrationPage {
  readonly items: readonly GeneratedIllustration[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Options for `getObjectAsBase64`. */
export interface ReadObjectOptions extends CallOptions {
  /** Largest object read, in bytes. @default - the configured maxReadSizeBytes */
  readonly maxSizeBytes?: number;
}

/** An `s3://bucket/key` URI taken apart. */
export interface S3Uri {
  readonly bucket: string;
  readonly key: string;
}

/** Options for `deleteUserData`. */
export interface DeleteUserDataOptions extends CallOptions {
  /**
   * Delete every version and delete marker of the user's keys too, so a versioned bucket keeps
   * nothing of theirs (needs s3:ListBucketVersions and s3:DeleteObjectVersion). On a store
   * without versioning there are only current objects, and those are deleted.
   * @default false - current objects only; noncurrent versions expire by lifecycle
   */
  readonly allVersions?: boolean;
}
