import { describe, expect, it } from 'vitest';
import { handler as createAvatarUpload } from '../../src/handlers/create-avatar-upload.ts';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import {
  holdsNothingAt,
  postForm,
  sendRaw,
  withKey,
  withTamperedSignature,
} from '../helpers/conformance-s3.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ engine: 'versitygw' });

/** The upload route's presigned PUT for a fresh user's subject image of `image.length` bytes. */
async function putFromRoute(image: Buffer) {
  const user = fixture.newUser();
  const result = await invoke(createSubjectUpload, {
    method: 'POST',
    route: '/uploads/subject',
    sub: user,
    body: { contentType: 'image/png', contentLengthBytes: image.length },
  });
  expect(result.statusCode).toBe(200);
  return {
    user,
    url: result.json.url as string,
    key: result.json.key as string,
    headers: result.json.headers as Record<string, string>,
  };
}

type SignedPut = Awaited<ReturnType<typeof putFromRoute>>;

/** The upload route's presigned POST form for a fresh user's avatar of at most `maxSizeBytes`. */
async function formFromRoute(maxSizeBytes: number) {
  const result = await invoke(createAvatarUpload, {
    method: 'POST',
    route: '/uploads/avatar',
    sub: fixture.newUser(),
    body: { contentType: 'image/webp', contentLengthBytes: maxSizeBytes, method: 'POST' },
  });
  expect(result.statusCode).toBe(200);
  return {
    url: result.json.url as string,
    key: result.json.key as string,
    fields: result.json.fields as Record<string, string>,
  };
}

describe('POST /uploads/{subject,avatar} against a real S3', () => {
  it("stores the image PUT as the route signed it byte for byte, and GET /images/subject's URL serves it", async () => {
    const image = fakePng(5000);
    const upload = await putFromRoute(image);

    const put = await sendRaw('PUT', upload.url, upload.headers, image);

    expect(put.status).toBe(200);
    const storage = fixture.storage();
    const stored = await storage.getObjectAsBase64(storage.getBucketName(), upload.key);
    expect(Buffer.from(stored, 'base64').equals(image)).toBe(true);
    expect((await storage.headObject(upload.key)).contentType).toBe('image/png');
    const served = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: upload.user,
    });
    const get = await sendRaw('GET', served.json.url);
    expect(get.status).toBe(200);
    expect(get.body.equals(image)).toBe(true);
  });

  it.each([
    [
      'another content type',
      (upload: SignedPut, image: Buffer) => ({
        url: upload.url,
        headers: { ...upload.headers, 'content-type': 'text/html' },
        body: image,
      }),
    ],
    [
      'another size',
      (upload: SignedPut, image: Buffer) => ({
        url: upload.url,
        headers: { ...upload.headers, 'content-length': String(image.length * 2) },
        body: Buffer.concat([image, image]),
      }),
    ],
    [
      "another user's key",
      (upload: SignedPut, image: Buffer) => ({
        url: withKey(upload.url, upload.key, fixture.storage().getSubjectKey(fixture.newUser())),
        headers: upload.headers,
        body: image,
      }),
    ],
    [
      'a tampered signature',
      (upload: SignedPut, image: Buffer) => ({
        url: withTamperedSignature(upload.url),
        headers: upload.headers,
        body: image,
      }),
    ],
  ])(
    "refuses the route's presigned PUT sent with %s with 403, and stores nothing",
    async (_, tamper) => {
      const image = fakePng(5000);
      const upload = await putFromRoute(image);
      const sent = tamper(upload, image);

      const put = await sendRaw('PUT', sent.url, sent.headers, sent.body);

      expect(put.status).toBe(403);
      expect(put.errorCode).toBe('SignatureDoesNotMatch');
      const targetKey = new URL(sent.url).pathname.split('/').slice(2).join('/');
      expect(await holdsNothingAt(fixture.storage(), targetKey), targetKey).toBe(true);
      expect(await holdsNothingAt(fixture.storage(), upload.key), upload.key).toBe(true);
    },
  );

  it("stores the avatar posted with the route's form byte for byte", async () => {
    const image = fakePng(3000);
    const form = await formFromRoute(image.length);

    const response = await postForm(form.url, form.fields, image, 'image/webp');

    expect(response.status).toBe(204);
    const storage = fixture.storage();
    const stored = await storage.getObjectAsBase64(storage.getBucketName(), form.key);
    expect(Buffer.from(stored, 'base64').equals(image)).toBe(true);
    expect((await storage.headObject(form.key)).contentType).toBe('image/webp');
  });

  it("refuses a file one byte over the size the route's form was asked for, and stores nothing", async () => {
    const form = await formFromRoute(3000);

    const response = await postForm(form.url, form.fields, fakePng(3001), 'image/webp');

    expect(response.status).toBe(400);
    expect(response.errorCode).toBe('EntityTooLarge');
    expect(await holdsNothingAt(fixture.storage(), form.key)).toBe(true);
  });

  it.each([
    ['another content type', () => ({ 'Content-Type': 'text/html' })],
    ["another user's key", () => ({ key: fixture.storage().getAvatarKey(fixture.newUser()) })],
  ])("refuses the route's form sent with %s with 403, and stores nothing", async (_, change) => {
    const form = await formFromRoute(3000);
    const changed: Record<string, string> = { ...form.fields, ...change() };

    const response = await postForm(form.url, changed, fakePng(100));

    expect(response.status).toBe(403);
    expect(response.errorCode).toBe('AccessDenied');
    expect(await holdsNothingAt(fixture.storage(), form.key)).toBe(true);
    expect(await holdsNothingAt(fixture.storage(), changed.key!)).toBe(true);
  });
});
