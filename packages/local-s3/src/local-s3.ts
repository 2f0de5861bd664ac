import { startS3rver } from './s3rver.ts';
import type { LocalS3, LocalS3Options } from './types/index.ts';
import { startVersityGw } from './versitygw.ts';

/**
 * Starts a local S3 server: s3rver (the zero-install default) or versitygw, a real S3
 * implementation that enforces what S3 does (signatures, POST policies, versions, conditional
 * writes).
 * @throws LocalS3StartError with the cause and the fix (a port in use, a bad folder, no binary).
 */
export function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  return options.engine === 'versitygw' ? startVersityGw(options) : startS3rver(options);
}
