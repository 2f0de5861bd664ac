import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationTarget } from '../../src/clients.ts';
import { runMigration } from '../../src/migrate.ts';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  beforeFirstSend,
  type ConformanceS3,
  listVersions,
  readBytes,
  SOURCE_BUCKET,
  startConformanceS3,
  versionCounts,
} from '../helpers/conformance-s3.ts';
import { seed } from '../helpers/local-s3.ts';
import { runCommand } from '../helpers/run-cli.ts';

let s3: ConformanceS3;

beforeAll(async () => {
  s3 = await startConformanceS3();
}, 30_000);
afterAll(async () => {
  await s3?.stop();
});

async function migrate(from: string, to: string, ...extra: string[]) {
  const result = await runCommand(
    [
      'migrate',
      '--from',
      from,
      '--to',
      to,
      '--allow-unlisted',
      '--json',
      '--no-progress',
      ...extra,
    ],
    s3.env(),
  );
  return { code: result.code, report: JSON.parse(result.stdout) as MigrationReport };
}

const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

describe('migrate on a real S3 server, where the destination already holds something', {
  timeout: 30_000,
}, () => {
  it('reports a different object already at the destination as a conflict and never overwrites it', async () => {
    await seed(s3.client, SOURCE_BUCKET, [
      { key: 'held/a.png', body: 'source a' },
      { key: 'held/b.png', body: 'source b' },
    ]);
    const before = await put('generated/held/a.png', 'edited at the destination');

    const { code, report } = await migrate(`s3://${SOURCE_BUCKET}/held`, 'generated/held/');

    // The destination first: what was there is still there, and only it.
    expect((await readBytes(s3.client, BUCKET, 'generated/held/a.png')).toString()).toBe(
      'edited at the destination',
    );
    const { versions, deleteMarkers } = await listVersions(s3.client, BUCKET, 'generated/held/');
    expect(versions.filter((v) => v.key === 'generated/held/a.png')).toEqual([
      expect.objectContaining({ versionId: before.VersionId, isLatest: true }),
    ]);
    expect(deleteMarkers).toEqual([]);
    expect(code).toBe(1);
    expect(report.counts).toMatchObject({ listed: 2, copied: 1, conflicts: 1, failed: 0 });
    expect(report.conflicts).toEqual([
      expect.objectContaining({
        destinationKey: 'generated/held/a.png',
        action: 'conflict',
        reason: expect.stringMatching(/the destination holds a different object/),
      }),
    ]);
  });

  it('reports an object written at the destination after its listing as a conflict, and leaves it alone', async () => {
    await seed(s3.client, SOURCE_BUCKET, [{ key: 'late/a.png', body: 'source a' }]);
    const target = createMigrationTarget(s3.env(), { maxSockets: 8 });
    // Listed as absent; written by someone else just before the copy is sent.
    const interloper = beforeFirstSend(target.storage.getClient(), 'CopyObjectCommand', (input) =>
      put(input.Key!, 'written during the migration'),
    );
    let report: MigrationReport;
    try {
      report = await runMigration(target, {
        from: `s3://${SOURCE_BUCKET}/late`,
        to: 'generated/late/',
        allowUnlisted: true,
      });
    } finally {
      target.destroy();
    }

    expect(interloper.ran()).toBe(true);
    expect((await readBytes(s3.client, BUCKET, 'generated/late/a.png')).toString()).toBe(
      'written during the migration',
    );
    const { versions, deleteMarkers } = await listVersions(s3.client, BUCKET, 'generated/late/');
    expect(versions).toHaveLength(1);
    expect(deleteMarkers).toEqual([]);
    expect(report.counts).toMatchObject({ listed: 1, copied: 0, conflicts: 1, failed: 0 });
    expect(report.conflicts[0]?.reason).toMatch(
      /the destination changed since it was listed \(absent when listed; it now holds/,
    );
  });

  it('reports an object deleted at the destination before --overwrite replaces it as a conflict, not as a missing source', async () => {
    await seed(s3.client, SOURCE_BUCKET, [{ key: 'gone/a.png', body: 'new source' }]);
    await put('generated/gone/a.png', 'old copy');
    const target = createMigrationTarget(s3.env(), { maxSockets: 8 });
    // Listed with its ETag; deleted by someone else just before the copy that would replace it.
    const deleter = beforeFirstSend(target.storage.getClient(), 'CopyObjectCommand', (input) =>
      s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: input.Key })),
    );
    let report: MigrationReport;
    try {
      report = await runMigration(target, {
        from: `s3://${SOURCE_BUCKET}/gone`,
        to: 'generated/gone/',
        allowUnlisted: true,
        overwrite: true,
      });
    } finally {
      target.destroy();
    }

    expect(deleter.ran()).toBe(true);
    // Still deleted: the old version behind its delete marker, and nothing new.
    const { versions, deleteMarkers } = await listVersions(s3.client, BUCKET, 'generated/gone/');
    expect(versions).toEqual([expect.objectContaining({ isLatest: false })]);
    expect(deleteMarkers).toEqual([expect.objectContaining({ isLatest: true })]);
    expect(report.failures).toEqual([]);
    expect(report.counts).toMatchObject({ listed: 1, copied: 0, conflicts: 1, failed: 0 });
    expect(report.conflicts[0]?.reason).toMatch(
      /the destination changed since it was listed \(listed with 8 bytes, ETag "\w+"; it is now absent\)/,
    );
  });
});

describe('two migrations from different sources into one destination prefix at once', {
  timeout: 60_000,
}, () => {
  const KEYS = 200;
  const name = (i: number) => `k-${String(i).padStart(3, '0')}.txt`;
  // Different sizes and bytes per source, so a loser can never take the winner's copy for its own.
  const bodyOf = (run: 'A' | 'B', i: number) => `${run === 'A' ? 'run A' : 'run B, longer'} ${i}`;
  const destination = 'generated/race/';

  it('overwrite nothing: each key has one version, from the run that wrote it first, and the other run reports it as a conflict', async () => {
    for (const run of ['A', 'B'] as const) {
      await seed(
        s3.client,
        SOURCE_BUCKET,
        Array.from({ length: KEYS }, (_, i) => ({
          key: `race-${run}/${name(i)}`,
          body: bodyOf(run, i),
        })),
      );
    }

    const [a, b] = await Promise.all([
      migrate(`s3://${SOURCE_BUCKET}/race-A`, destination),
      migrate(`s3://${SOURCE_BUCKET}/race-B`, destination),
    ]);

    // Nothing was overwritten: one version per key.
    const { versions, deleteMarkers } = await listVersions(s3.client, BUCKET, destination);
    const counts = versionCounts(versions);
    expect(counts.size).toBe(KEYS);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect(deleteMarkers).toEqual([]);
    // Nothing failed, and every key was copied by exactly one of the two runs.
    for (const run of [a, b]) {
      expect(run.report.counts).toMatchObject({ listed: KEYS, failed: 0, skipped: 0 });
      expect(run.report.counts.copied + run.report.counts.conflicts).toBe(KEYS);
    }
    expect(a.report.counts.copied + b.report.counts.copied).toBe(KEYS);
    const lostBy = (run: typeof a) => new Set(run.report.conflicts.map((c) => c.destinationKey!));
    const lostByA = lostBy(a);
    const lostByB = lostBy(b);
    expect([...lostByA].filter((key) => lostByB.has(key))).toEqual([]);
    // They really raced: some copies were refused by S3 after a listing that showed the key
    // free (the conditional write, not the listing, decided those). Both list the same keys in
    // the same order, so whichever run gets ahead tends to stay ahead and win most keys.
    const refusedByS3 = [...a.report.conflicts, ...b.report.conflicts].filter((c) =>
      /changed since it was listed \(absent when listed/.test(c.reason ?? ''),
    );
    expect(refusedByS3.length).toBeGreaterThan(0);

    const wrongContent: string[] = [];
    for (let i = 0; i < KEYS; i++) {
      const key = `${destination}${name(i)}`;
      const winner = lostByA.has(key) ? 'B' : 'A';
      const body = (await readBytes(s3.client, BUCKET, key)).toString();
      if (body !== bodyOf(winner, i)) wrongContent.push(`${key}: ${body}`);
    }
    expect(wrongContent).toEqual([]);
  });
});
