import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  headObject,
  type ListedEntry,
  listBucket,
  SOURCE_BUCKET,
  seed,
  startTestS3,
  type TestS3,
} from '../helpers/local-s3.ts';
import { BIN, runBin, runCommand, spawnCli } from '../helpers/run-cli.ts';

/** Enough objects for 24 listing pages of 100, and a run long enough to kill midway. */
const TOTAL = 2400;
const PAGE_SIZE = '100';
const DESTINATION = 'generated/memory/';
const keyOf = (i: number) => `legacy/user-${i % 40}/${String(i).padStart(5, '0')}.png`;
const destinationOf = (sourceKey: string) => `${DESTINATION}${sourceKey.slice('legacy/'.length)}`;

let s3: TestS3;
let sourceBefore: Map<string, ListedEntry>;
let afterKill: Map<string, ListedEntry>;

const args = (...extra: string[]) => [
  'migrate',
  '--from',
  `s3://${SOURCE_BUCKET}/legacy`,
  '--to',
  'generated/memory',
  '--allow-unlisted',
  '--page-size',
  PAGE_SIZE,
  ...extra,
];

/** The destination once copies still in flight on the server have landed. */
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
  s3 = await startTestS3();
  await seed(
    s3.client,
    SOURCE_BUCKET,
    Array.from({ length: TOTAL }, (_, i) => ({
      key: keyOf(i),
      body: `illustration ${i} `.repeat((i % 7) + 1),
      contentType: i % 2 === 0 ? 'image/png' : 'image/webp',
      metadata: { index: String(i) },
    })),
  );
  sourceBefore = await listBucket(s3.client, SOURCE_BUCKET, 'legacy/');
}, 120_000);
afterAll(async () => {
  await s3?.stop();
});

describe('a migration of thousands of objects across many pages', { timeout: 120_000 }, () => {
  it('plans every object in a dry run, and writes nothing', async () => {
    expect(sourceBefore.size).toBe(TOTAL);
    const result = await runCommand(args('--dry-run', '--json', '--no-progress'), s3.env());
    const report = JSON.parse(result.stdout) as MigrationReport;
    expect(result.code).toBe(0);
    expect(report.counts).toMatchObject({ listed: TOTAL, copied: TOTAL, skipped: 0 });
    expect(new Set(report.plan?.map((p) => p.action))).toEqual(new Set(['copy']));
    expect(new Set(report.plan?.map((p) => p.destinationKey))).toEqual(
      new Set([...sourceBefore.keys()].map(destinationOf)),
    );
    expect((await listBucket(s3.client, BUCKET, DESTINATION)).size).toBe(0);
  });

  it('stops midway when its process is killed', async () => {
    const run = spawnCli(
      process.execPath,
      [BIN, ...args('--concurrency', '8')],
      s3.env(),
      tmpdir(),
    );
    const copiedSoFar = () => {
      const counts = [...run.stderr().matchAll(/^progress: (\d+)[/ ]/gm)].map((m) => Number(m[1]));
      return counts.at(-1) ?? 0;
    };
    const deadline = Date.now() + 60_000;
    while (copiedSoFar() < 200 && Date.now() < deadline) await sleep(50);
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    afterKill = await settledDestination();
    expect(afterKill.size).toBeGreaterThan(0);
    expect(afterKill.size).toBeLessThan(TOTAL);
  });

  it('resumes to completion on a rerun, copying only what the killed run had not', async () => {
    // LastModified has 1 s resolution: a rewrite from now on would show.
    const newest = Math.max(...[...afterKill.values()].map((e) => Date.parse(e.lastModified)));
    await sleep(Math.max(0, newest + 1100 - Date.now()));

    const result = await runBin(args('--json'), s3.env(), tmpdir());
    const report = JSON.parse(result.stdout) as MigrationReport;

    expect(result.code).toBe(0);
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
    const after = await listBucket(s3.client, BUCKET, DESTINATION);
    expect(after.size).toBe(TOTAL);
    for (const [key, entry] of afterKill) expect(after.get(key), key).toEqual(entry);
  });

  it('leaves every copy equal to its source: size, ETag, content type and metadata', async () => {
    const after = await listBucket(s3.client, BUCKET, DESTINATION);
    const mismatched = [...sourceBefore].filter(([key, source]) => {
      const copy = after.get(destinationOf(key));
      return copy?.sizeBytes !== source.sizeBytes || copy?.etag !== source.etag;
    });
    expect(mismatched).toEqual([]);
    for (let i = 0; i < TOTAL; i += 97) {
      const head = await headObject(s3.client, BUCKET, destinationOf(keyOf(i)));
      expect(head.ContentType).toBe(i % 2 === 0 ? 'image/png' : 'image/webp');
      expect(head.Metadata).toEqual({ index: String(i) });
    }
  });

  it('copies nothing on a third run', async () => {
    const result = await runCommand(args('--json', '--no-progress'), s3.env());
    const report = JSON.parse(result.stdout) as MigrationReport;
    expect(result.code).toBe(0);
    expect(report.counts).toMatchObject({ listed: TOTAL, copied: 0, skipped: TOTAL });
  });

  it('never modified the source', async () => {
    expect(await listBucket(s3.client, SOURCE_BUCKET, 'legacy/')).toEqual(sourceBefore);
  });
});
