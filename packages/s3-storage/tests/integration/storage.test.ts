import { readFileSync } from 'node:fs';
import type { LocalS3 } from '@autobio/local-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForeignBucketError, ObjectNotFoundError, ObjectTooLargeError } from '../../src/errors.ts';
import type { S3Storage } from '../../src/storage.ts';
import { startTestS3, storageFor, TEST_BUCKET, TEST_ORIGIN } from '../helpers/local-s3.ts';

const png = readFileSync(new URL('../fixtures/portrait.png', import.meta.url));

describe('S3Storage against the embedded S3 server', () => {
  let server: LocalS3;
  let storage: S3Storage;

  beforeAll(async () => {
    server = await startTestS3();
    storage = storageFor(server, { listPageSize: 10 });
  });
  afterAll(() => server?.stop());

  it('uploads with a presigned PUT from fetch and reads back through a presigned GET', async () => {
    const upload = await storage.generatePresignedUploadUrl('alice', 'image/png', {
      contentLengthBytes: png.length,
    });
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: png });
    expect(put.status).toBe(200);

    const download = await storage.generatePresignedDownloadUrl(upload.key, { checkExists: true });
    const get = await fetch(download);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await get.arrayBuffer()).equals(png)).toBe(true);
  });

  it('answers a browser preflight for the upload from the allowed origin only', async () => {
    const upload = await storage.generatePresignedUploadUrl('alice', 'image/png');
    const preflight = (origin: string) =>
      fetch(upload.url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
    expect((await preflight(TEST_ORIGIN)).status).toBe(200);
    expect((await preflight('https://evil.example')).status).toBe(403);
  });

  it('uploads through a presigned POST form', async () => {
    const post = await storage.generatePresignedUploadPost('bob', 'image/png', {
      target: 'avatar',
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([png], { type: 'image/png' }), 'avatar.png');
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status).toBeLessThan(300);
    expect((await storage.headObject('avatars/bob.png')).sizeBytes).toBe(png.length);
  });

  it('round-trips a real PNG through getObjectAsBase64', async () => {
    await storage.putObject('subjects/carol.png', png, { contentType: 'image/png' });
    const base64 = await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/carol.png');
    expect(base64).toBe(png.toString('base64'));
    expect(Buffer.from(base64, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses to read an object over the size limit', async () => {
    await expect(
      storage.getObjectAsBase64(TEST_BUCKET, 'subjects/carol.png', { maxSizeBytes: 100 }),
    ).rejects.toThrow(ObjectTooLargeError);
  });

  it('reports a missing key as not found, naming the bucket and key', async () => {
    await expect(storage.getObjectAsBase64(TEST_BUCKET, 'subjects/nobody.png')).rejects.toThrow(
      new ObjectNotFoundError(TEST_BUCKET, 'subjects/nobody.png'),
    );
    await expect(
      storage.generatePresignedDownloadUrl('avatars/nobody.png', { checkExists: true }),
    ).rejects.toThrow(ObjectNotFoundError);
    expect(await storage.objectExists('avatars/nobody.png')).toBe(false);
  });

  it('copies with content type and metadata kept, then deletes', async () => {
    await storage.putObject('stubs/sunset.png', png, {
      contentType: 'image/png',
      metadata: { source: 'seed' },
    });
    const target = storage.getGeneratedKey('memory', 'dave');
    await storage.copyObject('stubs/sunset.png', target);
    const copy = await storage.headObject(target);
    expect(copy).toMatchObject({
      sizeBytes: png.length,
      contentType: 'image/png',
      metadata: { source: 'seed' },
    });
    await storage.deleteObject(target);
    expect(await storage.objectExists(target)).toBe(false);
  });

  it("lists a user's illustrations newest first, across S3 pages and its own cursor pages", async () => {
    const start = Date.UTC(2026, 0, 1);
    const keys = Array.from({ length: 25 }, (_, i) =>
      storage.getGeneratedKey('memory', 'erin', { date: new Date(start + i * 1000) }),
    );
    await Promise.all(keys.map((key) => storage.putObject(key, 'x', { contentType: 'image/png' })));
    // Another user's and another kind's illustrations must not appear.
    await storage.putObject(storage.getGeneratedKey('memory', 'erin2'), 'x');
    await storage.putObject(storage.getGeneratedKey('subject', 'erin'), 'x');

    let listRequests = 0;
    storage.getClient().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') listRequests += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countListRequests' },
    );

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await storage.listGeneratedIllustrations('erin', 'memory', {
        limit: 10,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((item) => item.key));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    storage.getClient().middlewareStack.remove('countListRequests');
    expect(pages).toBe(3);
    // 25 keys in S3 pages of 10: three ListObjectsV2 requests for each of the three listings.
    expect(listRequests).toBe(9);
    expect(seen).toEqual([...keys].reverse());
    const first = await storage.listGeneratedIllustrations('erin', 'memory', { limit: 1 });
    expect(first.items[0]?.createdAt).toEqual(new Date(start + 24_000));
  });

  it("refuses a cursor from another user's listing", async () => {
    await storage.putObject(storage.getGeneratedKey('memory', 'frank'), 'x');
    await storage.putObject(storage.getGeneratedKey('memory', 'frank'), 'x');
    const frank = await storage.listGeneratedIllustrations('frank', 'memory', { limit: 1 });
    expect(frank.nextCursor).toBeDefined();
    await expect(
      storage.listGeneratedIllustrations('erin', 'memory', { cursor: frank.nextCursor! }),
    ).rejects.toThrow('is not a cursor of this listing');
  });

  it("deletes all of one user's data and nobody else's, idempotently", async () => {
    await storage.putObject('subjects/gina.png', png);
    await storage.putObject('avatars/gina.png', png);
    for (let i = 0; i < 3; i += 1)
      await storage.putObject(storage.getGeneratedKey('memory', 'gina'), 'x');
    await storage.putObject(storage.getGeneratedKey('subject', 'gina'), 'x');
    await storage.putObject('subjects/gina2.png', png);

    expect(await storage.deleteUserData('gina')).toEqual({
      subjects: 1,
      avatars: 1,
      'generated/memory': 3,
      'generated/subject': 1,
    });
    expect(await storage.deleteUserData('gina')).toEqual({
      subjects: 0,
      avatars: 0,
      'generated/memory': 0,
      'generated/subject': 0,
    });
    expect(await storage.objectExists('subjects/gina2.png')).toBe(true);
  });

  it("deletes all of one user's data with allVersions on a store without versioning", async () => {
    await storage.putObject('avatars/hana.png', png);
    await storage.putObject(storage.getGeneratedKey('subject', 'hana'), 'x');
    expect(await storage.deleteUserData('hana', { allVersions: true })).toEqual({
      subjects: 0,
      avatars: 1,
      'generated/memory': 0,
      'generated/subject': 1,
    });
    expect(await storage.objectExists('avatars/hana.png')).toBe(false);
  });

  it('refuses an S3 URI of another bucket before reading anything', async () => {
    expect(() =>
      storage.assertOwnS3Uri('s3://someone-elses-bucket/generated/memory/x/1.png'),
    ).toThrow(ForeignBucketError);
    await expect(
      storage.getObjectAsBase64('someone-elses-bucket', 'subjects/carol.png'),
    ).rejects.toThrow(ForeignBucketError);
  });

  it('has S3 refuse an expired presigned URL', async () => {
    const url = await storage.generatePresignedDownloadUrl('subjects/carol.png', {
      expiresInSeconds: 1,
      signingDate: new Date(Date.now() - 60_000),
    });
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('expired');
  });
});
