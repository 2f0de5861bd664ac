import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { expectDocumented, type OpenApiDocument } from '../helpers/openapi.ts';
import { startTestStack, type TestStack } from '../helpers/test-stack.ts';

const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));

/** Uploads the user's subject image through the API, as the page does. */
async function uploadSubject(apiUrl: string, userId: string, image: Buffer): Promise<void> {
  const upload = (await (
    await fetch(`${apiUrl}/uploads/subject`, {
      method: 'POST',
      headers: { authorization: devAuthorization(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/png', contentLengthBytes: image.length }),
    })
  ).json()) as { url: string; headers: Record<string, string> };
  const put = await fetch(upload.url, {
    method: 'PUT',
    headers: upload.headers,
    body: new Uint8Array(image),
  });
  expect(put.status).toBe(200);
}

/** What these tests read of generate's answers, success or error. */
interface GenerateAnswer {
  readonly illustration: { readonly key: string; readonly url: string };
  readonly source: string;
  readonly error: { readonly code: string };
}

async function generate(
  apiUrl: string,
  userId: string,
): Promise<{ status: number; body: GenerateAnswer }> {
  const response = await fetch(`${apiUrl}/illustrations/memory`, {
    method: 'POST',
    headers: { authorization: devAuthorization(userId), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a lighthouse at dusk' }),
  });
  return { status: response.status, body: (await response.json()) as GenerateAnswer };
}

/** A client of the test's own, to see what the bucket holds rather than what the API says. */
function bucketClient(running: TestStack): S3Client {
  const s3 = running.stack.s3!;
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
}

describe('pnpm dev in service mode with the fake illustration-gen service', () => {
  let running: TestStack | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('generates through the service contract: the fake writes the PNG with its own client', async () => {
    running = await startTestStack({ illustrationGen: 'fake' });
    const { apiUrl } = running.stack;
    const subject = await readFile(SUBJECT_PNG);
    await uploadSubject(apiUrl, 'svc-alice', subject);

    const generated = await generate(apiUrl, 'svc-alice');

    expect(running.stack.illustrationGen).toMatchObject({ mode: 'service', fake: 'own-bucket' });
    expect(generated.status).toBe(201);
    expect(generated.body.source).toBe('service');
    // The fake keeps a PNG subject as its "drawing": the bytes went through the contract intact.
    const image = await fetch(generated.body.illustration.url);
    expect(Buffer.from(await image.arrayBuffer()).equals(subject)).toBe(true);
    const stored = await bucketClient(running).send(
      new GetObjectCommand({ Bucket: running.stack.bucket, Key: generated.body.illustration.key }),
    );
    expect(stored.ContentType).toBe('image/png');
  });

  it('answers 502 ForeignBucket, as documented, when the service answers an image in another bucket, and keeps nothing', async () => {
    running = await startTestStack({ illustrationGen: 'fake-foreign-bucket' });
    const { apiUrl } = running.stack;
    await uploadSubject(apiUrl, 'svc-bob', await readFile(SUBJECT_PNG));
    const document = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as OpenApiDocument;

    const generated = await generate(apiUrl, 'svc-bob');

    expect(generated.status).toBe(502);
    expect(generated.body.error.code).toBe('ForeignBucket');
    expectDocumented(document, { method: 'POST', path: '/illustrations/{kind}' }, generated);
    const listed = await bucketClient(running).send(
      new ListObjectsV2Command({ Bucket: running.stack.bucket, Prefix: 'generated/' }),
    );
    expect(listed.KeyCount).toBe(0);
  });

  it('restores the environment it set on stop, so stub mode is back', async () => {
    const before = process.env.ILLUSTRATION_GEN_URL;
    running = await startTestStack({ illustrationGen: 'fake' });
    expect(process.env.ILLUSTRATION_GEN_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/generate$/);

    await running.stop();
    running = undefined;

    expect(process.env.ILLUSTRATION_GEN_URL).toBe(before);
  });
});
