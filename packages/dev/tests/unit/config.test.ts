import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEV_ENVIRONMENT_VARIABLES,
  loadDevConfig,
  resolveHosts,
  validateHost,
} from '../../src/config.ts';
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

describe("pnpm dev's configuration of the developer loop", () => {
  it('turns watch mode on with DEV_WATCH=1 or true, and refuses other values naming them', () => {
    expect(loadDevConfig({}).watch).toBe(false);
    expect(loadDevConfig({ DEV_WATCH: '1' }).watch).toBe(true);
    expect(loadDevConfig({ DEV_WATCH: 'true' }).watch).toBe(true);
    expect(loadDevConfig({ DEV_WATCH: '0' }).watch).toBe(false);
    expect(() => loadDevConfig({ DEV_WATCH: 'sometimes' })).toThrow(
      'DEV_WATCH="sometimes" is not on or off: use DEV_WATCH=1 or unset it.',
    );
  });

  it('starts the fake illustration-gen service only when DEV_ILLUSTRATION_GEN names it', () => {
    expect(loadDevConfig({}).illustrationGen).toBe('environment');
    expect(loadDevConfig({ DEV_ILLUSTRATION_GEN: 'fake' }).illustrationGen).toBe('fake');
    expect(loadDevConfig({ DEV_ILLUSTRATION_GEN: 'fake-foreign-bucket' }).illustrationGen).toBe(
      'fake-foreign-bucket',
    );
    expect(() => loadDevConfig({ DEV_ILLUSTRATION_GEN: 'sdxl' })).toThrow(
      'DEV_ILLUSTRATION_GEN="sdxl" is not a fake pnpm dev has: use DEV_ILLUSTRATION_GEN=fake or ' +
        'DEV_ILLUSTRATION_GEN=fake-foreign-bucket',
    );
  });

  it('keeps S3_CLIENT_REGION for the embedded S3 instead of replacing it', () => {
    expect(loadDevConfig({ S3_CLIENT_REGION: ' eu-west-1 ' }).embeddedRegion).toBe('eu-west-1');
    expect(loadDevConfig({}).embeddedRegion).toBeUndefined();
  });

  it('reads DEV_DATA_DIR as an absolute folder, so another process finds the same one', () => {
    expect(loadDevConfig({ DEV_DATA_DIR: 'rel/data' }).dataDir).toBe(resolve('rel/data'));
  });

  it.each(['a b', 'http://x', 'x/y', ''])('refuses %j as a host, naming it', (value) => {
    expect(() => validateHost(value, '--host')).toThrow(
      `--host "${value}" is not an address or host name`,
    );
  });
});

describe('the hosts a stack listens on and is reached by', () => {
  it('listens on loopback and calls itself localhost by default', () => {
    expect(resolveHosts({})).toEqual({ bindHost: '127.0.0.1', publicHost: 'localhost' });
  });

  it("calls itself by the bound address, or for every interface by the machine's name", () => {
    expect(resolveHosts({ host: '192.168.1.20' }).publicHost).toBe('192.168.1.20');
    expect(resolveHosts({ host: '0.0.0.0' })).toEqual({
      bindHost: '0.0.0.0',
      publicHost: hostname(),
    });
  });

  it('calls itself by --public-host when given, as behind a container port mapping', () => {
    expect(resolveHosts({ host: '0.0.0.0', publicHost: 'localhost' }).publicHost).toBe('localhost');
  });
});
