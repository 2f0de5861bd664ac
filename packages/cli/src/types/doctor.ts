import type { StorageArea } from '@autobio/s3-storage';
import type { DOCTOR_CHECKS } from '../constants.ts';
import type { runDoctor } from '../doctor.ts';
import type { ConnectionContext } from './connection.ts';

export type CheckId = keyof typeof DOCTOR_CHECKS;

export interface CheckResult {
  readonly id: CheckId;
  /** What was checked, in a few words. */
  readonly title: string;
  /**
   * `pass` and `fail` are what they say; `warn` is a failure reported as a warning (it does not
   * change the exit code unless `strict`); `skip` means an earlier failure made the check moot.
   */
  readonly status: 'pass' | 'fail' | 'warn' | 'skip';
  readonly detail: string;
  /** How to fix it; present when the status is `fail` or `warn`. */
  readonly fix?: string;
  /** Facts found on the way, for scripts (`--json`): the bucket's region, the credentials' kind. */
  readonly data?: Readonly<Record<string, string | number | boolean | null>>;
}

export type DoctorReport = Awaited<ReturnType<typeof runDoctor>>;

export interface DoctorOptions {
  /** An S3 URI from the illustration-gen service to check. @default - the check is skipped */
  readonly s3Uri?: string;
  /** Part of the key layout the probe object is written under. @default 'generated' */
  readonly probeArea?: StorageArea;
  /**
   * Checks whose failure is reported as a warning.
   * @default - ['versioning'] when S3_ENDPOINT is set (the embedded server has no versioning), else []
   */
  readonly warnOnly?: readonly CheckId[];
  /** Count warnings as failures. @default false */
  readonly strict?: boolean;
  /** How long to wait for the credential provider chain, in milliseconds. @default 10000 */
  readonly credentialsTimeoutMs?: number;
  /**
   * Where the settings came from (`--local`, `--endpoint-url`, `--profile`), for the fixes and
   * the clients. @default - the environment alone
   */
  readonly connection?: ConnectionContext;
}
