import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CONFORMANCE_BUCKET,
  imageBytes,
  postForm,
  useConformanceS3,
} from '../helpers/conformance-s3.ts';

const s3 = useConformanceS3();

const MAX_SIZE_BYTES = 4096;

/** A signed form for a fresh user's subject key that takes 1 to MAX_SIZE_BYTES bytes. */
function signedForm(options: { expiresInSeconds?: number } = {}) {
  return s3.storage().generatePresignedUploadPost(s3.newUser(), 'image/png', {
    maxSizeBytes: MAX_SIZE_BYTES,
    ...options,
  });
}

async function expectNothingStored(key: string): Promise<void> {
  expect(await s3.headFinds(key), `HEAD ${key}`).toBe(false);
  expect(await s3.versionsOf(key), `versions of ${key}`).toEqual([]);
}

/** The policy decoded, changed by `edit` and encoded again; the signature is left as it was. */
function withEditedPolicy(
  fields: Readonly<Record<string, string>>,
  edit: (conditions: unknown[]) => unknown[],
): Record<string, string> {
  const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
  const edited = { ...policy, conditions: edit(policy.conditions) };
  return { ...fields, Policy: Buffer.from(JSON.stringify(edited)).toString('base64') };
}

describe('a presigned POST form, refereed by a real S3', () => {
  it('stores the file posted as signed byte for byte, with the pinned content type', async () => {
    const post = await signedForm();
    const image = imageBytes(MAX_SIZE_BYTES);

    const response = await postForm(post.url, post.fields, image);

    expect(response.status).toBe(204);
    const stored = await s3.storage().getObjectAsBase64(CONFORMANCE_BUCKET, post.key);
    expect(Buffer.from(stored, 'base64').equals(image)).toBe(true);
    expect((await s3.storage().headObject(post.key)).contentType).toBe('image/png');
  });

  it.each([
    ['one byte over the range', MAX_SIZE_BYTES + 1, 'EntityTooLarge'],
    ['empty, under the range', 0, 'EntityTooSmall'],
  ])('refuses a file %s, and stores nothing', async (_, sizeBytes, code) => {
    const post = await signedForm();

    const response = await postForm(post.url, post.fields, imageBytes(sizeBytes));

    expect(response.status).toBe(400);
    expect(response.errorCode).toBe(code);
    await expectNothingStored(post.key);
  });

  it('refuses the form sent with another content type than the pinned one, and stores nothing', async () => {
    const post = await signedForm();

    const response = await postForm(
      post.url,
      { ...post.fields, 'Content-Type': 'text/html' },
      imageBytes(100),
      'text/html',
    );

    expect(response.status).toBe(403);
    expect(response.errorCode).toBe('AccessDenied');
    await expectNothingStored(post.key);
  });

  it("refuses the form sent for another user's key, and stores nothing at either key", async () => {
    const post = await signedForm();
    const otherKey = s3.storage().getSubjectKey(s3.newUser());

    const response = await postForm(post.url, { ...post.fields, key: otherKey }, imageBytes(100));

    expect(response.status).toBe(403);
    expect(response.errorCode).toBe('AccessDenied');
    await expectNothingStored(otherKey);
    await expectNothingStored(post.key);
  });

  it('refuses a policy widened after signing (its size range dropped, the signature kept), and stores nothing', async () => {
    const post = await signedForm();
    const widened = withEditedPolicy(post.fields, (conditions) =>
      conditions.filter(
        (condition) => !(Array.isArray(condition) && condition[0] === 'content-length-range'),
      ),
    );

    const response = await postForm(post.url, widened, imageBytes(MAX_SIZE_BYTES * 2));

    expect(response.status).toBe(403);
    expect(response.errorCode).toBe('SignatureDoesNotMatch');
    await expectNothingStored(post.key);
  });

  it('refuses the form after its policy expired, and stores nothing', async () => {
    const post = await signedForm({ expiresInSeconds: 1 });
    // The policy's expiration has whole seconds: a little over one is always past it.
    await sleep(1100);

    const response = await postForm(post.url, post.fields, imageBytes(100));

    expect(response.status).toBe(403);
    expect(response.errorCode).toBe('AccessDenied');
    await expectNothingStored(post.key);
  });
});
