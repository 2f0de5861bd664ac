import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCAL_S3_CREDENTIALS, type LocalS3 } from '@autobio/local-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, ObjectTooLargeError } from '../../src/errors.ts';
import { createS3Storage, type S3Storage } from '../../src/storage.ts';
import {
  type FakeResponder,
  type FakeS3,
  okResponse,
  startFakeS3,
  TLS_FIXTURE,
} from '../helpers/fake-s3.ts';
import { startTestS3, storageFor, TEST_BUCKET } from '../helpers/local-s3.ts';
import { TEST_CREDENTIALS } from '../helpers/storage.ts';

const png = readFileSync(new URL('../fixtures/portrait.png', import.meta.url));

/** Counts the GetObject requests the SDK client sends (the direct read sends none). */
function countSdkGets(storage: S3Storage): () => number {
  let gets = 0;
  storage.getClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') gets += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return () => gets;
}

describe('getObjectAsBase64 against the embedded S3 server', () => {
  let server: LocalS3;
  let storage: S3Storage;
  let sdkGets: () => number;
  const warnings: string[] = [];

  beforeAll(async () => {
    server = await startTestS3();
  });
  afterAll(() => server?.stop());
  beforeAll(() => {
    storage = storageFor(server, { warn: (message) => warnings.push(message) });
    sdkGets = countSdkGets(storage);
  });

  it('reads the body on a connection of its own, without an SDK GetObject', async () => {
    const key = storage.getSubjectKey('ann lee+été (1)');
    await storage.putObject(key, png, { contentType: 'image/png' });
    const before = sdkGets();
    expect(await storage.getObjectAsBase64(TEST_BUCKET, key)).toBe(png.toString('base64'));
    expect(sdkGets() - before).toBe(0);
  });

  it('reads an empty object as an empty string', async () => {
    await storage.putObject('stubs/empty.png', Buffer.alloc(0));
    const before = sdkGets();
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'stubs/empty.png')).toBe('');
    expect(sdkGets() - before).toBe(0);
  });

  it('reads many objects at once, each into its own buffer', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => Buffer.concat([png, Buffer.from([i])]));
    await Promise.all(bodies.map((body, i) => storage.putObject(`stubs/many-${i}.png`, body)));
    const read = await Promise.all(
      bodies.map((_, i) => storage.getObjectAsBase64(TEST_BUCKET, `stubs/many-${i}.png`)),
    );
    expect(read).toEqual(bodies.map((body) => body.toString('base64')));
  });

  it('refuses an object over the limit from its Content-Length, with no SDK request', async () => {
    await storage.putObject('subjects/big.png', png);
    const before = sdkGets();
    await expect(
      storage.getObjectAsBase64(TEST_BUCKET, 'subjects/big.png', { maxSizeBytes: png.length - 1 }),
    ).rejects.toThrow(new ObjectTooLargeError('subjects/big.png', png.length, png.length - 1));
    expect(sdkGets() - before).toBe(0);
  });

  it("leaves a missing key to the SDK, which names S3's error", async () => {
    const before = sdkGets();
    await expect(storage.getObjectAsBase64(TEST_BUCKET, 'subjects/nobody.png')).rejects.toThrow(
      new ObjectNotFoundError(TEST_BUCKET, 'subjects/nobody.png'),
    );
    expect(sdkGets() - before).toBe(1);
    // S3's own error status is no reason to warn: the SDK is asked only to name it.
    expect(warnings).toEqual([]);
  });

  it('reads through the SDK only when directReads is off or a client is given', async () => {
    await storage.putObject('subjects/sdk.png', png);
    const config = {
      bucketName: TEST_BUCKET,
      endpoint: server.endpoint,
      credentials: LOCAL_S3_CREDENTIALS,
    };
    const off = createS3Storage({ config: { ...config, directReads: false } });
    const given = createS3Storage({
      config,
      client: new S3Client({
        region: 'us-east-1',
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: LOCAL_S3_CREDENTIALS,
      }),
    });
    for (const other of [off, given]) {
      const gets = countSdkGets(other);
      expect(await other.getObjectAsBase64(TEST_BUCKET, 'subjects/sdk.png')).toBe(
        png.toString('base64'),
      );
      expect(gets()).toBe(1);
    }
  });
});

describe('getObjectAsBase64 against servers that answer oddly', () => {
  let fake: FakeS3 | undefined;
  const start = async (respond: FakeResponder, tls = false) => {
    fake = await startFakeS3(respond, { tls });
    return fake;
  };
  let warnings: string[] = [];
  const storageAt = (
    endpoint: string,
    overrides: { requestTimeoutMs?: number; maxAttempts?: number } = {},
  ) =>
    createS3Storage({
      config: { bucketName: TEST_BUCKET, endpoint, credentials: TEST_CREDENTIALS, ...overrides },
      warn: (message) => warnings.push(message),
    });
  beforeEach(() => {
    warnings = [];
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('sends one signed GET for the key, with Connection: close', async () => {
    const server = await start((socket) => socket.end(okResponse(png)));
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.target).toMatch(
      /^\/auto-bio-test\/subjects\/u\.png\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
    );
    expect(request?.target).toContain('&X-Amz-Signature=');
    expect(request?.headers).toMatchObject({
      host: new URL(server.endpoint).host,
      connection: 'close',
    });
  });

  it('asks again through the SDK when the body comes chunked', async () => {
    const server = await start((socket, _request, index) => {
      if (index > 0) return socket.end(okResponse(png));
      const half = png.length >> 1;
      socket.end(
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'),
          Buffer.from(`${half.toString(16)}\r\n`),
          png.subarray(0, half),
          Buffer.from(`\r\n${(png.length - half).toString(16)}\r\n`),
          png.subarray(half),
          Buffer.from('\r\n0\r\n\r\n'),
        ]),
      );
    });
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests.map((r) => r.target.includes('x-id=GetObject'))).toEqual([true, true]);
    expect(
      server.requests[1]?.target.startsWith('/auto-bio-test/subjects/u.png?x-id=GetObject'),
    ).toBe(true);
    expect(warnings).toEqual([
      'A direct read of s3://auto-bio-test/subjects/u.png went through the SDK instead: ' +
        'the body is sent chunked. If this repeats, set S3_DIRECT_READS=false.',
    ]);
  });

  it('asks again through the SDK when the connection closes mid-body', async () => {
    const server = await start((socket, _request, index) => {
      const full = okResponse(png);
      if (index > 0) return socket.end(full);
      socket.end(full.subarray(0, full.length - 100));
    });
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(2);
    expect(warnings).toEqual([
      expect.stringContaining('the connection closed before the whole body arrived'),
    ]);
  });

  it('waits for a slow body as long as no silence lasts the request timeout', async () => {
    const server = await start((socket) => {
      const full = okResponse(png);
      const pieces = 5;
      const size = Math.ceil(full.length / pieces);
      for (let i = 0; i < pieces; i += 1) {
        setTimeout(() => {
          socket.write(full.subarray(i * size, (i + 1) * size));
          if (i === pieces - 1) socket.end();
        }, i * 150);
      }
    });
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 400 });
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('fails a silent server with a TimeoutError within the attempts’ time', async () => {
    const server = await start(() => {
      // accept, read the request, never answer
    });
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 300, maxAttempts: 2 });
    const started = Date.now();
    const error = (await storage
      .getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')
      .catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(2 * 300 + 1_000);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  describe('over TLS', () => {
    const child = fileURLToPath(new URL('../helpers/read-in-child.ts', import.meta.url));
    const readInChild = async (endpoint: string, trust: boolean) => {
      const { NODE_EXTRA_CA_CERTS: _unset, ...env } = process.env;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--import', 'tsx', child, endpoint, 'subjects/u.png'],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: trust ? { ...env, NODE_EXTRA_CA_CERTS: fileURLToPath(TLS_FIXTURE.certPath) } : env,
        },
      );
      return JSON.parse(stdout) as { base64?: string; error?: { name: string; code?: string } };
    };

    it('reads from a server whose certificate is trusted, on one connection', async () => {
      const server = await start((socket) => socket.end(okResponse(png)), true);
      const result = await readInChild(server.endpoint, true);
      expect(result).toEqual({ base64: png.toString('base64') });
      expect(server.requests).toHaveLength(1);
    });

    it('sends nothing to a server whose certificate is not trusted', async () => {
      const server = await start((socket) => socket.end(okResponse(png)), true);
      const result = await readInChild(server.endpoint, false);
      expect(result.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(server.requests).toHaveLength(0);
    });

    it('sends nothing to a server whose certificate names another host', async () => {
      const server = await start((socket) => socket.end(okResponse(png)), true);
      const result = await readInChild(server.endpoint.replace('localhost', '127.0.0.1'), true);
      expect(result.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(server.requests).toHaveLength(0);
    });
  });
});
