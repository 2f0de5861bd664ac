import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_ENVIRONMENT_VARIABLES, loadDevConfig } from '../../src/config.ts';
import { DevStartError } from '../../src/errors.ts';
import { engineDataDir } from '../../src/local-stack.ts';

describe("pnpm dev's configuration", () => {
  it('runs on s3rver unless DEV_S3 names another server', () => {
    expect(loadDevConfig({}).s3Engine).toBe('s3rver');
    expect(loadDevConfig({ DEV_S3: ' ' }).s3Engine).toBe('s3rver');
    expect(loadDevConfig({ DEV_S3: 's3rver' }).s3Engine).toBe('s3rver');
    expect(loadDevConfig({ DEV_S3: ' versitygw ' }).s3Engine).toBe('versitygw');
  });

  it.each(['minio', 'VersityGW', 'true'])(
    'refuses DEV_S3=%s, naming the value and the accepted ones',
    (value) => {
      expect(() => loadDevConfig({ DEV_S3: value })).toThrow(DevStartError);
      expect(() => loadDevConfig({ DEV_S3: value })).toThrow(
        `DEV_S3="${value}" is not an S3 server pnpm dev knows: use DEV_S3=s3rver or DEV_S3=versitygw (unset: s3rver).`,
      );
    },
  );

  it('lists DEV_S3 among the variables it reads', () => {
    expect(DEV_ENVIRONMENT_VARIABLES).toContain('DEV_S3');
  });

  it("keeps versitygw's data in a sub-folder, apart from s3rver's", () => {
    const dataDir = join('data', 'local-s3');
    expect(engineDataDir({ dataDir, s3Engine: 's3rver' })).toBe(dataDir);
    expect(engineDataDir({ dataDir, s3Engine: 'versitygw' })).toBe(join(dataDir, 'versitygw'));
  });
});
