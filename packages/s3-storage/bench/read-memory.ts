import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '@autobio/local-s3';
import { createS3Storage } from '../src/index.ts';

const OBJECT_SIZE_BYTES = 32 * 1024 * 1024;

/** One read path's figures, each measured in a fresh process. */
export interface ReadPathFigures {
  /** Growth of the process's peak resident memory (includes what the allocator keeps). */
  readonly peakGrowthBytes: number;
  readonly ratio: number;
  /** Growth of what the JavaScript runtime holds at its peak: heap plus external memory. */
  readonly heldGrowthBytes: number;
  readonly heldRatio: number;
  readonly readMs: number;
}

export interface ReadMemoryResult {
  readonly objectSizeBytes: number;
  /** The package's default: the body read straight into its buffer. */
  readonly direct: ReadPathFigures;
  /** The same call with `directReads: false`: through the SDK's HTTP handler. */
  readonly sdk: ReadPathFigures;
}

/**
 * Peak memory growth of `getObjectAsBase64` on a 32 MiB object, measured in a fresh process for
 * each read path. Each path is read three times and its highest peak reported.
 */
export async function benchReadMemory(): Promise<ReadMemoryResult> {
  const bucket = 'bench-bucket';
  const key = 'generated/memory/bench/big.png';
  const server = await startLocalS3({ buckets: [{ name: bucket }] });
  try {
    const storage = createS3Storage({
      config: { bucketName: bucket, endpoint: server.endpoint, credentials: LOCAL_S3_CREDENTIALS },
    });
    await storage.putObject('stubs/warm-up.png', randomBytes(1024), { contentType: 'image/png' });
    await storage.putObject(key, randomBytes(OBJECT_SIZE_BYTES), { contentType: 'image/png' });
    const measure = async (path: 'direct' | 'sdk'): Promise<ReadPathFigures> => {
      const runs: ReadPathFigures[] = [];
      for (let run = 0; run < 3; run += 1)
        runs.push(await readInChild(server.endpoint, bucket, key, path));
      return runs.reduce((worst, figures) => (figures.ratio > worst.ratio ? figures : worst));
    };
    return {
      objectSizeBytes: OBJECT_SIZE_BYTES,
      direct: await measure('direct'),
      sdk: await measure('sdk'),
    };
  } finally {
    await server.stop();
  }
}

async function readInChild(
  endpoint: string,
  bucket: string,
  key: string,
  path: 'direct' | 'sdk',
): Promise<ReadPathFigures> {
  const child = fileURLToPath(new URL('./read-memory-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--no-warnings',
      '--import',
      'tsx',
      child,
      endpoint,
      bucket,
      key,
      String(OBJECT_SIZE_BYTES),
      path,
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
    peakGrowthBytes,
    ratio: peakGrowthBytes / OBJECT_SIZE_BYTES,
    heldGrowthBytes: heldGrowth,
    heldRatio: heldGrowth / OBJECT_SIZE_BYTES,
    readMs,
  };
}
