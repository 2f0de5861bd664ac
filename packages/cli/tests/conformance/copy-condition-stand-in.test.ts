import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CopyObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKET,
  type ConformanceS3,
  listVersions,
  readBytes,
  SOURCE_BUCKET,
  startConformanceS3,
} from '../helpers/conformance-s3.ts';

// The migrate suites trust the stand-in as their referee for CopyObject's destination
// conditions: these pin down why it exists and that it answers as S3 does.

let s3: ConformanceS3;
/** Sends through the stand-in, as the CLI does. */
let viaStandIn: S3Client;

beforeAll(async () => {
  s3 = await startConformanceS3();
  viaStandIn = new S3Client({
    region: s3.server.region,
    endpoint: s3.standIn.endpoint,
    forcePathStyle: true,
    credentials: s3.server.credentials,
    maxAttempts: 1,
  });
  await s3.client.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'src', Body: 'source' }));
}, 30_000);
afterAll(async () => {
  viaStandIn?.destroy();
  await s3?.stop();
});

const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

const copyTo = (
  client: S3Client,
  key: string,
  condition: { IfNoneMatch?: '*'; IfMatch?: string },
) =>
  client.send(
    new CopyObjectCommand({
      Bucket: BUCKET,
      Key: key,
      CopySource: `${SOURCE_BUCKET}/src`,
      ...condition,
    }),
  );

describe('the CopyObject destination-condition stand-in', { timeout: 30_000 }, () => {
  it('exists because versitygw itself overwrites an object despite If-None-Match on CopyObject', async () => {
    // The day this fails, versitygw checks the condition itself and the stand-in can go.
    await put('gap/existing', 'already here');

    await copyTo(s3.client, 'gap/existing', { IfNoneMatch: '*' });

    expect((await readBytes(s3.client, BUCKET, 'gap/existing')).toString()).toBe('source');
    expect((await listVersions(s3.client, BUCKET, 'gap/existing')).versions).toHaveLength(2);
  });

  it('refuses a copy with If-None-Match onto an existing key with S3 412 naming the condition', async () => {
    await put('stand-in/existing', 'already here');

    const refusal = await copyTo(viaStandIn, 'stand-in/existing', { IfNoneMatch: '*' }).catch(
      (error: unknown) => error,
    );

    expect(refusal).toMatchObject({
      name: 'PreconditionFailed',
      Condition: 'If-None-Match',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await readBytes(s3.client, BUCKET, 'stand-in/existing')).toString()).toBe(
      'already here',
    );
    expect((await listVersions(s3.client, BUCKET, 'stand-in/existing')).versions).toHaveLength(1);
  });

  it('copies with If-None-Match onto an absent key, the request still verified by versitygw', async () => {
    await copyTo(viaStandIn, 'stand-in/absent', { IfNoneMatch: '*' });

    expect((await readBytes(s3.client, BUCKET, 'stand-in/absent')).toString()).toBe('source');
  });

  it('copies with If-Match on the current ETag and refuses a stale one with 412', async () => {
    const current = await put('stand-in/match', 'version one');

    const stale = await copyTo(viaStandIn, 'stand-in/match', {
      IfMatch: '"0123456789abcdef"',
    }).catch((error: unknown) => error);
    await copyTo(viaStandIn, 'stand-in/match', { IfMatch: current.ETag! });

    expect(stale).toMatchObject({ name: 'PreconditionFailed', Condition: 'If-Match' });
    expect((await readBytes(s3.client, BUCKET, 'stand-in/match')).toString()).toBe('source');
  });

  it('passes a request signed with the wrong secret on to versitygw, which refuses it', async () => {
    const forged = new S3Client({
      region: s3.server.region,
      endpoint: s3.standIn.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.server.credentials.accessKeyId, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    try {
      const refusal = await copyTo(forged, 'stand-in/forged', {}).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ name: 'SignatureDoesNotMatch' });
    } finally {
      forged.destroy();
    }
  });

  it('lets the next copy to a key through when the client of a conditional copy hung up before its answer', async () => {
    // As a migration killed mid-copy does: the request arrives whole, then its connection closes.
    const { port } = new URL(s3.standIn.endpoint);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.end(
      `PUT /${BUCKET}/stand-in/abandoned HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `x-amz-copy-source: /${SOURCE_BUCKET}/src\r\nIf-None-Match: *\r\nContent-Length: 0\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once('close', resolve));

    const next = copyTo(viaStandIn, 'stand-in/abandoned', { IfNoneMatch: '*' }).then(
      () => 'answered',
      () => 'answered',
    );

    expect(await Promise.race([next, sleep(10_000).then(() => 'still waiting for the key')])).toBe(
      'answered',
    );
  });
});
