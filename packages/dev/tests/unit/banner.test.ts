import { describe, expect, it } from 'vitest';
import { type BannerStack, startBanner } from '../../src/banner.ts';
import type { LocalConnection } from '../../src/connection.ts';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const connection: LocalConnection = {
  engine: 's3rver',
  endpoint: 'http://127.0.0.1:4569',
  bucket: 'auto-bio-local',
  region: 'us-east-1',
  ...credentials,
  pageUrl: 'http://localhost:3000',
  apiUrl: 'http://localhost:3000/api',
  pid: 1234,
  dataDir: '/repo/.local-s3',
};

const base: BannerStack = {
  pageUrl: 'http://localhost:3000',
  apiUrl: 'http://localhost:3000/api',
  bucket: 'auto-bio-local',
  seededStubs: [],
  s3: {
    engine: 's3rver',
    endpoint: 'http://127.0.0.1:4569',
    region: 'us-east-1',
    credentials,
    directory: '/repo/.local-s3',
  },
  connection,
  illustrationGen: { mode: 'stub' },
  watchDirs: [],
  exposedOn: undefined,
  replacedVariables: [],
};

const details = { readyInMs: 12 };

describe("pnpm dev's start-up lines", () => {
  it('name s3rver and say what it does not check and how to get a server that does', () => {
    const lines = startBanner(base, details);

    expect(lines).toContain(
      '  s3        s3rver at http://127.0.0.1:4569  bucket auto-bio-local, region us-east-1',
    );
    expect(lines).toContain('  data      /repo/.local-s3');
    expect(lines).toContain(
      '  note      s3rver checks no signatures, POST policies, versions or conditional writes; ' +
        'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
    );
  });

  it('name versitygw with no such note', () => {
    const lines = startBanner(
      {
        ...base,
        s3: { ...base.s3!, engine: 'versitygw', directory: '/repo/.local-s3/versitygw' },
        connection: { ...connection, engine: 'versitygw' },
      },
      details,
    );

    expect(lines).toContain(
      '  s3        versitygw (the Versity S3 Gateway, versioned) at http://127.0.0.1:4569  ' +
        'bucket auto-bio-local, region us-east-1',
    );
    expect(lines.join('\n')).not.toContain('note');
  });

  it('print the embedded S3 as export lines for the storage CLI and the AWS CLI, and name the file', () => {
    const lines = startBanner(base, details);

    expect(lines).toContain(
      '  For pnpm storage or the AWS CLI on this S3 (also in /repo/.local-s3/connection.env):',
    );
    expect(lines).toContain(
      '    export S3_ENDPOINT=http://127.0.0.1:4569 S3_BUCKET_NAME=auto-bio-local S3_CLIENT_REGION=us-east-1',
    );
    expect(lines).toContain('    export BACKEND_AWS_KEY=S3RVER BACKEND_AWS_SECRET=S3RVER');
    expect(lines).toContain(
      '    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1',
    );
  });

  it('stay within 110 columns but for the s3rver note, so a terminal shows them unwrapped', () => {
    const lines = startBanner({ ...base, watchDirs: ['/x/packages/functions/src'] }, details);

    const wide = lines.filter((line) => line.length > 110 && !line.startsWith('  note'));
    expect(wide).toEqual([]);
  });

  it('name the real bucket when S3_BUCKET_NAME is set, and print no keys', () => {
    const lines = startBanner(
      { ...base, bucket: 'auto-bio-dev', s3: undefined, connection: undefined },
      details,
    );

    expect(lines).toContain('  s3        the real bucket auto-bio-dev (S3_BUCKET_NAME)');
    expect(lines.join('\n')).not.toContain('s3rver');
    expect(lines.join('\n')).not.toContain('export');
    expect(lines).toContain('ready in 12 ms. Press Ctrl-C to stop.');
  });

  it('warn that a stack bound beyond loopback lets anyone sign in', () => {
    const lines = startBanner({ ...base, exposedOn: '0.0.0.0' }, details);

    expect(lines.join('\n')).toContain(
      'warning   listening on 0.0.0.0: anyone who reaches this machine can sign in as any user',
    );
  });

  it('say which variables came from .env.local and which the environment kept', () => {
    const lines = startBanner(base, {
      ...details,
      envFile: { path: '.env.local', loaded: ['DEV_S3'], overridden: ['S3_CLIENT_REGION'] },
    });

    expect(lines).toContain(
      "  env       .env.local: DEV_S3; the environment's own S3_CLIENT_REGION won",
    );
  });

  it('name the fake illustration-gen service and what its foreign-bucket answers do', () => {
    const url = 'http://127.0.0.1:5000/generate';
    const fake = startBanner(
      { ...base, illustrationGen: { mode: 'service', url, fake: 'own-bucket' } },
      details,
    );
    const foreign = startBanner(
      { ...base, illustrationGen: { mode: 'service', url, fake: 'foreign-bucket' } },
      details,
    );

    expect(fake).toContain(
      `  generate  service mode, the fake illustration-gen at ${url} (DEV_ILLUSTRATION_GEN=fake)`,
    );
    expect(foreign.join('\n')).toContain('generate answers 502 ForeignBucket');
  });
});
