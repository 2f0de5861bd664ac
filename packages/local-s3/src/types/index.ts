/** A CORS rule for a bucket of the embedded server (the shape of the storage package's rules). */
export interface LocalCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders?: readonly string[];
  readonly exposedHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** A bucket the server creates at start. */
export interface LocalBucket {
  readonly name: string;
  /** CORS rules for browser access. @default - none: browsers are refused */
  readonly cors?: readonly LocalCorsRule[];
}

/**
 * Which server runs: `s3rver`, an embedded fake that checks no signature, POST policy,
 * versioning or conditional write; or `versitygw`, the Versity S3 Gateway, which does.
 */
export type LocalS3Engine = 's3rver' | 'versitygw';

/** Options for {@link startLocalS3}. */
export interface LocalS3Options {
  /** The server to run. @default 's3rver' */
  readonly engine?: LocalS3Engine;
  /**
   * Whether buckets keep every version (versitygw only; s3rver has no versioning).
   * @default true
   */
  readonly versioning?: boolean;
  /** Loopback address to bind. @default '127.0.0.1' */
  readonly address?: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Folder the objects are kept in. @default - a new temporary folder, removed on stop */
  readonly directory?: string;
  /** Buckets to create at start. @default [] */
  readonly buckets?: readonly LocalBucket[];
  /** Milliseconds to wait for the server to be ready. @default 15000 */
  readonly startTimeoutMs?: number;
}

/** A running local S3 server. */
export interface LocalS3 {
  readonly engine: LocalS3Engine;
  /** The keys it accepts (versitygw refuses any other secret). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The region it signs for. */
  readonly region: string;
  /** `http://127.0.0.1:PORT`, for `S3_ENDPOINT`. */
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** Stops the server (and removes its folder when it made a temporary one). */
  stop(): Promise<void>;
}
