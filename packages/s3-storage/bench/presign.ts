import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Storage } from '../src/index.ts';

const BUCKET = 'auto-bio-illustrations';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'bench-secret' };
const SIGNING_DATE = new Date('2026-01-01T00:00:00Z');

/** Calls per second of `fn`, over `calls` sequential calls. */
async function rate(calls: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) await fn(i);
  return calls / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface PresignResult {
  readonly operation: 'PUT' | 'GET';
  readonly sdkPerSecond: number;
  readonly packagePerSecond: number;
  readonly ratio: number;
  readonly identical: boolean;
}

/**
 * Presign throughput of the package against `getSignedUrl` on the same inputs, in rounds that
 * measure both back to back; the ratio is the median of the rounds' ratios.
 */
export async function benchPresign(rounds = 7, calls = 1500): Promise<PresignResult[]> {
  const storage = createS3Storage({
    config: { bucketName: BUCKET, region: 'us-east-1', credentials: CREDENTIALS },
  });
  const sdkClient = new S3Client({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const userId = (i: number) => `user-${i % 100}`;
  const cases = {
    PUT: {
      sdk: (i: number, signingDate?: Date) =>
        getSignedUrl(
          sdkClient,
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `subjects/${userId(i)}.png`,
            ContentType: 'image/png',
          }),
          {
            expiresIn: 900,
            signableHeaders: new Set(['content-type']),
            ...(signingDate ? { signingDate } : {}),
          },
        ),
      pkg: async (i: number, signingDate?: Date) =>
        (
          await storage.generatePresignedUploadUrl(
            userId(i),
            'image/png',
            signingDate ? { signingDate } : {},
          )
        ).url,
    },
    GET: {
      sdk: (i: number, signingDate?: Date) =>
        getSignedUrl(
          sdkClient,
          new GetObjectCommand({ Bucket: BUCKET, Key: `avatars/${userId(i)}.png` }),
          {
            expiresIn: 900,
            ...(signingDate ? { signingDate } : {}),
          },
        ),
      pkg: (i: number, signingDate?: Date) =>
        storage.generatePresignedDownloadUrl(
          `avatars/${userId(i)}.png`,
          signingDate ? { signingDate } : {},
        ),
    },
  } as const;

  const results: PresignResult[] = [];
  for (const operation of ['PUT', 'GET'] as const) {
    const { sdk, pkg } = cases[operation];
    let identical = true;
    for (let i = 0; i < 50; i += 1)
      identical &&= (await sdk(i, SIGNING_DATE)) === (await pkg(i, SIGNING_DATE));
    await rate(300, (i) => sdk(i));
    await rate(300, (i) => pkg(i));
    const sdkRates: number[] = [];
    const pkgRates: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      sdkRates.push(await rate(calls, (i) => sdk(i)));
      pkgRates.push(await rate(calls * 10, (i) => pkg(i)));
    }
    const sdkPerSecond = median(sdkRates);
    const packagePerSecond = median(pkgRates);
    results.push({
      operation,
      sdkPerSecond,
      packagePerSecond,
      ratio: packagePerSecond / sdkPerSecond,
      identical,
    });
  }
  return results;
}
