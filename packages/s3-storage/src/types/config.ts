import type { KeyPrefixes } from './key-layout.ts';

/** Where the code runs, which decides how credentials are found. */
export type RuntimeKind = 'lambda' | 'local';

/** Explicit credentials (local development only). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Everything the storage client needs, as read from the environment or given in code. */
export interface S3StorageConfig {
  /** The one bucket of this environment. */
  readonly bucketName: string;
  /** The bucket's region. @default 'us-east-1' */
  readonly region: string;
  /** Key prefixes. @default - the spec's: subjects/, avatars/, generated/, stubs/ */
  readonly prefixes: KeyPrefixes;
  /** An S3-compatible endpoint (the embedded local server). @default - AWS S3 */
  readonly endpoint?: string | undefined;
  /** Path-style addressing. @default - true when an endpoint is set, else false */
  readonly forcePathStyle: boolean;
  /** S3 Transfer Acceleration for requests and presigned URLs (the bucket must have it on). @default false */
  readonly useAccelerateEndpoint: boolean;
  /** Explicit keys; ignored in Lambda. @default - the default provider chain */
  readonly credentials?: StaticCredentials | undefined;
  /** Where the code runs. @default - detected from the Lambda runtime's variables */
  readonly runtime: RuntimeKind;
  /** Attempts per call, first try included (a body read again is one). @default 3 */
  readonly maxAttempts: number;
  /** Connection timeout in milliseconds. @default 3000 */
  readonly connectionTimeoutMs: number;
  /**
   * Time to the response's first byte, and the longest silence in a body, in milliseconds. A
   * call ends after maxAttempts of it plus the SDK's backoff, however slow the body. @default 8000
   */
  readonly requestTimeoutMs: number;
  /** Largest object `getObjectAsBase64` reads. @default 52428800 (50 MiB) */
  readonly maxReadSizeBytes: number;
  /** Largest upload a presigned URL or form allows. @default 20971520 (20 MiB) */
  readonly maxUploadSizeBytes: number;
}
