import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalS3,
  LocalS3StartError,
  resolveVersityGw,
  startLocalS3,
  VERSITYGW_INSTALL_COMMAND,
} from '../../src/index.ts';

const BUCKET = 'probe-bucket';

function clientFor(server: LocalS3, secretAccessKey = server.credentials.secretAccessKey) {
  return new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

describe('startLocalS3 with versitygw', () => {
  let server: LocalS3;

  beforeAll(async () => {
    server = await startLocalS3({
      engine: 'versitygw',
      buckets: [
        {
          name: BUCKET,
          cors: [{ allowedOrigins: ['http://localhost:3000'], allowedMethods: ['PUT'] }],
        },
      ],
    });
  });
  afterAll(() => server?.stop());

  it('refuses a request signed with another secret, which s3rver would accept', async () => {
    const wrong = clientFor(server, 'not-the-secret');
    await expect(
      wrong.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'a' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    wrong.destroy();
  });

  it('creates the buckets with versioning on, keeping every version', async () => {
    const client = clientFor(server);
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe(
      'Enabled',
    );
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v.txt', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v.txt', Body: 'two' }));
    const versions = await client.send(
      new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'v.txt' }),
    );
    expect(versions.Versions).toHaveLength(2);
    client.destroy();
  });

  it('serves an object written again after its versions and delete marker were purged', async () => {
    // What account deletion then a new upload does; sidecar metadata kept serving NoSuchKey.
    const client = clientFor(server);
    const Key = 'purged-then-rewritten.txt';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'before' }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    const listed = await client.send(
      new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: Key }),
    );
    const entries = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])];
    expect(entries).toHaveLength(2);
    await client.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: entries.map((e) => ({ Key: e.Key!, VersionId: e.VersionId })) },
      }),
    );
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'after' }));
    const read = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect(await read.Body!.transformToString()).toBe('after');
    client.destroy();
  });

  it('applies the bucket CORS rules to preflights', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.endpoint}/${BUCKET}/k.png`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT' },
      });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect((await preflight('http://evil.example')).status).toBe(403);
  });

  it('keeps a persistent data folder across restarts', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'versitygw-keep-'));
    try {
      const first = await startLocalS3({
        engine: 'versitygw',
        directory,
        buckets: [{ name: 'kept' }],
      });
      const client = clientFor(first);
      await client.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k.txt', Body: 'k' }));
      client.destroy();
      await first.stop();
      const second = await startLocalS3({
        engine: 'versitygw',
        directory,
        buckets: [{ name: 'kept' }],
      });
      const again = clientFor(second);
      const listed = await again.send(new ListObjectVersionsCommand({ Bucket: 'kept' }));
      expect(listed.Versions?.map((v) => v.Key)).toEqual(['k.txt']);
      again.destroy();
      await second.stop();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('stops the gateway process, so its port is free again', async () => {
    const own = await startLocalS3({ engine: 'versitygw' });
    await own.stop();
    await expect(fetch(own.endpoint)).rejects.toThrow();
  });

  it('throws when the port is in use, naming the port and the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const start = startLocalS3({ engine: 'versitygw', port });
      await expect(start).rejects.toThrow(LocalS3StartError);
      await expect(start).rejects.toThrow(`Port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('resolveVersityGw', () => {
  it('throws when VERSITYGW_BIN names no file, naming the install command', () => {
    expect(() => resolveVersityGw({ VERSITYGW_BIN: '/nowhere/versitygw' })).toThrow(
      /VERSITYGW_BIN=\/nowhere\/versitygw names no file.*pnpm s3:install/,
    );
    expect(VERSITYGW_INSTALL_COMMAND).toBe('pnpm s3:install');
  });

  it('uses VERSITYGW_BIN when it names a file', () => {
    expect(resolveVersityGw({ VERSITYGW_BIN: process.execPath })).toBe(process.execPath);
  });
});
