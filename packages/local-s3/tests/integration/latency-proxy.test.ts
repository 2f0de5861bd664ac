import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/index.ts';
import { type LatencyProxy, startLatencyProxy } from '../../src/latency-proxy.ts';

const BUCKET = 'proxy-bucket';
const DELAY_MS = 50;
// Node's timers count whole milliseconds, so a timer may fire a fraction of one early.
const TIMER_SLACK_MS = 1;

function clientFor(server: LocalS3, endpoint: string): S3Client {
  return new S3Client({
    region: server.region,
    endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('startLatencyProxy in front of versitygw', () => {
  let server: LocalS3;
  let proxy: LatencyProxy;
  let client: S3Client;

  beforeAll(async () => {
    server = await startLocalS3({
      engine: 'versitygw',
      versioning: false,
      buckets: [{ name: BUCKET }],
    });
    proxy = await startLatencyProxy({ target: server.endpoint, delayMs: DELAY_MS });
    client = clientFor(server, proxy.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
    await server?.stop();
  });

  it('forwards signed requests and bodies byte for byte, each after the delay, and counts them', async () => {
    const body = randomBytes(3 * 1024 ** 2 + 17);
    const before = proxy.requests;

    // versitygw checks the signature, so a changed Host header or body would be refused.
    const put = await timed(() =>
      client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'blob.bin', Body: body })),
    );
    const get = await timed(async () => {
      const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'blob.bin' }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    });

    expect(get.value.equals(body)).toBe(true);
    expect(put.ms).toBeGreaterThanOrEqual(DELAY_MS - TIMER_SLACK_MS);
    expect(get.ms).toBeGreaterThanOrEqual(DELAY_MS - TIMER_SLACK_MS);
    expect(proxy.requests - before).toBe(2);
    expect(proxy.requestsByMethod).toMatchObject({ PUT: 1, GET: 1 });
    expect(proxy.slowDowns).toBe(0);
  });

  it('keeps client connections alive', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'first', Body: 'a' }));
    const connections = proxy.connections;
    for (let i = 0; i < 3; i++) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `next/${i}`, Body: 'b' }));
    }
    // (The SDK sends a body over 2 MiB, with Expect: 100-continue, on a connection of its own.)
    expect(proxy.connections).toBe(connections);
  });

  it('answers the configured share of requests with 503 SlowDown, forwarding none of them', async () => {
    const throttled = await startLatencyProxy({
      target: server.endpoint,
      delayMs: 0,
      slowDownShare: 0.5,
    });
    const throttledClient = clientFor(server, throttled.endpoint);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) =>
          throttledClient.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: `throttled/${i}`, Body: `object ${i}` }),
          ),
        ),
      );
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(refused).toHaveLength(2);
      for (const outcome of refused) {
        expect(outcome.reason).toMatchObject({
          name: 'SlowDown',
          $metadata: { httpStatusCode: 503 },
        });
      }
      expect(throttled.requests).toBe(4);
      expect(throttled.slowDowns).toBe(2);
    } finally {
      throttledClient.destroy();
      await throttled.stop();
    }
  });
});
