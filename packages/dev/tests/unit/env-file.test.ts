import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/env-file.ts';

describe('loading .env.local', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobio-env-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('takes the variables the environment lacks and keeps the ones it sets', async () => {
    const file = join(dir, '.env.local');
    await writeFile(
      file,
      '# local settings\nS3_CLIENT_REGION=eu-west-1\nBACKEND_AWS_KEY="AKIA EXAMPLE"\nDEV_S3=versitygw\n',
    );
    const env: NodeJS.ProcessEnv = { S3_CLIENT_REGION: 'us-west-2' };

    const loaded = await loadEnvFile(file, env);

    expect(env).toEqual({
      S3_CLIENT_REGION: 'us-west-2',
      BACKEND_AWS_KEY: 'AKIA EXAMPLE',
      DEV_S3: 'versitygw',
    });
    expect(loaded).toEqual({
      path: file,
      loaded: ['BACKEND_AWS_KEY', 'DEV_S3'],
      overridden: ['S3_CLIENT_REGION'],
    });
  });

  it('keeps a variable the environment sets to an empty value, as S3_BUCKET_NAME= pnpm dev does', async () => {
    const file = join(dir, '.env.local');
    await writeFile(file, 'S3_BUCKET_NAME=auto-bio-dev\n');
    const env: NodeJS.ProcessEnv = { S3_BUCKET_NAME: '' };

    await loadEnvFile(file, env);

    expect(env.S3_BUCKET_NAME).toBe('');
  });

  it('is no error when there is no such file', async () => {
    const env: NodeJS.ProcessEnv = {};

    expect(await loadEnvFile(join(dir, 'missing'), env)).toBeUndefined();
    expect(env).toEqual({});
  });

  it('names the file when it cannot be read', async () => {
    await expect(loadEnvFile(dir, {})).rejects.toThrow(`${dir} cannot be read:`);
  });
});
