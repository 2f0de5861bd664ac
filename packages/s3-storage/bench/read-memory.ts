import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '@autobio/local-s3';
import { createS3Storage } from '../src/index.ts';

const OBJECT_SIZE_BYTES = 32 * 1024 * 1024;

export interface ReadMemoryResult {
  readonly objectSizeBytes: number;
  /** Growth of the process's peak resident memory (includes what the allocator keeps). */
  readonly peakGrowthBytes: number;
  readonly ratio: number;
  /** Growth of what the JavaScript runtime holds at its peak: heap plus external memory. */
  readonly heldGrowthBytes: number;
  readonly heldRatio: number;
}

/** Peak memory growth of `getObjectAsBase64` on a 32 MiB object, measured in a fresh process. */
export async function benchReadMemory(): Promise<ReadMemoryResult> {
  const bucket = 'bench-bucket';
  const server = await startLocalS3({ buckets: [{ name: bucket }] });
  try {
    const storage = createS3Storage({
      config: { bucketName: bucket, endpoint: server.endpoint, credentials: LOCAL_S3_CREDENTIALS },
    });
    await storage.putObject('stubs/warm-up.png', randomBytes(1024), { contentType: 'image/png' });
    await storage.putObject('generated/memory/bench/big.png', randomBytes(OBJECT_SIZE_BYTES), {
      contentType: 'image/png',
    });
    const child = fileURLToPath(new URL('./read-memory-child.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        '--no-warnings',
        '--import',
        'tsx',
        child,
        server.endpoint,
        bucket,
        'generated/memory/bench/big.png',
        String(OBJECT_SIZE_BYTES),
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const { before, peakBefore, peak, heldGrowth } = JSON.parse(stdout) as {
      before: number;
      peakBefore: number;
      peak: number;
      heldGrowth: number;
    };
    // The peak since start may predate the read (module loading); the read's own peak is above both.
    const peakGrowthBytes = peak - Math.max(before, Math.min(peakBefore, before));
    return {
      objectSizeBytes: OBJECT_SIZE_BYTES,
      peakGrowthBytes,
      ratio: peakGrowthBytes / OBJECT_SIZE_BYTES,
      heldGrowthBytes: heldGrowth,
      heldRatio: heldGrowth / OBJECT_SIZE_BYTES,
    };
  } finally {
    await server.stop();
  }
}
