import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor.ts';
import type { DoctorReport } from '../../src/types/doctor.ts';
import {
  BUCKET,
  type ConformanceS3,
  listVersions,
  startConformanceS3,
} from '../helpers/conformance-s3.ts';
import { runCommand } from '../helpers/run-cli.ts';

const PROBE_FOLDER = 'generated/_doctor/';

let versioned: ConformanceS3;
let unversioned: ConformanceS3;

beforeAll(async () => {
  [versioned, unversioned] = await Promise.all([
    startConformanceS3(),
    startConformanceS3({ versioning: false }),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all([versioned?.stop(), unversioned?.stop()]);
});

const find = (report: DoctorReport, id: string) => report.checks.find((check) => check.id === id);

describe('doctor on a real S3 server with a versioned bucket', { timeout: 30_000 }, () => {
  it('passes every check, versioning included, even with --strict', async () => {
    const result = await runCommand(['doctor', '--json', '--strict'], versioned.env());

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, summary: { pass: 8, fail: 0, warn: 0, skip: 0 } });
    expect(find(report, 'versioning')).toMatchObject({
      status: 'pass',
      detail: 'Versioning is enabled.',
    });
    expect(find(report, 'probe-put')?.data).toMatchObject({ versionId: expect.any(String) });
  });

  it('leaves no version and no delete marker of its probe behind', async () => {
    const result = await runCommand(['doctor', '--json'], versioned.env());

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(find(report, 'probe-delete')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^Deleted its version \S+ \(no delete marker left\)/),
    });
    expect(await listVersions(versioned.client, BUCKET, PROBE_FOLDER)).toEqual({
      versions: [],
      deleteMarkers: [],
    });
  });
});

describe('doctor on a real S3 server with a bucket that was never versioned', {
  timeout: 30_000,
}, () => {
  it('fails the versioning check when it is not made a warning', async () => {
    const report = await runDoctor(unversioned.env(), { warnOnly: [] });

    expect(report.ok).toBe(false);
    expect(find(report, 'versioning')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^Versioning has never been enabled/),
    });
    expect(report.checks.filter((check) => check.status === 'fail').map((c) => c.id)).toEqual([
      'versioning',
    ]);
  });

  it('deletes its probe by key, leaving nothing under the probe folder', async () => {
    const report = await runDoctor(unversioned.env());

    expect(find(report, 'probe-put')?.data).toBeUndefined();
    expect(find(report, 'probe-delete')).toMatchObject({
      status: 'pass',
      detail: 'Deleted it, and it is gone.',
    });
    expect(await listVersions(unversioned.client, BUCKET, PROBE_FOLDER)).toEqual({
      versions: [],
      deleteMarkers: [],
    });
  });
});

describe('doctor on versitygw, straight to the server', { timeout: 30_000 }, () => {
  /** The server itself, not the copy-condition stand-in: doctor copies nothing. */
  const direct = (s3: ConformanceS3, overrides: Record<string, string> = {}) =>
    s3.env({ S3_ENDPOINT: s3.server.endpoint, ...overrides });

  it('names versitygw, which can version, and the command that enables it, for a bucket never versioned', async () => {
    const report = await runDoctor(direct(unversioned));

    const versioning = find(report, 'versioning');
    expect(versioning).toMatchObject({
      status: 'warn',
      detail:
        `Versioning has never been enabled on "${BUCKET}" at ${unversioned.server.endpoint}, a ` +
        'versitygw, which can version buckets.',
    });
    expect(versioning?.detail).not.toContain('s3rver');
    expect(versioning?.fix).toContain(
      `aws --endpoint-url ${unversioned.server.endpoint} s3api put-bucket-versioning --bucket ${BUCKET} ` +
        '--versioning-configuration Status=Enabled',
    );
    expect(versioning?.fix).not.toContain('deploy');
  });

  it('names SignatureDoesNotMatch and the keys to check when the secret is wrong', async () => {
    const result = await runCommand(
      ['doctor', '--json'],
      direct(versioned, { BACKEND_AWS_SECRET: 'not-the-secret' }),
    );

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(result.code).toBe(1);
    expect(find(report, 'bucket')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('SignatureDoesNotMatch (HTTP 403)'),
      fix: expect.stringMatching(
        /^The secret key does not belong to the access key id \S+ \(SignatureDoesNotMatch\): check BACKEND_AWS_KEY and BACKEND_AWS_SECRET\./,
      ),
    });
    expect(find(report, 'probe-put')?.status).toBe('skip');
  });

  it('names an access key versitygw does not know, which it answers with a 404, not a missing bucket', async () => {
    const result = await runCommand(
      ['doctor', '--json'],
      direct(versioned, { BACKEND_AWS_KEY: 'AKIAUNKNOWN000000000' }),
    );

    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(find(report, 'bucket')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(
        'does not know the access key id AKIA…0000 (XAdminUserNotFound): check BACKEND_AWS_KEY',
      ),
    });
    expect(find(report, 'bucket')?.detail).not.toContain('There is no bucket');
  });
});
