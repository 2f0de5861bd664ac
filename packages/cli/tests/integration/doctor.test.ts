import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDoctor } from '../../src/doctor.ts';
import type { DoctorReport } from '../../src/types/doctor.ts';
import { BUCKET, listBucket, startTestS3, type TestS3 } from '../helpers/local-s3.ts';
import { runBin, runCommand } from '../helpers/run-cli.ts';

let s3: TestS3;

/** The file name of a generated key: a 13-digit millisecond timestamp and a UUID. */
const GENERATED_FILE = '1714521600000-3b241101-e2bb-4255-8caf-4136c566a962.png';

beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const statuses = (report: DoctorReport) =>
  Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
const find = (report: DoctorReport, id: string) => report.checks.find((check) => check.id === id)!;

describe('doctor against the embedded S3 server', () => {
  it('passes on a good setup, with versioning as a warning, and leaves no probe behind', async () => {
    const result = await runCommand(['doctor'], s3.env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}configuration/m);
    expect(result.stdout).toMatch(
      /^PASS {2}put a probe object +Wrote s3:\/\/auto-bio-illustrations\/generated\/_doctor\/probe-/m,
    );
    expect(result.stdout).toMatch(/^PASS {2}delete it/m);
    expect(result.stdout).toMatch(/^WARN {2}versioning +Versioning has never been enabled/m);
    expect(result.stdout).toContain(
      'doctor: no problem found (7 passed, 0 failed, 1 warned, 0 skipped)',
    );
    expect((await listBucket(s3.client, BUCKET, 'generated/_doctor/')).size).toBe(0);
  });

  it('prints the checks in order as JSON', async () => {
    const result = await runCommand(['doctor', '--json'], s3.env());
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.checks.map((check) => check.id)).toEqual([
      'config',
      'credentials',
      'bucket',
      'region',
      'probe-put',
      'probe-read',
      'probe-delete',
      'versioning',
    ]);
    expect(report).toMatchObject({ ok: true, summary: { pass: 7, warn: 1, fail: 0, skip: 0 } });
    expect(find(report, 'credentials').data).toMatchObject({ kind: 'explicit-keys' });
  });

  it('fails with --strict, where the versioning warning counts', async () => {
    const result = await runCommand(['doctor', '--strict'], s3.env());
    expect(result.code).toBe(1);
  });

  it('fails for a wrong bucket, with the fix, and skips what needs the bucket', async () => {
    const result = await runCommand(
      ['doctor', '--json'],
      s3.env({ S3_BUCKET_NAME: 'autobio-typo' }),
    );
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(1);
    expect(statuses(report)).toMatchObject({
      config: 'pass',
      credentials: 'pass',
      bucket: 'fail',
      region: 'skip',
      'probe-put': 'skip',
      versioning: 'skip',
    });
    const fix = find(report, 'bucket').fix;
    expect(fix).toContain(`The server at ${s3.server.endpoint} has no bucket "autobio-typo"`);
    expect(fix).toContain(`aws --endpoint-url ${s3.server.endpoint} s3 mb s3://autobio-typo`);
    expect(fix).toContain('pass --local');
    expect(fix).not.toContain('cdk deploy');
  });

  it('fails first on the unknown access key, naming it, and skips what needs the bucket', async () => {
    const result = await runCommand(
      ['doctor', '--json'],
      s3.env({ BACKEND_AWS_KEY: 'AKIAUNKNOWN000000000' }),
    );
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(1);
    expect(statuses(report)).toMatchObject({
      bucket: 'fail',
      region: 'skip',
      'probe-put': 'skip',
      versioning: 'skip',
    });
    expect(find(report, 'bucket').detail).toContain('InvalidAccessKeyId (HTTP 403)');
    const fix = find(report, 'bucket').fix;
    expect(fix).toMatch(
      /^The server at \S+ does not know the access key id AKIA…0000 \(InvalidAccessKeyId\): check BACKEND_AWS_KEY and BACKEND_AWS_SECRET\./,
    );
    expect(fix).not.toContain('s3:ListBucket');
  });

  it.each([
    ['S3_BUCKET_NAME', { S3_BUCKET_NAME: 'Auto_Bio' }, 'is not a valid S3 bucket name'],
    ['S3_BUCKET_NAME', { S3_BUCKET_NAME: undefined }, 'is not set. Set it'],
    ['S3_CLIENT_REGION', { S3_CLIENT_REGION: 'useast1' }, 'is not an AWS region name'],
    [
      'BACKEND_AWS_SECRET',
      { BACKEND_AWS_SECRET: undefined },
      'Set both BACKEND_AWS_KEY and BACKEND_AWS_SECRET',
    ],
    ['S3_ENDPOINT', { S3_ENDPOINT: 'localhost:4569' }, 'is not an http(s) URL'],
    ['S3_GENERATED_PREFIX', { S3_GENERATED_PREFIX: 'generated' }, 'it must end in "/"'],
  ])('exits 2 for bad config in %s, naming it and the fix', async (variable, overrides, fix) => {
    const result = await runCommand(['doctor', '--json'], s3.env(overrides));
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(2);
    expect(find(report, 'config')).toMatchObject({ status: 'fail', data: { variable } });
    expect(find(report, 'config').fix).toContain(fix);
    expect(report.checks.slice(1).every((check) => check.status === 'skip')).toBe(true);
  });

  it('fails with the fix when the endpoint cannot be reached', async () => {
    const result = await runCommand(
      ['doctor'],
      s3.env({ S3_ENDPOINT: 'http://127.0.0.1:9', S3_MAX_ATTEMPTS: '1' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL {2}bucket reachable +S3 could not be reached at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/,
    );
    expect(result.stdout).toContain(
      'fix: Is pnpm dev running? Start it with `pnpm dev` and pass --local, or give the address ' +
        'of the S3 server that runs with --endpoint-url (this one came from S3_ENDPOINT).',
    );
  });

  it('fails the credentials in time when the provider chain does not answer', async () => {
    // A credentials endpoint that takes the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${port}/credentials`);
    vi.stubEnv('AWS_CONFIG_FILE', `${tmpdir()}/no-aws-config`);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', `${tmpdir()}/no-aws-credentials`);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) {
      vi.stubEnv(name, undefined);
    }
    try {
      const env = { ...s3.env(), BACKEND_AWS_KEY: undefined, BACKEND_AWS_SECRET: undefined };
      const startedAt = performance.now();
      const report = await runDoctor(env, { credentialsTimeoutMs: 300 });
      expect(performance.now() - startedAt).toBeLessThan(3_000);
      expect(find(report, 'credentials')).toMatchObject({
        status: 'fail',
        detail:
          'No credentials could be found: The credential provider chain did not answer within 300 ms.',
      });
      expect(find(report, 'bucket').status).toBe('skip');
    } finally {
      vi.unstubAllEnvs();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('never prints the user name and password of S3_ENDPOINT, as text or JSON', async () => {
    const endpoint = s3.server.endpoint.replace('http://', 'http://admin:hunter2@');
    const text = await runCommand(['doctor'], s3.env({ S3_ENDPOINT: endpoint }));
    const json = await runCommand(['doctor', '--json'], s3.env({ S3_ENDPOINT: endpoint }));
    const unreachable = await runCommand(
      ['doctor', '--json'],
      s3.env({ S3_ENDPOINT: 'http://admin:hunter2@127.0.0.1:9', S3_MAX_ATTEMPTS: '1' }),
    );
    const malformed = await runCommand(
      ['doctor', '--json'],
      s3.env({ S3_ENDPOINT: 'admin:hunter2@127.0.0.1:4569' }),
    );
    expect(text.stdout).toContain(`endpoint ${s3.server.endpoint} (local)`);
    expect((JSON.parse(json.stdout) as DoctorReport).checks[0]?.data?.endpoint).toBe(
      s3.server.endpoint,
    );
    expect((JSON.parse(malformed.stdout) as DoctorReport).checks[0]?.fix).toContain(
      '"127.0.0.1:4569" is not an http(s) URL',
    );
    for (const result of [text, json, unreachable, malformed]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
    }
  });

  it('passes an S3 URI the API takes: a generated key of this bucket that is stored', async () => {
    const key = `generated/memory/u1/${GENERATED_FILE}`;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'png' }));
    const result = await runCommand(['doctor', '--s3-uri', `s3://${BUCKET}/${key}`], s3.env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `PASS  external S3 URI     s3://${BUCKET}/${key} is a generated memory illustration of ` +
        'user "u1", stored (3 bytes): the API takes it.',
    );
  });

  it.each([
    [
      'in another bucket',
      `s3://sdxl-scratch/generated/memory/u1/${GENERATED_FILE}`,
      'is in bucket "sdxl-scratch"',
    ],
    ['outside the generated prefix', `s3://${BUCKET}/subjects/u1.png`, 'not under generated/'],
    [
      'not a generated key',
      `s3://${BUCKET}/generated/memory/u1/img-1.png`,
      'is not a generated key',
    ],
    [
      'not stored',
      `s3://${BUCKET}/generated/subject/u2/${GENERATED_FILE}`,
      'nothing is stored there',
    ],
    ['not an S3 URI', 'https://example.com/x.png', 'is not an S3 URI'],
  ])('fails an S3 URI the API refuses, %s, with exit code 1', async (_, uri, detail) => {
    const result = await runCommand(['doctor', '--json', '--s3-uri', uri], s3.env());
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(1);
    expect(find(report, 's3-uri')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(detail),
      fix: expect.any(String),
    });
  });

  it('runs as the installed command from any directory, with the same exit code', async () => {
    const result = await runBin(
      ['doctor', '--json'],
      s3.env({ S3_BUCKET_NAME: 'autobio-typo' }),
      tmpdir(),
    );
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as DoctorReport).ok).toBe(false);
    expect(result.stderr).toBe('');
  });
});

describe('doctor against an S3 endpoint that redirects to another region', () => {
  let redirecting: Server;
  let endpoint: string;

  beforeAll(async () => {
    // Answers as S3 does for a bucket in eu-west-1 asked through another region: 301, with
    // the bucket's region in a header (HEAD has no body) and in a PermanentRedirect error.
    redirecting = createServer((request, response) => {
      response.writeHead(301, {
        'x-amz-bucket-region': 'eu-west-1',
        'content-type': 'application/xml',
      });
      response.end(
        request.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code>' +
              '<Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>' +
              `<Bucket>${BUCKET}</Bucket><Endpoint>${BUCKET}.s3.eu-west-1.amazonaws.com</Endpoint></Error>`,
      );
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    redirecting?.close();
  });

  it('fails the region check and names the region to set', async () => {
    const result = await runCommand(['doctor', '--json'], s3.env({ S3_ENDPOINT: endpoint }));
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(1);
    expect(statuses(report)).toMatchObject({ bucket: 'pass', region: 'fail', 'probe-put': 'skip' });
    expect(find(report, 'region').detail).toBe(
      'The bucket is in eu-west-1 (from HeadBucket), but S3_CLIENT_REGION is us-east-1.',
    );
    expect(find(report, 'region').fix).toContain('Set S3_CLIENT_REGION=eu-west-1.');
  });
});
