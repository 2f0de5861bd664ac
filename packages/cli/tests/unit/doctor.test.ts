import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyCredentials, maskAccessKeyId, runDoctor } from '../../src/doctor.ts';
import { formatDoctorReport } from '../../src/doctor-report.ts';
import type { CheckId, CheckResult, DoctorReport } from '../../src/types/doctor.ts';
import { sdkError } from '../helpers/sdk-errors.ts';

const s3 = mockClient(S3Client);
const BUCKET = 'auto-bio-illustrations';
const env = {
  S3_BUCKET_NAME: BUCKET,
  S3_CLIENT_REGION: 'us-east-1',
  BACKEND_AWS_KEY: 'AKIAEXAMPLE123456789',
  BACKEND_AWS_SECRET: 'not-a-real-secret',
};

function check(report: DoctorReport, id: CheckId): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in ${JSON.stringify(report.checks)}`);
  return found;
}

/** A bucket that works: the probe object is stored and read back in memory. */
function healthyBucket() {
  const stored = new Map<string, string>();
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = Buffer.from(stored.get(input.Key) ?? '');
    return {
      ContentLength: body.length,
      Body: (async function* () {
        yield body;
      })(),
    };
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    stored.delete(input.Key);
    return {};
  });
  // The storage package may look an object up by HEAD or by listing its key.
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (!stored.has(input.Key)) throw sdkError('NotFound', 404);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...stored.keys()]
      .filter((key) => key.startsWith(input.Prefix))
      .map((Key) => ({ Key })),
  }));
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  return stored;
}

/**
 * A versioned bucket, as S3 keeps one: each put adds a version (with a VersionId), a delete
 * without a VersionId adds a delete marker and keeps every version, a delete with one removes
 * that version. Returns every key's versions and markers, newest last.
 */
function versionedBucket() {
  healthyBucket();
  const history = new Map<string, { versionId: string; body?: string }[]>();
  let next = 1;
  const current = (key: string) => {
    const latest = history.get(key)?.at(-1);
    return latest?.body === undefined ? undefined : latest.body;
  };
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    const versionId = `v-${next++}`;
    history.set(input.Key, [...(history.get(input.Key) ?? []), { versionId, body: input.Body }]);
    return { VersionId: versionId };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = Buffer.from(current(input.Key) ?? '');
    return {
      ContentLength: body.length,
      Body: (async function* () {
        yield body;
      })(),
    };
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => {
    const versions = history.get(input.Key) ?? [];
    history.set(
      input.Key,
      input.VersionId
        ? versions.filter((v) => v.versionId !== input.VersionId)
        : [...versions, { versionId: `marker-${next++}` }],
    );
    if (history.get(input.Key)?.length === 0) history.delete(input.Key);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...history.keys()]
      .filter((key) => key.startsWith(input.Prefix) && current(key) !== undefined)
      .map((Key) => ({ Key })),
  }));
  return history;
}

beforeEach(() => {
  s3.reset();
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(() => {
  s3.restore();
});

describe('runDoctor', () => {
  it('passes every check on a healthy bucket and leaves no probe object behind', async () => {
    const stored = healthyBucket();
    const report = await runDoctor(env);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['config', 'pass'],
      ['credentials', 'pass'],
      ['bucket', 'pass'],
      ['region', 'pass'],
      ['probe-put', 'pass'],
      ['probe-read', 'pass'],
      ['probe-delete', 'pass'],
      ['versioning', 'pass'],
    ]);
    expect(report.ok).toBe(true);
    expect(stored.size).toBe(0);
    const probeKey = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key;
    expect(probeKey).toMatch(/^generated\/_doctor\/probe-\d+-[0-9a-f-]{36}\.txt$/);
  });

  it('reports explicit keys as the kind of credentials, masking the key id', async () => {
    healthyBucket();
    const report = await runDoctor(env);
    expect(check(report, 'credentials')).toMatchObject({
      status: 'pass',
      data: { kind: 'explicit-keys' },
    });
    expect(check(report, 'credentials').detail).toContain('AKIA…6789');
    expect(JSON.stringify(report)).not.toContain(env.BACKEND_AWS_KEY);
  });

  it('names the region to set when HeadBucket is redirected to another region', async () => {
    s3.on(HeadBucketCommand).rejects(
      sdkError('Unknown', 301, { headers: { 'x-amz-bucket-region': 'us-west-2' } }),
    );
    const report = await runDoctor(env);
    expect(check(report, 'bucket').status).toBe('pass');
    expect(check(report, 'region')).toMatchObject({
      status: 'fail',
      data: { bucketRegion: 'us-west-2', configuredRegion: 'us-east-1' },
    });
    expect(check(report, 'region').fix).toContain('Set S3_CLIENT_REGION=us-west-2.');
    expect(check(report, 'probe-put').status).toBe('skip');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(report.ok).toBe(false);
  });

  it('reads the region from GetBucketLocation when HeadBucket does not name it, EU meaning eu-west-1', async () => {
    healthyBucket();
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'EU' });
    const report = await runDoctor(env);
    expect(check(report, 'region').status).toBe('fail');
    expect(check(report, 'region').fix).toContain('Set S3_CLIENT_REGION=eu-west-1.');
  });

  it('reads an empty location constraint as us-east-1 on AWS', async () => {
    healthyBucket();
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketLocationCommand).resolves({});
    const report = await runDoctor({ ...env, S3_CLIENT_REGION: 'eu-central-1' });
    expect(check(report, 'region').fix).toContain('Set S3_CLIENT_REGION=us-east-1.');
  });

  it('fails the bucket check with the fix for a bucket that does not exist', async () => {
    s3.on(HeadBucketCommand).rejects(sdkError('NotFound', 404));
    const report = await runDoctor(env);
    expect(check(report, 'bucket').status).toBe('fail');
    expect(check(report, 'bucket').fix).toMatch(/Check S3_BUCKET_NAME/);
    expect(
      ['region', 'probe-put', 'versioning'].map((id) => check(report, id as CheckId).status),
    ).toEqual(['skip', 'skip', 'skip']);
  });

  it('still deletes the probe object when reading it back is refused', async () => {
    const stored = healthyBucket();
    s3.on(GetObjectCommand).rejects(sdkError('AccessDenied', 403));
    const report = await runDoctor(env);
    expect(check(report, 'probe-read').status).toBe('fail');
    // The storage package's AccessDeniedError is described by the S3 answer behind it.
    expect(check(report, 'probe-read').detail).toMatch(/ was refused: AccessDenied \(HTTP 403\)/);
    expect(check(report, 'probe-read').fix).toMatch(
      /Grant s3:GetObject on arn:aws:s3:::auto-bio-illustrations\/generated\/_doctor\/\*/,
    );
    expect(check(report, 'probe-delete').status).toBe('pass');
    const written = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key;
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(written);
    expect(stored.size).toBe(0);
  });

  it('tells how to remove the probe by hand when deleting it is refused', async () => {
    healthyBucket();
    s3.on(DeleteObjectCommand).rejects(sdkError('AccessDenied', 403));
    const report = await runDoctor(env);
    const written = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key;
    expect(check(report, 'probe-delete').status).toBe('fail');
    expect(check(report, 'probe-delete').fix).toContain('Grant s3:DeleteObject');
    expect(check(report, 'probe-delete').fix).toContain(`aws s3 rm s3://${BUCKET}/${written}`);
  });

  it('deletes the probe by key, with no version id, when the put returns none', async () => {
    healthyBucket();
    await runDoctor(env);
    const [deletion] = s3.commandCalls(DeleteObjectCommand);
    expect(deletion?.args[0].input).not.toHaveProperty('VersionId');
  });

  it('deletes the version it wrote on a versioned bucket, leaving no version or marker', async () => {
    const history = versionedBucket();
    const report = await runDoctor(env);
    const written = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key;
    expect(check(report, 'probe-put')).toMatchObject({
      status: 'pass',
      data: { versionId: 'v-1' },
    });
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: written, VersionId: 'v-1' },
    ]);
    expect(check(report, 'probe-delete').status).toBe('pass');
    expect(check(report, 'probe-delete').detail).toContain('version v-1');
    expect(history.size).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('names s3:DeleteObjectVersion when deleting the probe version is refused', async () => {
    const history = versionedBucket();
    s3.on(DeleteObjectCommand, { VersionId: 'v-1' }).rejects(sdkError('AccessDenied', 403));
    const report = await runDoctor(env);
    const written = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key;
    const deletion = check(report, 'probe-delete');
    expect(deletion.status).toBe('fail');
    expect(deletion.detail).toContain(`Deleting version v-1 of s3://${BUCKET}/${written} failed`);
    expect(deletion.fix).toContain(
      `Grant s3:DeleteObjectVersion on arn:aws:s3:::${BUCKET}/generated/_doctor/* to the caller`,
    );
    expect(deletion.fix).toContain(
      `aws s3api delete-object --bucket ${BUCKET} --key ${written} --version-id v-1`,
    );
    // No fallback to a plain delete, which would only hide the probe behind a delete marker.
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
    expect(history.get(written!)).toEqual([expect.objectContaining({ versionId: 'v-1' })]);
    expect(report.ok).toBe(false);
  });

  it('names the unknown access key when S3 does not know it', async () => {
    healthyBucket();
    s3.on(PutObjectCommand).rejects(sdkError('InvalidAccessKeyId', 403));
    const report = await runDoctor(env);
    expect(check(report, 'probe-put').fix).toMatch(
      /S3 does not know the access key id AKIA…6789 \(InvalidAccessKeyId\): check BACKEND_AWS_KEY/,
    );
    expect(check(report, 'probe-read').status).toBe('skip');
  });

  it('fails when versioning is suspended, and warns instead when asked', async () => {
    healthyBucket();
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const failing = await runDoctor(env);
    expect(check(failing, 'versioning')).toMatchObject({ status: 'fail' });
    expect(check(failing, 'versioning').fix).toContain(
      'put-bucket-versioning --bucket auto-bio-illustrations',
    );
    expect(failing.ok).toBe(false);

    const warning = await runDoctor(env, { warnOnly: ['versioning'] });
    expect(check(warning, 'versioning').status).toBe('warn');
    expect(warning.ok).toBe(true);
  });

  it('counts warnings as failures when strict', async () => {
    healthyBucket();
    s3.on(GetBucketVersioningCommand).resolves({});
    const report = await runDoctor(env, { warnOnly: ['versioning'], strict: true });
    expect(check(report, 'versioning').status).toBe('warn');
    expect(report.ok).toBe(false);
  });

  it('makes versioning a warning by default against a local endpoint', async () => {
    healthyBucket();
    s3.on(GetBucketVersioningCommand).resolves({});
    const report = await runDoctor({ ...env, S3_ENDPOINT: 'http://127.0.0.1:4569' });
    expect(check(report, 'versioning').status).toBe('warn');
    expect(report.ok).toBe(true);
  });

  it('blames no server it cannot name for an unversioned bucket at an endpoint, and gives the local fixes', async () => {
    healthyBucket();
    s3.on(GetBucketVersioningCommand).resolves({});
    const report = await runDoctor({ ...env, S3_ENDPOINT: 'http://127.0.0.1:4569' });
    expect(check(report, 'versioning').detail).toBe(
      'Versioning has never been enabled on "auto-bio-illustrations"; the server at ' +
        'http://127.0.0.1:4569 reports no versioning status.',
    );
    expect(check(report, 'versioning').fix).toContain(
      'aws --endpoint-url http://127.0.0.1:4569 s3api put-bucket-versioning --bucket auto-bio-illustrations',
    );
    expect(check(report, 'versioning').fix).toContain('DEV_S3=versitygw pnpm dev');
    expect(check(report, 'versioning').fix).not.toContain('deploy');
  });

  it("names pnpm dev's s3rver, which cannot version, when --local says it is the server", async () => {
    healthyBucket();
    s3.on(GetBucketVersioningCommand).resolves({});
    const report = await runDoctor(
      { ...env, S3_ENDPOINT: 'http://127.0.0.1:4569' },
      {
        connection: {
          local: { engine: 's3rver', dataDir: '/repo/.local-s3' },
          endpointFrom: '--local',
        },
      },
    );
    expect(check(report, 'versioning').detail).toContain(
      "pnpm dev's embedded S3 is s3rver, which cannot version buckets",
    );
    expect(check(report, 'versioning').fix).toContain('DEV_S3=versitygw pnpm dev');
  });

  it('fails the configuration check, naming the variable and the fix, and skips the rest', async () => {
    const report = await runDoctor({ S3_CLIENT_REGION: 'us-east-1' });
    expect(check(report, 'config')).toMatchObject({
      status: 'fail',
      data: { variable: 'S3_BUCKET_NAME' },
    });
    expect(check(report, 'config').fix).toContain(
      'Set it, for example S3_BUCKET_NAME=auto-bio-illustrations',
    );
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails the credentials check with the fix when no credentials can be found', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    const report = await runDoctor({ S3_BUCKET_NAME: BUCKET });
    expect(check(report, 'credentials').status).toBe('fail');
    expect(check(report, 'credentials').fix).toContain(
      'Set BACKEND_AWS_KEY and BACKEND_AWS_SECRET',
    );
    expect(check(report, 'bucket').status).toBe('skip');
    expect(s3.calls()).toHaveLength(0);
  });

  it('checks that an S3 URI from illustration-gen is in this bucket', async () => {
    healthyBucket();
    const foreign = await runDoctor(env, { s3Uri: 's3://sdxl-output/generated/memory/u1/x.png' });
    expect(check(foreign, 's3-uri').status).toBe('fail');
    expect(check(foreign, 's3-uri').detail).toContain('is in bucket "sdxl-output"');
    expect(check(foreign, 's3-uri').fix).toContain(
      `S3_BUCKET_NAME=${BUCKET} and S3_REGION=us-east-1`,
    );
    expect(foreign.ok).toBe(false);
  });

  it('fails the S3 URI check for a key outside the layout and for a malformed URI', async () => {
    healthyBucket();
    const outside = await runDoctor(env, { s3Uri: `s3://${BUCKET}/tmp/x.png` });
    expect(check(outside, 's3-uri').fix).toContain('generated/');
    const malformed = await runDoctor(env, { s3Uri: 'https://example.com/x.png' });
    expect(check(malformed, 's3-uri').detail).toContain('is not an S3 URI');
  });
});

describe('classifyCredentials', () => {
  it('tells roles, environment keys and profiles apart', () => {
    expect(classifyCredentials(['CREDENTIALS_IMDS'], 'local')).toBe('role');
    expect(classifyCredentials(['CREDENTIALS_HTTP'], 'local')).toBe('role');
    expect(classifyCredentials(['CREDENTIALS_ENV_VARS'], 'local')).toBe('environment-keys');
    expect(classifyCredentials(['CREDENTIALS_ENV_VARS'], 'lambda')).toBe('role');
    expect(classifyCredentials(['CREDENTIALS_PROFILE', 'CREDENTIALS_SSO'], 'local')).toBe(
      'profile',
    );
    expect(classifyCredentials([], 'local')).toBe('default-chain');
  });
});

describe('maskAccessKeyId', () => {
  it('keeps the first and last four characters of a long key', () => {
    expect(maskAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…MPLE');
    expect(maskAccessKeyId('S3RVER')).toBe('S3…');
  });
});

describe('formatDoctorReport', () => {
  it('prints one line per check and the fix under a failure', async () => {
    s3.on(HeadBucketCommand).rejects(sdkError('NotFound', 404));
    const text = formatDoctorReport(await runDoctor(env));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^PASS {2}configuration/);
    expect(text).toMatch(/FAIL {2}bucket reachable +There is no bucket "auto-bio-illustrations"/);
    expect(text).toMatch(/\n +fix: Bucket "auto-bio-illustrations" does not exist/);
    expect(text).toContain('doctor: problems found (2 passed, 1 failed, 0 warned, 5 skipped)');
  });
});
