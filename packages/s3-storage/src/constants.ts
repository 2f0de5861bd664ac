/** Region used when `S3_CLIENT_REGION` is not set (the spec's default). */
export const DEFAULT_REGION = 'us-east-1';

/** Default key prefixes, exactly the spec's bucket tree. */
export const DEFAULT_PREFIXES = {
  subjects: 'subjects/',
  avatars: 'avatars/',
  generated: 'generated/',
  stubs: 'stubs/',
  deletions: 'deletions/',
} as const;

/** The kinds of generated illustration, each a folder under the generated prefix. */
export const GENERATED_KINDS = ['memory', 'subject'] as const;

/**
 * Days after which the bucket's lifecycle expires a pending-deletion marker: a backstop, so that
 * no marker (or copy or version of one) is kept for ever. The sweep deletes each within minutes
 * of its sweep time and fails loudly until it has, so a month is far beyond any retry.
 */
export const DELETION_MARKER_EXPIRY_DAYS = 30;

/** File extension of every image key in the layout. */
export const IMAGE_EXTENSION = '.png';

/** Presigned URLs live 15 minutes unless asked otherwise. */
export const DEFAULT_PRESIGN_EXPIRES_IN_SECONDS = 15 * 60;

/** Image types a presigned upload accepts unless configured otherwise. */
export const DEFAULT_ALLOWED_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/**
 * The most `getObjectAsBase64` can be allowed to read (256 MiB): the base64 string of it stays
 * under V8's longest string (2^29 - 24 characters, the base64 of about 384 MiB).
 */
export const MAX_READ_SIZE_LIMIT_BYTES = 256 * 1024 * 1024;

/** Longest user id or stub name accepted in a key segment. */
export const MAX_SEGMENT_LENGTH = 128;

/** Width of the millisecond timestamp in generated keys: zero-padded so keys sort by time. */
export const TIMESTAMP_WIDTH = 13;
