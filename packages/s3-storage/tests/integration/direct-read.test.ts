import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCAL_S3_CREDENTIALS, type LocalS3 } from '@autobio/local-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ObjectNotFoundError, ObjectTooLargeError, S3TimeoutError } from '../../src/errors.ts';
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

/** A response head with no body: an error status S3 answers a request with. */
function statusOnly(statusLine: string): string {
  return `HTTP/1.1 ${statusLine}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

/**
 * Answers the direct read with `direct`, and the SDK's request (the one that sends
 * amz-sdk-request) with the whole image.
 */
function directThenSdk(direct: string): FakeResponder {
  return (socket, request) =>
    socket.end(request.headers['amz-sdk-request'] ? okResponse(png) : direct);
}

/** Writes `data` in `pieces` parts, `gapMs` apart, then ends the response. */
function dribble(socket: Socket, data: Buffer, pieces: number, gapMs: number): void {
  const size = Math.ceil(data.length / pieces);
  for (let i = 0; i < pieces; i += 1) {
    setTimeout(() => {
      if (socket.destroyed) return;
      socket.write(data.subarray(i * size, (i + 1) * size));
      if (i === pieces - 1) socket.end();
    }, i * gapMs);
  }
}

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
    const before = sdkGets();
    const read = await Promise.all(
      bodies.map((_, i) => storage.getObjectAsBase64(TEST_BUCKET, `stubs/many-${i}.png`)),
    );
    expect(read).toEqual(bodies.map((body) => body.toString('base64')));
    expect(sdkGets() - before).toBe(0);
    expect(warnings).toEqual([]);
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
  const start = async (
    respond: FakeResponder,
    options: { tls?: boolean; sniOnly?: boolean } = {},
  ) => {
    fake = await startFakeS3(respond, options);
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

  it('sends one GET for the key, signed in its headers, with Connection: close', async () => {
    const server = await start((socket) => socket.end(okResponse(png)));
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.target).toBe('/auto-bio-test/subjects/u.png?x-id=GetObject');
    expect(request?.headers).toMatchObject({
      host: new URL(server.endpoint).host,
      authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//),
      'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      connection: 'close',
    });
    expect(warnings).toEqual([]);
  });

  it('asks again through the SDK when the body comes chunked, and says why', async () => {
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
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers['amz-sdk-request']).toBe('attempt=1; max=3');
    expect(warnings).toEqual([
      'A direct read of s3://auto-bio-test/subjects/u.png went through the SDK instead: ' +
        'the body is sent chunked. If this repeats, set S3_DIRECT_READS=false.',
    ]);
  });

  it('warns at most once a minute, counting the warnings held back', async () => {
    const server = await start(directThenSdk('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'));
    const storage = storageAt(server.endpoint);
    for (let read = 0; read < 3; read += 1) {
      await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png');
    }
    expect(server.requests).toHaveLength(6);
    expect(warnings).toEqual([expect.stringContaining('the response has no Content-Length')]);
  });

  it('asks again through the SDK when the response head is over 16 KiB', async () => {
    const server = await start((socket, _request, index) => {
      if (index > 0) return socket.end(okResponse(png));
      socket.end(`HTTP/1.1 200 OK\r\nx-amz-meta-big: ${'x'.repeat(17 * 1024)}\r\n\r\n`);
    });
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(warnings).toEqual([expect.stringContaining('the response head is over 16 KiB')]);
  });

  it('reads exactly Content-Length bytes when the server sends more', async () => {
    const server = await start((socket) =>
      socket.end(Buffer.concat([okResponse(png), Buffer.from('trailing bytes')])),
    );
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
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

  it('warns when S3 refuses the direct request but answers the SDK (a wrong clock, a proxy)', async () => {
    const server = await start(directThenSdk(statusOnly('403 Forbidden')));
    const storage = storageAt(server.endpoint);
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(warnings).toEqual([
      'A direct read of s3://auto-bio-test/subjects/u.png was refused (S3 answered HTTP 403) and ' +
        "the SDK's read was not. Check this machine's clock and anything between it and S3, or " +
        'set S3_DIRECT_READS=false.',
    ]);
  });

  it("signs by S3's clock once the SDK has learned its offset", async () => {
    const server = await start((socket) => socket.end(okResponse(png)));
    const storage = storageAt(server.endpoint);
    // What the SDK records after S3 answers RequestTimeTooSkewed: S3's clock is a day ahead.
    (storage.getClient().config as { systemClockOffset: number }).systemClockOffset = 86_400_000;
    await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png');
    const signedAt = server.requests[0]?.headers['x-amz-date'] ?? '';
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    expect(signedAt.slice(0, 8)).toBe(tomorrow);
  });

  it('waits a little after a 503 before the SDK asks again', async () => {
    const server = await start(directThenSdk(statusOnly('503 Slow Down')));
    const storage = storageAt(server.endpoint);
    // The wait is drawn at random up to 500 ms, as the SDK draws its throttling retries' waits.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
        png.toString('base64'),
      );
    } finally {
      random.mockRestore();
    }
    expect(server.requests).toHaveLength(2);
    const [direct, sdk] = server.requests;
    expect((sdk?.receivedAt ?? 0) - (direct?.receivedAt ?? 0)).toBeGreaterThanOrEqual(450);
    expect(warnings).toEqual([]);
  });

  it('rejects the read, and keeps the process up, when the body buffer cannot be made', async () => {
    const server = await start((socket) => socket.end(okResponse(png)));
    const storage = storageAt(server.endpoint);
    const allocate = Buffer.allocUnsafe.bind(Buffer);
    const spy = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
      if (size === png.length) throw new RangeError('Array buffer allocation failed');
      return allocate(size);
    });
    try {
      await expect(storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).rejects.toThrow(
        'Array buffer allocation failed',
      );
    } finally {
      spy.mockRestore();
    }
    expect(server.requests).toHaveLength(1);
  });

  it('waits for a slow body as long as no silence lasts the request timeout', async () => {
    const server = await start((socket) => dribble(socket, okResponse(png), 5, 150));
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 400 });
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it("lets the SDK's slow but steady body finish after a failed direct read", async () => {
    const server = await start((socket, request) =>
      request.headers['amz-sdk-request']
        ? dribble(socket, okResponse(png), 6, 150)
        : socket.end(statusOnly('500 Internal Error')),
    );
    // The attempts' time is 300 ms; the SDK's body takes 750 ms, never silent for 300.
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 300, maxAttempts: 1 });
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
  });

  it('gives the SDK a whole attempt even after a direct read used up the time', async () => {
    const server = await start((socket, request) => {
      const full = okResponse(png);
      if (request.headers['amz-sdk-request']) return socket.end(full);
      // Slow, never silent for the request timeout, then cut short.
      dribble(socket, full.subarray(0, full.length - 100), 6, 150);
    });
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 300, maxAttempts: 2 });
    expect(await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')).toBe(
      png.toString('base64'),
    );
    expect(server.requests).toHaveLength(2);
  });

  it("types a silence in the SDK's body as an S3TimeoutError", async () => {
    const server = await start((socket) => {
      const full = okResponse(png);
      socket.write(full.subarray(0, full.length - 100)); // then nothing
    });
    for (const directReads of [true, false]) {
      const storage = createS3Storage({
        config: {
          bucketName: TEST_BUCKET,
          endpoint: server.endpoint,
          credentials: TEST_CREDENTIALS,
          requestTimeoutMs: 300,
          maxAttempts: 1,
          directReads,
        },
        warn: (message) => warnings.push(message),
      });
      const error = await storage
        .getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(S3TimeoutError);
    }
    // S3 failed the SDK too: nothing says to turn direct reads off.
    expect(warnings).toEqual([]);
  });

  it('warns after a 501, which says the direct request is one S3 cannot serve', async () => {
    const server = await start(directThenSdk(statusOnly('501 Not Implemented')));
    const storage = storageAt(server.endpoint);
    await storage.getObjectAsBase64(TEST_BUCKET, 'subjects/u.png');
    expect(warnings).toEqual([expect.stringContaining('was refused (S3 answered HTTP 501)')]);
  });

  it('fails a silent server with an S3TimeoutError within the attempts’ time', async () => {
    const server = await start(() => {
      // accept, read the request, never answer
    });
    const storage = storageAt(server.endpoint, { requestTimeoutMs: 300, maxAttempts: 2 });
    const started = Date.now();
    const error = await storage
      .getObjectAsBase64(TEST_BUCKET, 'subjects/u.png')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3TimeoutError);
    expect((error as Error).message).toMatch(
      /^S3 did not answer in time for s3:\/\/auto-bio-test\/subjects\/u\.png: /,
    );
    expect(Date.now() - started).toBeLessThan(2 * 300 + 1_000);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  describe('over TLS', () => {
    const child = fileURLToPath(new URL('../helpers/read-in-child.ts', import.meta.url));
    type Outcome = { base64?: string; error?: { name: string; code?: string } };
    const readInChild = async (endpoint: string, trust: boolean, times = 1) => {
      const { NODE_EXTRA_CA_CERTS: _unset, ...env } = process.env;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--import', 'tsx', child, endpoint, 'subjects/u.png', String(times)],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: trust ? { ...env, NODE_EXTRA_CA_CERTS: fileURLToPath(TLS_FIXTURE.certPath) } : env,
        },
      );
      return JSON.parse(stdout) as Outcome[];
    };
    // Each test starts a Node process: generous on a busy machine.
    const CHILD_TIMEOUT_MS = 30_000;

    it(
      'reads from a server whose certificate is trusted, naming the host (SNI) and resuming sessions',
      async () => {
        const server = await start((socket) => socket.end(okResponse(png)), { sniOnly: true });
        const outcomes = await readInChild(server.endpoint, true, 3);
        expect(outcomes).toEqual(Array(3).fill({ base64: png.toString('base64') }));
        // Three direct reads and no SDK request: each read was one request.
        expect(server.requests.map((r) => r.headers['amz-sdk-request'])).toEqual(
          Array(3).fill(undefined),
        );
        expect(server.requests.map((r) => r.tls)).toEqual([
          { servername: 'localhost', resumed: false },
          { servername: 'localhost', resumed: true },
          { servername: 'localhost', resumed: true },
        ]);
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      'sends nothing to a server whose certificate is not trusted',
      async () => {
        const server = await start((socket) => socket.end(okResponse(png)), { tls: true });
        const [outcome] = await readInChild(server.endpoint, false);
        expect(outcome?.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
        expect(server.requests).toHaveLength(0);
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      'sends nothing to a server whose certificate names another host',
      async () => {
        const server = await start((socket) => socket.end(okResponse(png)), { tls: true });
        const [outcome] = await readInChild(
          server.endpoint.replace('localhost', '127.0.0.1'),
          true,
        );
        expect(outcome?.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        expect(server.requests).toHaveLength(0);
      },
      CHILD_TIMEOUT_MS,
    );
  });
});
