import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3TimeoutError } from '../../src/errors.ts';
import { createS3Storage } from '../../src/storage.ts';
import { TEST_CREDENTIALS } from '../helpers/storage.ts';

describe('an S3 endpoint that accepts connections and never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.push(socket); // read nothing, answer nothing
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails each request after its attempts and timeouts instead of hanging', async () => {
    const storage = createS3Storage({
      config: {
        bucketName: 'auto-bio-illustrations',
        endpoint,
        credentials: TEST_CREDENTIALS,
        requestTimeoutMs: 300,
        maxAttempts: 2,
      },
    });
    const started = Date.now();

    const error = await storage.findObject('subjects/u.png').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(S3TimeoutError);
    expect((error as S3TimeoutError).code).toBe('Timeout');
    expect((error as Error).message).toMatch(
      /^S3 did not answer in time for s3:\/\/auto-bio-illustrations\/subjects\/u\.png: .*S3_REQUEST_TIMEOUT_MS/,
    );
    expect(((error as Error).cause as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sockets.length).toBe(2);
  });
});
