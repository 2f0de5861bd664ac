import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, LocalS3StartError, startLocalS3 } from '../../src/index.ts';

describe('startLocalS3', () => {
  let server: LocalS3;

  beforeAll(async () => {
    server = await startLocalS3({
      buckets: [
        {
          name: 'probe-bucket',
          cors: [{ allowedOrigins: ['http://localhost:3000'], allowedMethods: ['PUT'] }],
        },
      ],
    });
  });
  afterAll(() => server.stop());

  it('answers S3 requests on the endpoint it reports', async () => {
    const response = await fetch(`${server.endpoint}/probe-bucket`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<ListBucketResult');
  });

  it('applies the configured CORS rules to preflights', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.endpoint}/probe-bucket/k.png`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT' },
      });
    expect((await preflight('http://localhost:3000')).status).toBe(200);
    expect((await preflight('http://evil.example')).status).toBe(403);
  });

  it('throws when the port is in use, naming the port and the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startLocalS3({ port })).rejects.toThrow(LocalS3StartError);
      await expect(startLocalS3({ port })).rejects.toThrow(`Port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
