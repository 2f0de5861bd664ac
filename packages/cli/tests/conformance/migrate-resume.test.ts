import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  type ConformanceS3,
  listVersions,
  readBytes,
  SOURCE_BUCKET,
  startConformanceS3,
  versionCounts,
} from '../helpers/conformance-s3.ts';
import { type ListedEntry, listBucket, seed } from '../helpers/local-s3.ts';
import { BIN, runBin, spawnCli } from '../helpers/run-cli.ts';

const TOTAL = 400;
const DESTINATION = 'generated/resumed/';
const name = (i: number) => `u-${i % 20}/${String(i).padStart(4, '0')}.png`;
const bodyOf = (i: number) => `illustration ${i} `.repeat((i % 5) + 1);

let s3: ConformanceS3;

const args = (...extra: string[]) => [
  'migrate',
  '--from',
  `s3://${SOURCE_BUCKET}/legacy`,
  '--to',
  DESTINATION,
  '--allow-unlisted',
  '--page-size',
  '100',
  ...extra,
];

/** The destination once copies the killed process left in flight on the server have landed. */
async function settledDestination(): Promise<Map<string, ListedEntry>> {
  let previous = -1;
  for (;;) {
    const listing = await listBucket(s3.client, BUCKET, DESTINATION);
    if (listing.size === previous) return listing;
    previous = listing.size;
    await sleep(500);
  }
}

beforeAll(async () => {
  s3 = await startConformanceS3();
  await seed(
    s3.client,
    SOURCE_BUCKET,
    Array.from({ length: TOTAL }, (_, i) => ({ key: `legacy/${name(i)}`, body: bodyOf(i) })),
  );
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

describe('a migration killed part-way and run again, on a real S3 server', {
  timeout: 60_000,
}, () => {
  it('puts every object in place byte-identical, copies none twice, and reports the first run copies as skipped', async () => {
    // Arrange: a run killed with SIGKILL once some objects have been copied.
    const killed = spawnCli(
      process.execPath,
      [BIN, ...args('--concurrency', '4')],
      s3.env(),
      tmpdir(),
    );
    const deadline = Date.now() + 30_000;
    while ((await listBucket(s3.client, BUCKET, DESTINATION)).size < 50 && Date.now() < deadline) {
      await sleep(20);
    }
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');
    const afterKill = await settledDestination();
    expect(afterKill.size).toBeGreaterThanOrEqual(50);
    expect(afterKill.size).toBeLessThan(TOTAL);

    // Act
    const rerun = await runBin(args('--json', '--no-progress'), s3.env(), tmpdir());

    // Assert
    const report = JSON.parse(rerun.stdout) as MigrationReport;
    // Nothing was copied twice: one version per key.
    const { versions, deleteMarkers } = await listVersions(s3.client, BUCKET, DESTINATION);
    const counts = versionCounts(versions);
    expect(counts.size).toBe(TOTAL);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect(deleteMarkers).toEqual([]);
    // Conflicts and failures before the counts: their reasons say what went wrong.
    expect(report.conflicts).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(rerun.code).toBe(0);
    expect(report.counts).toEqual({
      listed: TOTAL,
      excluded: 0,
      copied: TOTAL - afterKill.size,
      skipped: afterKill.size,
      conflicts: 0,
      refused: 0,
      failed: 0,
      verified: 0,
      verifyFailed: 0,
    });
    // The first run's copies are the very versions that were there before the rerun.
    const after = await listBucket(s3.client, BUCKET, DESTINATION);
    for (const [key, entry] of afterKill) expect(after.get(key), key).toEqual(entry);
    const differing: string[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const bytes = await readBytes(s3.client, BUCKET, `${DESTINATION}${name(i)}`);
      if (bytes.toString() !== bodyOf(i)) differing.push(name(i));
    }
    expect(differing).toEqual([]);
  });
});
