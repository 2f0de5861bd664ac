import { describe, expect, it } from 'vitest';
import {
  CONFORMANCE_BUCKET,
  imageBytes,
  sendHalfThenReset,
  sendRaw,
  useConformanceS3,
  withKey,
  withTamperedSignature,
} from '../helpers/conformance-s3.ts';

const s3 = useConformanceS3();

/** An image, and a PUT signed for its type and size at a fresh user's subject key. */
async function signedUpload(sizeBytes = 2048) {
  const image = imageBytes(sizeBytes);
  const upload = await s3.storage().generatePresignedUploadUrl(s3.newUser(), 'image/png', {
    contentLengthBytes: image.length,
  });
  return { image, upload };
}

async function expectNothingStored(key: string): Promise<void> {
  expect(await s3.headFinds(key), `HEAD ${key}`).toBe(false);
  expect(await s3.versionsOf(key), `versions of ${key}`).toEqual([]);
}

describe('a presigned PUT, refereed by a real S3', () => {
  it('stores the body sent as signed byte for byte, with the signed content type', async () => {
    const { image, upload } = await signedUpload();

    const put = await sendRaw('PUT', upload.url, upload.headers, image);

    expect(put.status).toBe(200);
    const stored = await s3.storage().getObjectAsBase64(CONFORMANCE_BUCKET, upload.key);
    expect(Buffer.from(stored, 'base64').equals(image)).toBe(true);
    expect((await s3.storage().headObject(upload.key)).contentType).toBe('image/png');
    expect(await s3.versionsOf(upload.key)).toHaveLength(1);
  });

  it('refuses the upload sent with another content type than the signed one, and stores nothing', async () => {
    const { image, upload } = await signedUpload();

    const put = await sendRaw(
      'PUT',
      upload.url,
      { ...upload.headers, 'content-type': 'text/html' },
      image,
    );

    expect(put.status).toBe(403);
    expect(put.errorCode).toBe('SignatureDoesNotMatch');
    await expectNothingStored(upload.key);
  });

  it.each([
    ['one byte more', 1],
    ['one byte less', -1],
  ])(
    'refuses a body of another size than the signed one (%s), and stores nothing',
    async (_, delta) => {
      const { image, upload } = await signedUpload();
      const other = imageBytes(image.length + delta);

      const put = await sendRaw(
        'PUT',
        upload.url,
        { ...upload.headers, 'content-length': String(other.length) },
        other,
      );

      expect(put.status).toBe(403);
      expect(put.errorCode).toBe('SignatureDoesNotMatch');
      await expectNothingStored(upload.key);
    },
  );

  it("refuses the URL sent to another user's key, and stores nothing at either key", async () => {
    const { image, upload } = await signedUpload();
    const otherKey = s3.storage().getSubjectKey(s3.newUser());

    const put = await sendRaw(
      'PUT',
      withKey(upload.url, upload.key, otherKey),
      upload.headers,
      image,
    );

    expect(put.status).toBe(403);
    expect(put.errorCode).toBe('SignatureDoesNotMatch');
    await expectNothingStored(otherKey);
    await expectNothingStored(upload.key);
  });

  it('refuses the URL after it expired, and stores nothing', async () => {
    const image = imageBytes(2048);
    // Signed two seconds ago for one second: expired now, without the test waiting for it.
    const upload = await s3.storage().generatePresignedUploadUrl(s3.newUser(), 'image/png', {
      contentLengthBytes: image.length,
      expiresInSeconds: 1,
      signingDate: new Date(Date.now() - 2000),
    });

    const put = await sendRaw('PUT', upload.url, upload.headers, image);

    expect(put.status).toBe(403);
    expect(put.errorCode).toBe('AccessDenied');
    expect(put.body.toString()).toContain('expired');
    await expectNothingStored(upload.key);
  });

  it('refuses the URL with a tampered signature, and stores nothing', async () => {
    const { image, upload } = await signedUpload();

    const put = await sendRaw('PUT', withTamperedSignature(upload.url), upload.headers, image);

    expect(put.status).toBe(403);
    expect(put.errorCode).toBe('SignatureDoesNotMatch');
    await expectNothingStored(upload.key);
  });

  it('stores nothing from an upload whose connection is reset half-way through the body', async () => {
    // Larger than the server's 4 KiB read buffer, so the body is streamed as a real upload is.
    // A reset, not a clean close: after a close, versitygw v1.8.0 keeps the half it got in
    // about two runs of three (S3 never does), so that case cannot be refereed here.
    const { image, upload } = await signedUpload(256 * 1024);

    const status = await sendHalfThenReset(upload.url, upload.headers, image);

    expect(status).toBeUndefined();
    await expectNothingStored(upload.key);
    // Nor listed as a current object (ListObjectsV2, how the handlers look for an image).
    expect(await s3.storage().objectExists(upload.key)).toBe(false);
  });
});
