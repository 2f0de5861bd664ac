/**
 * Peak memory of `POST /illustrations/{kind}` in service mode with a 32 MiB subject image: the
 * handler reads the image from S3, builds the illustration-gen request around its base64 and
 * sends it. Each run is a fresh process (three runs, the highest peak reported), against
 * versitygw and a stand-in service in this process, which reads the request and writes a PNG.
 *
 * Run with `node --expose-gc --import tsx bench/generate-peak.ts` in packages/functions.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalS3 } from '@autobio/local-s3';
import { createS3Storage } from '@autobio/s3-storage';

const OBJECT_SIZE_BYTES = 32 * 1024 * 1024;
const RUNS = 3;
const BUCKET = 'generate-bench';
const MiB = 1024 * 1024;

export interface GeneratePeakResult {
  readonly objectSizeBytes: number;
  /** Growth of the process's peak resident memory over the request. */
  readonly peakGrowthBytes: number;
  readonly ratio: number;
  /** Growth of what the JavaScript runtime holds at its peak: heap plus external memory. */
  readonly heldGrowthBytes: number;
  readonly heldRatio: number;
  readonly handlerMs: number;
}

export async function benchGeneratePeak(): Promise<GeneratePeakResult> {
  const server = await startLocalS3({ engine: 'versitygw', buckets: [{ name: BUCKET }] });
  const storage = createS3Storage({
    config: {
      bucketName: BUCKET,
      endpoint: server.endpoint,
      region: server.region,
      credentials: { ...server.credentials },
    },
  });
  // The stand-in service: reads the whole request, writes the PNG it was asked for.
  const service = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { outputKey } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      outputKey: string;
    };
    await storage.putObject(outputKey, randomBytes(1024), { contentType: 'image/png' });
    response.writeHead(201, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ s3Uri: storage.toS3Uri(outputKey) }));
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}/generate`;
  try {
    const runs: GeneratePeakResult[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const warmUser = `bench-warm-${run}`;
      const user = `bench-user-${run}`;
      await storage.putObject(storage.getSubjectKey(warmUser), randomBytes(1024), {
        contentType: 'image/png',
      });
      await storage.putObject(storage.getSubjectKey(user), randomBytes(OBJECT_SIZE_BYTES), {
        contentType: 'image/png',
      });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--expose-gc',
          '--no-warnings',
          '--import',
          'tsx',
          fileURLToPath(new URL('./generate-peak-child.ts', import.meta.url)),
          warmUser,
          user,
        ],
        {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          env: {
            ...process.env,
            S3_BUCKET_NAME: BUCKET,
            S3_ENDPOINT: server.endpoint,
            S3_CLIENT_REGION: server.region,
            BACKEND_AWS_KEY: server.credentials.accessKeyId,
            BACKEND_AWS_SECRET: server.credentials.secretAccessKey,
            S3_MAX_READ_SIZE_BYTES: String(64 * MiB),
            ILLUSTRATION_GEN_URL: serviceUrl,
            POWERTOOLS_LOG_LEVEL: 'ERROR',
          },
          maxBuffer: 16 * MiB,
        },
      );
      const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
        before: number;
        peakBefore: number;
        peak: number;
        heldGrowth: number;
        handlerMs: number;
      };
      // The peak since start may predate the request (module loading); the request's is above both.
      const peakGrowthBytes =
        figures.peak - Math.max(figures.before, Math.min(figures.peakBefore, figures.before));
      runs.push({
        objectSizeBytes: OBJECT_SIZE_BYTES,
        peakGrowthBytes,
        ratio: peakGrowthBytes / OBJECT_SIZE_BYTES,
        heldGrowthBytes: figures.heldGrowth,
        heldRatio: figures.heldGrowth / OBJECT_SIZE_BYTES,
        handlerMs: figures.handlerMs,
      });
    }
    return runs.reduce((worst, figures) => (figures.ratio > worst.ratio ? figures : worst));
  } finally {
    await new Promise<void>((resolve) => service.close(() => resolve()));
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchGeneratePeak();
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  console.log(
    `generate-illustration, subject image ${mib(result.objectSizeBytes)}: peak memory growth ` +
      `${mib(result.peakGrowthBytes)}, ${result.ratio.toFixed(2)}x the image (heap plus external ` +
      `${mib(result.heldGrowthBytes)}, ${result.heldRatio.toFixed(2)}x; highest of ${RUNS} runs; ` +
      `handler ${result.handlerMs.toFixed(0)} ms)`,
  );
}
