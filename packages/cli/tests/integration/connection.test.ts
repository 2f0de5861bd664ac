import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DoctorReport } from '../../src/types/doctor.ts';
import type { MigrationReport } from '../../src/types/migrate.ts';
import { startTestS3, type TestS3 } from '../helpers/local-s3.ts';
import { type RunningPnpmDev, startPnpmDev } from '../helpers/pnpm-dev.ts';
import { runCommand } from '../helpers/run-cli.ts';

const find = (report: DoctorReport, id: string) => report.checks.find((check) => check.id === id);

describe('--local, with a pnpm dev running', { timeout: 60_000 }, () => {
  let dev: RunningPnpmDev;

  beforeAll(async () => {
    dev = await startPnpmDev();
  }, 60_000);
  afterAll(async () => {
    await dev?.stop();
  });

  it("runs doctor against pnpm dev's embedded S3 with no storage variable set", async () => {
    const result = await runCommand(['doctor', '--local', '--json'], { ...dev.env });

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(0);
    expect(find(report, 'config')?.data).toMatchObject({
      bucket: dev.connection.bucket,
      endpoint: dev.connection.endpoint,
      localEngine: dev.connection.engine,
    });
    expect(find(report, 'bucket')?.status).toBe('pass');
    expect(find(report, 'probe-delete')?.status).toBe('pass');
  });

  it("wins over the environment's storage variables, which point elsewhere", async () => {
    const result = await runCommand(['doctor', '--local', '--json'], {
      ...dev.env,
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_BUCKET_NAME: 'somewhere-else',
      BACKEND_AWS_KEY: 'AKIAUNKNOWN000000000',
      BACKEND_AWS_SECRET: 'wrong',
    });

    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as DoctorReport).ok).toBe(true);
  });

  it("migrates within pnpm dev's bucket, given before the command as the AWS CLI takes it", async () => {
    const result = await runCommand(
      [
        '--local',
        'migrate',
        '--from',
        `s3://${dev.connection.bucket}/stubs`,
        '--to',
        'avatars',
        '--dry-run',
        '--json',
      ],
      { ...dev.env },
    );

    const report = JSON.parse(result.stdout) as MigrationReport;
    expect(result.code).toBe(0);
    expect(report.destination).toBe(`s3://${dev.connection.bucket}/avatars/`);
    expect(report.plan?.map((outcome) => outcome.destinationKey).sort()).toEqual([
      'avatars/forest.png',
      'avatars/ocean.png',
      'avatars/sunset.png',
    ]);
  });
});

describe('--local, with no pnpm dev running', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'autobio-cli-no-dev-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 2 naming pnpm dev, the data folder it looked at and DEV_DATA_DIR', async () => {
    const result = await runCommand(['doctor', '--local'], { DEV_DATA_DIR: dataDir });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no pnpm dev is running on the data folder ${dataDir}`);
    expect(result.stderr).toContain('Start it with `pnpm dev`');
    expect(result.stderr).toContain('DEV_DATA_DIR');
  });

  it('exits 2 for migrate too, before any request', async () => {
    const result = await runCommand(
      ['migrate', '--local', '--from', 's3://autobio-legacy', '--to', 'generated', '--json'],
      { DEV_DATA_DIR: dataDir },
    );

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { name: 'LocalDevNotRunningError', code: 'LocalDevNotRunning' },
    });
  });

  it('exits 2 when --local is given with --endpoint-url, which it would contradict', async () => {
    const result = await runCommand(
      ['doctor', '--local', '--endpoint-url', 'http://127.0.0.1:4569'],
      { DEV_DATA_DIR: dataDir },
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "option '--local' cannot be used with option '--endpoint-url <url>'",
    );
  });
});

describe('--endpoint-url, --region and --profile', () => {
  let s3: TestS3;
  let folder: string;

  beforeAll(async () => {
    s3 = await startTestS3();
    folder = await mkdtemp(join(tmpdir(), 'autobio-cli-profile-'));
    // A shared credentials file with the server's keys under a profile of its own.
    await writeFile(
      join(folder, 'credentials'),
      `[autobio-local]\naws_access_key_id = ${s3.env().BACKEND_AWS_KEY}\n` +
        `aws_secret_access_key = ${s3.env().BACKEND_AWS_SECRET}\n`,
    );
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('sends requests to --endpoint-url rather than S3_ENDPOINT', async () => {
    const result = await runCommand(
      ['doctor', '--json', '--endpoint-url', s3.server.endpoint],
      s3.env({ S3_ENDPOINT: 'http://127.0.0.1:9' }),
    );

    expect(result.code).toBe(0);
    expect(find(JSON.parse(result.stdout) as DoctorReport, 'config')?.data?.endpoint).toBe(
      s3.server.endpoint,
    );
  });

  it('uses --region rather than S3_CLIENT_REGION', async () => {
    const result = await runCommand(
      ['doctor', '--json', '--region', 'eu-west-3'],
      s3.env({ S3_CLIENT_REGION: 'us-east-1' }),
    );

    expect(find(JSON.parse(result.stdout) as DoctorReport, 'config')?.data?.region).toBe(
      'eu-west-3',
    );
  });

  it("uses the credentials of --profile rather than BACKEND_AWS_KEY's", async () => {
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(folder, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(folder, 'no-config'));
    const env = s3.env({ BACKEND_AWS_KEY: 'AKIAUNKNOWN000000000', BACKEND_AWS_SECRET: 'wrong' });

    const withEnvKeys = await runCommand(['doctor', '--json'], env);
    const withProfile = await runCommand(['doctor', '--json', '--profile', 'autobio-local'], env);

    expect(withEnvKeys.code).toBe(1);
    expect(withProfile.code).toBe(0);
    const report = JSON.parse(withProfile.stdout) as DoctorReport;
    expect(find(report, 'credentials')).toMatchObject({
      detail: expect.stringContaining('the profile "autobio-local" of the shared AWS config'),
      data: { kind: 'profile', profile: 'autobio-local' },
    });
  });

  it('fails the credentials check naming a profile that gives none', async () => {
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(folder, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(folder, 'no-config'));

    const result = await runCommand(['doctor', '--json', '--profile', 'nobody'], s3.env());

    expect(result.code).toBe(1);
    expect(find(JSON.parse(result.stdout) as DoctorReport, 'credentials')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('aws configure list --profile nobody'),
    });
  });

  it('exits 2 for an --endpoint-url that is not an http(s) URL, naming it without its password', async () => {
    const result = await runCommand(
      ['doctor', '--endpoint-url', 'admin:hunter2@127.0.0.1:4569'],
      s3.env(),
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --endpoint-url "127.0.0.1:4569" cannot be used');
    expect(result.stderr).not.toContain('hunter2');
  });
});
