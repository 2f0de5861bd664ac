import { resetS3Storage } from '@autobio/s3-storage';
import { describe, expect, it, vi } from 'vitest';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { type InvokeResult, invoke } from '../helpers/events.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();

const NO_STACK = /\bat \S+ \(|\.ts:\d+|node:internal|\n/;

function expectSafe500(result: InvokeResult, hidden: string) {
  expect(result.statusCode).toBe(500);
  expect(result.json.error).toEqual({
    code: 'InternalError',
    message: expect.stringContaining('request id'),
    requestId: expect.any(String),
  });
  expect(result.rawBody).not.toMatch(NO_STACK);
  expect(result.rawBody).not.toContain(hidden);
}

describe('storage failures the operator must fix', () => {
  it('answer 500 without the bucket name when the bucket does not exist, and log NoSuchBucket with the request id', async () => {
    vi.stubEnv('S3_BUCKET_NAME', 'no-such-bucket-here');
    resetS3Storage();

    const result = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: fixture.newUser(),
    });

    expectSafe500(result, 'no-such-bucket-here');
    const failure = fixture.logs().entries.find((entry) => entry.message === 'Request failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      apiRequestId: result.json.error.requestId,
      route: 'get-subject-image',
      error: { code: 'NoSuchBucket' },
    });
  });

  it('answer 500 when S3 denies access, logging AccessDenied', async () => {
    vi.stubEnv('BACKEND_AWS_KEY', 'UNKNOWN-KEY-ID');
    resetS3Storage();

    const result = await invoke(deleteMyData, {
      method: 'DELETE',
      route: '/me/data',
      sub: fixture.newUser(),
    });

    expectSafe500(result, 'UNKNOWN-KEY-ID');
    expect(fixture.logs().text()).toContain('AccessDenied');
  });

  it('answer 500 when S3_BUCKET_NAME is not set, logging the variable', async () => {
    vi.stubEnv('S3_BUCKET_NAME', undefined);
    resetS3Storage();

    const result = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: fixture.newUser(),
      body: { contentType: 'image/png', contentLengthBytes: 10 },
    });

    expectSafe500(result, 'S3_BUCKET_NAME');
    expect(fixture.logs().text()).toContain('S3_BUCKET_NAME');
  });

  it('answer 500 for an invalid region setting, on every route', async () => {
    vi.stubEnv('S3_CLIENT_REGION', 'mars-north-1x');
    resetS3Storage();
    const result = await invoke(listIllustrations, {
      method: 'GET',
      route: '/illustrations/{kind}',
      sub: fixture.newUser(),
      pathParameters: { kind: 'memory' },
    });
    expectSafe500(result, 'mars-north-1x');
  });
});
