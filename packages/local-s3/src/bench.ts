import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder for a benched S3 server's data, on the memory file system where there is one: on a
 * disk, versitygw's fsync per write would make the disk, not the code, set the pace (S3's own
 * durability cost is in the proxy's round trip). BENCH_S3_DIR chooses another parent folder.
 */
export async function benchDataDirectory(): Promise<string> {
  const parents = [process.env.BENCH_S3_DIR, '/dev/shm', tmpdir()].filter(
    (parent): parent is string => Boolean(parent),
  );
  for (const parent of parents) {
    try {
      return await mkdtemp(join(parent, 'autobio-bench-s3-'));
    } catch {
      // Not there or not writable: try the next.
    }
  }
  throw new Error(`No writable folder for the S3 server's data among ${parents.join(', ')}.`);
}
