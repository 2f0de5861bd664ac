import { createS3Storage } from '@autobio/s3-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  listBucket,
  SOURCE_BUCKET,
  seed,
  startTestS3,
  type TestS3,
} from '../helpers/local-s3.ts';
import { runCommand } from '../helpers/run-cli.ts';

let s3: TestS3;

/** The file names of generated keys: a 13-digit millisecond timestamp and a UUID. */
const FILE_1 = '1714521600000-3b241101-e2bb-4255-8caf-4136c566a962.png';
const FILE_2 = '1714521600001-7c9e6679-7425-40de-944b-e07fc1f90ae7.png';

beforeAll(async () => {
  s3 = await startTestS3();
  await seed(s3.client, SOURCE_BUCKET, [
    // As the user had them: no route reads generated/u1/img-1.png.
    { key: 'photos/u1/img-1.png', body: 'one' },
    { key: 'photos/u1/img-2.png', body: 'two' },
    // Generated keys one folder too deep: --from .../memories/ --to generated/memory fits.
    { key: `old/memories/u1/${FILE_1}`, body: 'memory one' },
    { key: `old/memories/u2/${FILE_2}`, body: 'memory two' },
    // For the filters.
    { key: 'assets/forest.png', body: 'forest' },
    { key: 'assets/ocean.webp', body: 'ocean' },
    { key: 'assets/drafts/sunset.png', body: 'draft' },
    { key: 'assets/.hidden.png', body: 'hidden' },
  ]);
});
afterAll(async () => {
  await s3?.stop();
});

async function migrate(...args: string[]) {
  const result = await runCommand(['migrate', ...args, '--json', '--no-progress'], s3.env());
  return {
    code: result.code,
    stderr: result.stderr,
    report: JSON.parse(result.stdout) as MigrationReport,
  };
}

describe('migrate into keys the API reads', () => {
  it('refuses keys no route reads, copying nothing, and says how to map them', async () => {
    const { code, report } = await migrate(
      '--from',
      `s3://${SOURCE_BUCKET}/photos`,
      '--to',
      'generated',
    );

    expect(code).toBe(1);
    expect(report.counts).toMatchObject({ listed: 2, copied: 0, refused: 2 });
    expect(report.refusals[0]).toMatchObject({
      sourceKey: 'photos/u1/img-1.png',
      destinationKey: 'generated/u1/img-1.png',
      action: 'refuse',
    });
    expect(report.refusals[0]?.reason).toBe(
      'no route of the API reads generated/u1/img-1.png, and no --to would: its name fits no key the API reads.',
    );
    expect(report.refusalHint).toContain('so the app would never show them');
    expect(report.refusalHint).toContain(
      'generated/{memory|subject}/{userId}/{timestamp}-{uuid}.png',
    );
    expect(report.refusalHint).toContain('pass --allow-unlisted to copy them as an archive');
    expect((await listBucket(s3.client, BUCKET, 'generated/u1/')).size).toBe(0);
  });

  it('names the --from and --to that would fit keys one folder too deep', async () => {
    const { report } = await migrate(
      '--from',
      `s3://${SOURCE_BUCKET}/old`,
      '--to',
      'generated',
      '--dry-run',
    );

    expect(report.plan?.map((outcome) => outcome.action)).toEqual(['refuse', 'refuse']);
    expect(report.plan?.[0]?.reason).toBe(
      `no route of the API reads generated/memories/u1/${FILE_1}; --from ` +
        `s3://${SOURCE_BUCKET}/old/memories/ --to generated/memory or --to generated/subject ` +
        `would put it at generated/memory/u1/${FILE_1}.`,
    );
  });

  it('copies generated keys under the area that fits, where the API lists them', async () => {
    const { code, report } = await migrate(
      '--from',
      `s3://${SOURCE_BUCKET}/old/memories`,
      '--to',
      'generated/memory',
    );

    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ copied: 2, refused: 0 });
    const storage = createS3Storage({
      config: {
        bucketName: BUCKET,
        endpoint: s3.server.endpoint,
        forcePathStyle: true,
        credentials: {
          accessKeyId: s3.env().BACKEND_AWS_KEY!,
          secretAccessKey: s3.env().BACKEND_AWS_SECRET!,
        },
      },
    });
    try {
      const page = await storage.listGeneratedIllustrations('u1', 'memory');
      expect(page.items.map((item) => item.key)).toEqual([`generated/memory/u1/${FILE_1}`]);
    } finally {
      storage.getClient().destroy();
    }
  });

  it('copies keys no route reads with --allow-unlisted, as an archive', async () => {
    const { code, report } = await migrate(
      '--from',
      `s3://${SOURCE_BUCKET}/photos`,
      '--to',
      'generated/legacy/',
      '--allow-unlisted',
    );

    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ copied: 2, refused: 0 });
    expect([...(await listBucket(s3.client, BUCKET, 'generated/legacy/')).keys()].sort()).toEqual([
      'generated/legacy/u1/img-1.png',
      'generated/legacy/u1/img-2.png',
    ]);
  });
});

describe('migrate with --include and --exclude', () => {
  const plan = async (...filters: string[]) => {
    const { report } = await migrate(
      '--from',
      `s3://${SOURCE_BUCKET}/assets`,
      '--to',
      'stubs',
      '--allow-unlisted',
      '--dry-run',
      ...filters,
    );
    return {
      keys: report.plan?.map((outcome) => outcome.sourceKey.slice('assets/'.length)).sort(),
      counts: report.counts,
    };
  };

  it('copies only what an --include matches, a glob without "/" matching the name at any depth', async () => {
    expect(await plan('--include', '*.png')).toEqual({
      keys: ['.hidden.png', 'drafts/sunset.png', 'forest.png'],
      counts: expect.objectContaining({ listed: 3, excluded: 1 }),
    });
  });

  it('leaves out what an --exclude matches, even when an --include matches it too', async () => {
    expect((await plan('--include', '*.png', '--exclude', 'drafts/**')).keys).toEqual([
      '.hidden.png',
      'forest.png',
    ]);
  });

  it('takes each filter as often as needed', async () => {
    expect((await plan('--include', 'forest.*', '--include', '*.webp')).keys).toEqual([
      'forest.png',
      'ocean.webp',
    ]);
    expect((await plan('--exclude', '.*', '--exclude', '*.webp')).keys).toEqual([
      'drafts/sunset.png',
      'forest.png',
    ]);
  });

  it('reports what the filters left out', async () => {
    const result = await runCommand(
      [
        'migrate',
        '--from',
        `s3://${SOURCE_BUCKET}/assets`,
        '--to',
        'stubs',
        '--include',
        '*.webp',
        '--dry-run',
        '--no-progress',
      ],
      s3.env(),
    );
    expect(result.stdout).toMatch(
      /listed +1 object, 5 B \(3 more left out by --include\/--exclude\)/,
    );
  });
});

describe('migrate against an endpoint where nothing answers', () => {
  it('exits 1 naming the endpoint without its password, and how to reach pnpm dev', async () => {
    const result = await runCommand(
      [
        'migrate',
        '--from',
        `s3://${SOURCE_BUCKET}/photos`,
        '--to',
        'generated',
        '--max-attempts',
        '1',
      ],
      s3.env({ S3_ENDPOINT: 'http://admin:hunter2@127.0.0.1:9', S3_MAX_ATTEMPTS: '1' }),
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Nothing answers at http:\/\/127\.0\.0\.1:9 \(connect ECONNREFUSED 127\.0\.0\.1:9\)\. Is pnpm dev running\? Start it with `pnpm dev` and pass --local, or give the address of the S3 server that runs with --endpoint-url \(this one came from S3_ENDPOINT\)\.\n$/,
    );
    expect(result.stderr).not.toContain('hunter2');
  });
});
