import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type LocalS3, startLocalS3 } from '@autobio/local-s3';
import { createS3Storage } from '../src/index.ts';

const OBJECT_SIZE_BYTES = 32 * 1024 * 1024;

/** The read's figures, measured in a fresh process. */
export interface ReadMemoryResult {
  readonly objectSizeBytes: number;
  /** Growth of the process's peak resident memory (includes what the allocator keeps). */
  readonly peakGrowthBytes: number;
  readonly ratio: number;
  /** Growth of what the JavaScript runtime holds at its peak: heap plus external memory. */
  readonly heldGrowthBytes: number;
  readonly heldRatio: number;
  readonly readMs: number;
}

/**
 * Peak memory growth of `getObjectAsBase64` on a 32 MiB object, each read in a fresh process,
 * from versitygw, which sends the object's checksum as S3 does (so the SDK checks the body
 * while it is read). It is read three times and the highest peak reported.
 */
export async function benchReadMemory(): Promise<ReadMemoryResult> {
  const bucket = 'bench-bucket';
  const key = 'generated/memory/bench/big.png';
  const server = await startLocalS3({ engine: 'versitygw', buckets: [{ name: bucket }] });
  try {
    const storage = createS3Storage({
      config: {
        bucketName: bucket,
        endpoint: server.endpoint,
        region: server.region,
        credentials: { ...server.credentials },
      },
    });
    await storage.putObject('stubs/warm-up.png', randomBytes(1024), { contentType: 'image/png' });
    await storage.putObject(key, randomBytes(OBJECT_SIZE_BYTES), { contentType: 'image/png' });
    const runs: ReadMemoryResult[] = [];
    for (let run = 0; run < 3; run += 1) runs.push(await readInChild(server, bucket, key));
    return runs.reduce((worst, figures) => (figures.ratio > worst.ratio ? figures : worst));
  } finally {
    await server.stop();
  }
}

async function readInChild(
  server: LocalS3,
  bucket: string,
  key: string,
): Promise<ReadMemoryResult> {
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
      server.region,
      server.credentials.accessKeyId,
      server.credentials.secretAccessKey,
      bucket,
      key,
      String(OBJECT_SIZE_BYTES),
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  const { before, peakBefore, peak, heldGrowth, readMs } = JSON.parse(stdout) as {
    before: number;
    peakBefore: number;
    peak: number;
    heldGrowth: number;
    readMs: number;
  };
  // The peak since start may predate the read (module loading); the read's own peak is above both.
  const peakGrowthBytes = peak - Math.max(before, Math.min(peakBefore, before));
  return {
    objectSizeBytes: OBJECT_SIZE_BYTES,
    peakGrowthBytes,
    ratio: peakGrowthBytes / OBJECT_SIZE_BYTES,
    heldGrowthBytes: heldGrowth,
    heldRatio: heldGrowth / OBJECT_SIZE_BYTES,
    readMs,
  };
}
