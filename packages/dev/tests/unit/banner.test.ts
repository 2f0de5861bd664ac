import { describe, expect, it } from 'vitest';
import { type BannerStack, startBanner } from '../../src/banner.ts';

const base = {
  pageUrl: 'http://localhost:3000',
  apiUrl: 'http://localhost:3000/api',
  bucket: 'auto-bio-local',
  seededStubs: [],
} satisfies Omit<BannerStack, 's3'>;

const credentials = { accessKeyId: 'k', secretAccessKey: 's' };
const details = { illustrationGenMode: 'stub', readyInMs: 12 };

describe("pnpm dev's start-up lines", () => {
  it('name s3rver and say what it does not check and how to get a server that does', () => {
    const lines = startBanner(
      {
        ...base,
        s3: {
          engine: 's3rver',
          endpoint: 'http://127.0.0.1:4569',
          region: 'us-east-1',
          credentials,
          directory: 'repo/.local-s3',
        },
      },
      details,
    );
    expect(lines).toContain(
      '  s3        s3rver at http://127.0.0.1:4569  bucket auto-bio-local, data in repo/.local-s3',
    );
    expect(lines).toContain(
      '  note      s3rver checks no signatures, POST policies, versions or conditional writes; ' +
        'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
    );
  });

  it('name versitygw with no such note', () => {
    const lines = startBanner(
      {
        ...base,
        s3: {
          engine: 'versitygw',
          endpoint: 'http://127.0.0.1:4569',
          region: 'us-east-1',
          credentials,
          directory: 'repo/.local-s3/versitygw',
        },
      },
      details,
    );
    expect(lines).toContain(
      '  s3        versitygw (the Versity S3 Gateway, versioned) at http://127.0.0.1:4569  ' +
        'bucket auto-bio-local, data in repo/.local-s3/versitygw',
    );
    expect(lines.join('\n')).not.toContain('note');
  });

  it('name the real bucket when S3_BUCKET_NAME is set', () => {
    const lines = startBanner({ ...base, bucket: 'auto-bio-dev', s3: undefined }, details);
    expect(lines).toContain('  s3        the real bucket auto-bio-dev (S3_BUCKET_NAME)');
    expect(lines.join('\n')).not.toContain('s3rver');
    expect(lines).toContain('ready in 12 ms. Press Ctrl-C to stop.');
  });
});
