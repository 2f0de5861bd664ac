import type { GeneratedKind } from '@autobio/s3-storage';
import type { ErrorDetail } from '../errors.ts';
import type { IllustrationGenMode } from './illustration-gen.ts';

/** Every non-2xx answer. */
export interface ErrorResponse {
  readonly error: {
    /** A stable, machine-readable name, such as `InvalidRequest` or `SubjectImageNotFound`. */
    readonly code: string;
    /** What is wrong and how to fix it, for people. */
    readonly message: string;
    /** API Gateway's request id, also in the logs. */
    readonly requestId: string;
    /** Each problem found in the request, for `InvalidRequest`. */
    readonly details?: readonly ErrorDetail[];
  };
}

/** `POST /uploads/{subject|avatar}` with `method: "PUT"`: PUT the file to `url` with `headers`. */
export interface PresignedPutResponse {
  readonly method: 'PUT';
  readonly url: string;
  readonly key: string;
  /** Send exactly these headers with the PUT (they are signed). */
  readonly headers: Readonly<Record<string, string>>;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** `POST /uploads/{subject|avatar}` with `method: "POST"`: a multipart form, `fields` then `file`. */
export interface PresignedPostResponse {
  readonly method: 'POST';
  readonly url: string;
  readonly key: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly maxSizeBytes: number;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** `POST /uploads/{subject|avatar}`. */
export type CreateUploadResponse = PresignedPutResponse | PresignedPostResponse;

/** `GET /images/{subject|avatar}`. */
export interface ImageResponse {
  readonly key: string;
  readonly url: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly sizeBytes: number;
  /** ISO 8601, when S3 tells. */
  readonly lastModified: string | null;
}

/** One generated illustration with its download URL. */
export interface IllustrationItem {
  readonly key: string;
  readonly kind: GeneratedKind;
  /** ISO 8601, from the key's timestamp. */
  readonly createdAt: string;
  readonly sizeBytes: number;
  readonly url: string;
  /** ISO 8601: when `url` stops working. */
  readonly expiresAt: string;
}

/** `GET /illustrations/{kind}`: newest first. */
export interface IllustrationListResponse {
  readonly items: readonly IllustrationItem[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** `POST /illustrations/{kind}`. */
export interface GenerateIllustrationResponse {
  readonly illustration: IllustrationItem;
  /** Who made it: the illustration-gen service, or stub mode's copy of a stub image. */
  readonly source: IllustrationGenMode;
}

/**
 * `DELETE /me/data` (202): keys deleted now per part of the key layout. The deletion is final
 * once the sweep after `sweepAfter` has run.
 */
export interface DeleteMyDataResponse {
  /** Keys deleted from the bucket, per area. */
  readonly deleted: Readonly<Record<'subjects' | 'avatars' | `generated/${GeneratedKind}`, number>>;
  /** The sum of `deleted`. */
  readonly total: number;
  /** Keys deleted from the replica bucket, per area; only when there is one. */
  readonly replicaDeleted?: Readonly<
    Record<'subjects' | 'avatars' | `generated/${GeneratedKind}`, number>
  >;
  /** Always `pending`: the sweep still has to make the deletion final. */
  readonly status: 'pending';
  /** ISO 8601: when the sweep may run; writes answer 409 DeletionPending until it has. */
  readonly sweepAfter: string;
}
