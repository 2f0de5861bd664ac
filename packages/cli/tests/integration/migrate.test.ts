import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  headObject,
  listBucket,
  type SeedObject,
  SOURCE_BUCKET,
  seed,
  startTestS3,
  type TestS3,
} from '../helpers/local-s3.ts';
import { runCommand } from '../helpers/run-cli.ts';

let s3: TestS3;
let run = 0;
/** Each test migrates its own source prefix into its own destination prefix. */
let from: string;
let to: string;

const SOURCE_OBJECTS: SeedObject[] = [
  {
    key: 'avatars/u1.png',
    body: 'png one',
    contentType: 'image/png',
    metadata: { owner: 'u1', source: 'staging' },
    cacheControl: 'max-age=3600',
  },
  {
    key: 'avatars/u2.webp',
    body: 'webp two',
    contentType: 'image/webp',
    metadata: { owner: 'u2' },
  },
  { key: 'nested/deep/a b é.png', body: 'spaces and accents', contentType: 'image/png' },
  { key: 'notes.txt', body: 'plain', contentType: 'text/plain' },
];

/** Migrates keys no route reads (as an archive): these tests are about copying them. */
async function migrate(...args: string[]) {
  const result = await runCommand(
    ['migrate', '--from', from, '--to', to, '--allow-unlisted', ...args],
    s3.env(),
  );
  return {
    ...result,
    report: args.includes('--json') ? (JSON.parse(result.stdout) as MigrationReport) : undefined,
  };
}

beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});
beforeEach(async () => {
  run++;
  from = `s3://${SOURCE_BUCKET}/run-${run}`;
  to = `generated/run-${run}/`;
  await seed(
    s3.client,
    SOURCE_BUCKET,
    SOURCE_OBJECTS.map((o) => ({ ...o, key: `run-${run}/${o.key}` })),
  );
});

describe('migrate against the embedded S3 server', () => {
  it('copies every object with its content type and metadata, and leaves the source as it was', async () => {
    const before = await listBucket(s3.client, SOURCE_BUCKET, `run-${run}/`);
    const { code, report } = await migrate('--json');
    expect(code).toBe(0);
    expect(report?.counts).toMatchObject({
      listed: 4,
      copied: 4,
      skipped: 0,
      conflicts: 0,
      failed: 0,
    });
    expect(report?.destination).toBe(`s3://${BUCKET}/${to}`);
    const copy = await headObject(s3.client, BUCKET, `${to}avatars/u1.png`);
    expect(copy).toMatchObject({
      ContentType: 'image/png',
      Metadata: { owner: 'u1', source: 'staging' },
      CacheControl: 'max-age=3600',
      ContentLength: 7,
    });
    expect((await headObject(s3.client, BUCKET, `${to}nested/deep/a b é.png`)).ContentLength).toBe(
      18,
    );
    expect(await listBucket(s3.client, SOURCE_BUCKET, `run-${run}/`)).toEqual(before);
  });

  it('skips identical objects without rewriting them', async () => {
    await migrate();
    const first = await listBucket(s3.client, BUCKET, to);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // LastModified has 1 s resolution
    const { code, report } = await migrate('--json');
    expect(code).toBe(0);
    expect(report?.counts).toMatchObject({ copied: 0, skipped: 4 });
    expect(await listBucket(s3.client, BUCKET, to)).toEqual(first);
  });

  it('leaves a conflicting object alone and exits 1; --overwrite replaces it', async () => {
    await seed(s3.client, BUCKET, [{ key: `${to}notes.txt`, body: 'edited at the destination' }]);
    const kept = await migrate('--json');
    expect(kept.code).toBe(1);
    expect(kept.report?.counts).toMatchObject({ copied: 3, conflicts: 1, failed: 0 });
    expect(kept.report?.conflicts[0]).toMatchObject({
      sourceKey: `run-${run}/notes.txt`,
      destinationKey: `${to}notes.txt`,
      action: 'conflict',
    });
    expect((await headObject(s3.client, BUCKET, `${to}notes.txt`)).ContentLength).toBe(25);

    const replaced = await migrate('--json', '--overwrite');
    expect(replaced.code).toBe(0);
    expect(replaced.report?.counts).toMatchObject({ copied: 1, skipped: 3, conflicts: 0 });
    expect((await headObject(s3.client, BUCKET, `${to}notes.txt`)).ContentLength).toBe(5);
  });

  it('writes nothing in a dry run, and lists what it would do with each object', async () => {
    await seed(s3.client, BUCKET, [
      { key: `${to}notes.txt`, body: 'plain', contentType: 'text/plain' },
      { key: `${to}avatars/u2.webp`, body: 'different' },
    ]);
    const before = await listBucket(s3.client, BUCKET, to);
    const { code, stdout } = await migrate('--dry-run');
    expect(await listBucket(s3.client, BUCKET, to)).toEqual(before);
    expect(code).toBe(1);
    const src = `s3://${SOURCE_BUCKET}/run-${run}`;
    const dst = `s3://${BUCKET}/${to}`;
    expect(stdout).toContain(`copy      ${src}/avatars/u1.png -> ${dst}avatars/u1.png (7 B)`);
    expect(stdout).toContain(`conflict  ${src}/avatars/u2.webp -> ${dst}avatars/u2.webp (8 B)`);
    expect(stdout).toContain(`skip      ${src}/notes.txt -> ${dst}notes.txt (5 B)`);
    expect(stdout).toMatch(/would copy +2 objects/);
  });

  it('verifies every copy when asked', async () => {
    const { code, report } = await migrate('--json', '--verify');
    expect(code).toBe(0);
    expect(report?.counts).toMatchObject({ copied: 4, verified: 4, verifyFailed: 0 });
  });

  it('prints plain progress lines when not on a terminal', async () => {
    const { stderr } = await migrate();
    expect(stderr).toMatch(
      /^progress: 4\/4 objects \(100%\), 38 B of 38 B, [\d.]+ obj\/s, ETA 0s; copied 4, skipped 0, conflicts 0, failed 0$/m,
    );
  });

  it('prints a readable report with the counts', async () => {
    const { stdout } = await migrate('--no-progress');
    expect(stdout).toContain(`Migration s3://${SOURCE_BUCKET}/run-${run}/ -> s3://${BUCKET}/${to}`);
    expect(stdout).toMatch(/copied +4 objects, 38 B/);
  });

  it('resolves an area name through the key layout', async () => {
    const result = await runCommand(
      ['migrate', '--from', from, '--to', 'stubs', '--allow-unlisted', '--json', '--no-progress'],
      s3.env({ S3_STUBS_PREFIX: `dev-stubs-${run}/` }),
    );
    expect(result.code).toBe(0);
    expect((await listBucket(s3.client, BUCKET, `dev-stubs-${run}/`)).size).toBe(4);
  });

  it('exits 2 and writes nothing for a destination outside the layout', async () => {
    const result = await runCommand(['migrate', '--from', from, '--to', 'backups/'], s3.env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --to "backups/" cannot be used');
    expect((await listBucket(s3.client, BUCKET, 'backups/')).size).toBe(0);
  });

  it('exits 1 naming the source bucket when it does not exist', async () => {
    const result = await runCommand(
      ['migrate', '--from', 's3://autobio-gone', '--to', to],
      s3.env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: Source bucket "autobio-gone" does not exist. Check the bucket name in --from.\n',
    );
  });

  it('exits 2 for a bad configuration, naming the variable', async () => {
    const result = await runCommand(
      ['migrate', '--from', from, '--to', to, '--json'],
      s3.env({ S3_BUCKET_NAME: undefined }),
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { name: 'ConfigurationError', message: expect.stringContaining('S3_BUCKET_NAME') },
    });
  });
});
