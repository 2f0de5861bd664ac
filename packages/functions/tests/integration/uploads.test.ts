import { resetS3Storage } from '@autobio/s3-storage';
import { describe, expect, it, vi } from 'vitest';
import { handler as createAvatarUpload } from '../../src/handlers/create-avatar-upload.ts';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as getAvatarImage } from '../../src/handlers/get-avatar-image.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();

const uploadSubject = (sub: string | null, body: unknown, headers?: Record<string, string>) =>
  invoke(createSubjectUpload, {
    method: 'POST',
    route: '/uploads/subject',
    sub,
    body,
    ...(headers ? { headers } : {}),
  });

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('POST /uploads/subject and /uploads/avatar', () => {
  it('returns a presigned PUT that uploads the subject image, which GET /images/subject then serves', async () => {
    const user = fixture.newUser();
    const image = fakePng(1234);

    const upload = await uploadSubject(user, {
      contentType: 'image/png',
      contentLengthBytes: image.length,
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.json).toMatchObject({
      method: 'PUT',
      key: `subjects/${user}.png`,
      headers: { 'content-type': 'image/png', 'content-length': String(image.length) },
    });
    expect(Date.parse(upload.json.expiresAt)).toBeGreaterThan(Date.now());
    const put = await fetch(upload.json.url, {
      method: 'PUT',
      headers: upload.json.headers,
      body: image,
    });
    expect(put.status).toBe(200);

    const image2 = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: user,
    });
    expect(image2.statusCode).toBe(200);
    expect(image2.json).toMatchObject({ key: `subjects/${user}.png`, sizeBytes: image.length });
    expect(await download(image2.json.url)).toEqual(image);
  });

  it('returns a presigned POST form that uploads the avatar, which GET /images/avatar then serves', async () => {
    const user = fixture.newUser();
    const image = fakePng(777);

    const upload = await invoke(createAvatarUpload, {
      method: 'POST',
      route: '/uploads/avatar',
      sub: user,
      body: { contentType: 'image/webp', contentLengthBytes: 5000, method: 'POST' },
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.json).toMatchObject({
      method: 'POST',
      key: `avatars/${user}.png`,
      maxSizeBytes: 5000,
      fields: { key: `avatars/${user}.png`, 'Content-Type': 'image/webp' },
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.json.fields as Record<string, string>)) {
      form.append(name, value);
    }
    form.append('file', new Blob([image], { type: 'image/webp' }), 'avatar.webp');
    const post = await fetch(upload.json.url, { method: 'POST', body: form });
    expect(post.status).toBeLessThan(300);

    const avatar = await invoke(getAvatarImage, {
      method: 'GET',
      route: '/images/avatar',
      sub: user,
    });
    expect(avatar.statusCode).toBe(200);
    expect(await download(avatar.json.url)).toEqual(image);
    expect(await fixture.storage().objectExists(`subjects/${user}.png`)).toBe(false);
  });

  it("refuses a body that names another user, so the key is always the token user's", async () => {
    const result = await uploadSubject('user-a', {
      contentType: 'image/png',
      contentLengthBytes: 10,
      userId: 'user-b',
    });
    expect(result.statusCode).toBe(400);
    expect(result.json.error.code).toBe('InvalidRequest');
    expect(result.json.error.message).toContain('userId');
  });

  it('accepts a base64-encoded body, as API Gateway sends some', async () => {
    const user = fixture.newUser();
    const result = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: user,
      body: Buffer.from(
        JSON.stringify({ contentType: 'image/jpeg', contentLengthBytes: 99 }),
      ).toString('base64'),
      isBase64Encoded: true,
    });
    expect(result.statusCode).toBe(200);
    expect(result.json.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': '99' });
  });

  describe('refuses', () => {
    it('a request without a user with 401', async () => {
      const result = await uploadSubject(null, {
        contentType: 'image/png',
        contentLengthBytes: 10,
      });
      expect(result.statusCode).toBe(401);
      expect(result.json.error.code).toBe('Unauthorized');
    });

    it('a user id that could escape its key with 401', async () => {
      for (const sub of ['../user-b', 'user-a/../../avatars/user-b', '..', 'a/b', '  ']) {
        const result = await uploadSubject(sub, {
          contentType: 'image/png',
          contentLengthBytes: 10,
        });
        expect(result.statusCode, sub).toBe(401);
      }
    });

    it('an empty body with 400 MissingBody naming contentType', async () => {
      const result = await uploadSubject(fixture.newUser(), undefined);
      expect(result.statusCode).toBe(400);
      expect(result.json.error.code).toBe('MissingBody');
      expect(result.json.error.message).toContain('body.contentType');
    });

    it('a body that is not JSON with 400 MalformedJson', async () => {
      const result = await uploadSubject(fixture.newUser(), '{"contentType": ');
      expect(result.statusCode).toBe(400);
      expect(result.json.error.code).toBe('MalformedJson');
    });

    it('a body that is not sent as JSON with 415', async () => {
      const result = await uploadSubject(fixture.newUser(), 'contentType=image/png', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(result.statusCode).toBe(415);
      expect(result.json.error.code).toBe('UnsupportedMediaType');
    });

    it('an image type the bucket does not take with 400 UnsupportedContentType naming the types it takes', async () => {
      const result = await uploadSubject(fixture.newUser(), {
        contentType: 'image/gif',
        contentLengthBytes: 10,
      });
      expect(result.statusCode).toBe(400);
      expect(result.json.error.code).toBe('UnsupportedContentType');
      expect(result.json.error.message).toContain('image/gif');
      expect(result.json.error.message).toContain('image/png');
    });

    it('an upload over the size limit with 413 UploadTooLarge', async () => {
      const result = await uploadSubject(fixture.newUser(), {
        contentType: 'image/png',
        contentLengthBytes: 20 * 1024 * 1024 + 1,
      });
      expect(result.statusCode).toBe(413);
      expect(result.json.error.code).toBe('UploadTooLarge');
      expect(result.json.error.message).toContain(String(20 * 1024 * 1024));
    });

    it('a limit lowered by S3_MAX_UPLOAD_SIZE_BYTES, for POST forms too', async () => {
      vi.stubEnv('S3_MAX_UPLOAD_SIZE_BYTES', '1000');
      resetS3Storage();
      const result = await uploadSubject(fixture.newUser(), {
        contentType: 'image/png',
        contentLengthBytes: 1001,
        method: 'POST',
      });
      expect(result.statusCode).toBe(413);
    });

    it('a PUT without its size with 400 naming contentLengthBytes', async () => {
      const result = await uploadSubject(fixture.newUser(), { contentType: 'image/png' });
      expect(result.statusCode).toBe(400);
      expect(result.json.error.details).toEqual([
        expect.objectContaining({ path: 'body.contentLengthBytes' }),
      ]);
    });

    it('sizes and methods that are not valid with 400 InvalidRequest naming each field', async () => {
      const result = await uploadSubject(fixture.newUser(), {
        contentType: 'image/png',
        contentLengthBytes: -5,
        method: 'PATCH',
      });
      expect(result.statusCode).toBe(400);
      expect(result.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'body.contentLengthBytes',
        'body.method',
      ]);
    });

    it('a body over 16 KiB with 413 RequestTooLarge', async () => {
      const result = await uploadSubject(fixture.newUser(), {
        contentType: 'image/png',
        contentLengthBytes: 10,
        padding: 'x'.repeat(17 * 1024),
      });
      expect(result.statusCode).toBe(413);
      expect(result.json.error.code).toBe('RequestTooLarge');
    });
  });
});
