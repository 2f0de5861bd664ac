/** s3rver accepts any secret for its one built-in access key id. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Milliseconds to wait for the server to be ready unless told otherwise. */
export const DEFAULT_START_TIMEOUT_MS = 15_000;
