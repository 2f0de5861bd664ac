import type { Environment } from '@autobio/s3-storage';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface OutputStream {
  write(text: string): unknown;
  /** True on a terminal: progress is drawn as a bar. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What a command run sees of the process: injected so that tests can run commands in-process. */
export interface CliContext {
  /** Configuration variables (`S3_BUCKET_NAME`, ...). */
  readonly env: Environment;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Aborted on Ctrl-C: a migration stops scheduling copies and reports what it did. */
  readonly signal?: AbortSignal;
}
