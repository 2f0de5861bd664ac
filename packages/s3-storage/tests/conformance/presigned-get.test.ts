import { beforeAll, describe, expect, it } from 'vitest';
import {
  imageBytes,
  sendRaw,
  useConformanceS3,
  withKey,
  withTamperedSignature,
} from '../helpers/conformance-s3.ts';

const s3 = useConformanceS3();

const DISPOSITION = 'attachment; filename="me.png"';

describe('a presigned GET, refereed by a real S3', () => {
  const image = imageBytes(3000);
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    key = s3.storage().getAvatarKey(s3.newUser());
    otherKey = s3.storage().getAvatarKey(s3.newUser());
    await s3.storage().putObject(key, image, { contentType: 'image/png' });
    await s3.storage().putObject(otherKey, imageBytes(3000), { contentType: 'image/png' });
  });

  it('answers the URL as signed with 200 and the stored bytes', async () => {
    const url = await s3.storage().generatePresignedDownloadUrl(key);

    const get = await sendRaw('GET', url);

    expect(get.status).toBe(200);
    expect(get.body.equals(image)).toBe(true);
    expect(get.headers['content-type']).toBe('image/png');
  });

  it('answers the URL signed with a content disposition with that disposition', async () => {
    const url = await s3.storage().generatePresignedDownloadUrl(key, {
      responseContentDisposition: DISPOSITION,
    });

    const get = await sendRaw('GET', url);

    expect(get.status).toBe(200);
    expect(get.headers['content-disposition']).toBe(DISPOSITION);
    expect(get.body.equals(image)).toBe(true);
  });

  it.each([
    ['a tampered signature', (url: string) => withTamperedSignature(url)],
    ["another user's key", (url: string) => withKey(url, key, otherKey)],
    [
      'an added response-content-disposition',
      (url: string) => `${url}&response-content-disposition=attachment`,
    ],
  ])('refuses the URL with %s with 403 and no bytes of the object', async (_, tamper) => {
    const url = await s3.storage().generatePresignedDownloadUrl(key);

    const get = await sendRaw('GET', tamper(url));

    expect(get.status).toBe(403);
    expect(get.errorCode).toBe('SignatureDoesNotMatch');
    expect(get.body.includes(image.subarray(8, 40))).toBe(false);
  });

  it('refuses the URL whose signed content disposition was changed, with 403', async () => {
    const url = await s3.storage().generatePresignedDownloadUrl(key, {
      responseContentDisposition: DISPOSITION,
    });
    const changed = url.replace(encodeURIComponent('me.png'), encodeURIComponent('evil.html'));
    expect(changed).not.toBe(url);

    const get = await sendRaw('GET', changed);

    expect(get.status).toBe(403);
    expect(get.errorCode).toBe('SignatureDoesNotMatch');
    expect(get.headers['content-disposition']).toBeUndefined();
  });
});
