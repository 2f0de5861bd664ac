import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type CopierOptions, copyObject, MAX_SINGLE_COPY_BYTES } from '../../src/index.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });

function copier(overrides: Partial<CopierOptions> = {}): CopierOptions {
  return {
    sourceClient: client,
    destinationClient: client,
    retry: { maxAttempts: 3, sleep: async () => {} },
    multipartThresholdBytes: MAX_SINGLE_COPY_BYTES,
    partConcurrency: 4,
    ...overrides,
  };
}

const request = (sizeBytes: number) => ({
  sourceBucket: 'autobio-staging',
  sourceKey: 'photos/a b.png',
  sourceEtag: '"src-etag"',
  sizeBytes,
  destinationBucket: 'auto-bio-illustrations',
  destinationKey: 'generated/a b.png',
});

beforeEach(() => {
  s3.reset();
});
afterAll(() => {
  s3.restore();
});

describe('copyObject', () => {
  it('copies an object of up to 5 GiB with one CopyObject that keeps its metadata', async () => {
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"src-etag"' } });
    const result = await copyObject(request(MAX_SINGLE_COPY_BYTES), copier());
    expect(result).toEqual({ multipart: false, parts: 1, etag: '"src-etag"' });
    const [call] = s3.commandCalls(CopyObjectCommand);
    expect(call?.args[0].input).toEqual({
      Bucket: 'auto-bio-illustrations',
      Key: 'generated/a b.png',
      CopySource: 'autobio-staging/photos/a%20b.png',
      MetadataDirective: 'COPY',
      CopySourceIfMatch: '"src-etag"',
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('retries a throttled CopyObject', async () => {
    s3.on(CopyObjectCommand)
      .rejectsOnce(
        Object.assign(new Error('slow down'), {
          name: 'SlowDown',
          $metadata: { httpStatusCode: 503 },
        }),
      )
      .resolves({ CopyObjectResult: { ETag: '"e"' } });
    await copyObject(request(10), copier());
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(2);
  });

  it('copies an object over 5 GiB in parts, with its content type and metadata', async () => {
    const size = 6 * GiB;
    s3.on(HeadObjectCommand).resolves({
      ContentLength: size,
      ContentType: 'image/png',
      Metadata: { owner: 'u1' },
      CacheControl: 'max-age=60',
    });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"part-${input.PartNumber}"` },
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole-12"' });

    const result = await copyObject(request(size), copier());

    expect(result).toEqual({ multipart: true, parts: 12, etag: '"whole-12"' });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'auto-bio-illustrations',
      Key: 'generated/a b.png',
      ContentType: 'image/png',
      Metadata: { owner: 'u1' },
      CacheControl: 'max-age=60',
    });
    const parts = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => a.PartNumber! - b.PartNumber!);
    expect(parts).toHaveLength(12);
    expect(parts[0]).toMatchObject({
      UploadId: 'up-1',
      PartNumber: 1,
      CopySource: 'autobio-staging/photos/a%20b.png',
      CopySourceRange: `bytes=0-${512 * MiB - 1}`,
      CopySourceIfMatch: '"src-etag"',
    });
    expect(parts[11]?.CopySourceRange).toBe(`bytes=${11 * 512 * MiB}-${size - 1}`);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(complete?.MultipartUpload?.Parts).toEqual(
      Array.from({ length: 12 }, (_, i) => ({ PartNumber: i + 1, ETag: `"part-${i + 1}"` })),
    );
  });

  it("mirrors the source's own parts, read from HEADs of its first and last part", async () => {
    const size = 20 * MiB;
    s3.on(HeadObjectCommand, { PartNumber: 1 }).resolves({
      ContentLength: 8 * MiB,
      PartsCount: 3,
      ContentType: 'image/png',
    });
    s3.on(HeadObjectCommand, { PartNumber: 3 }).resolves({ ContentLength: 4 * MiB, PartsCount: 3 });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"m-3"' });

    await copyObject(request(size), copier({ multipartThresholdBytes: 5 * MiB }));

    const ranges = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => a.PartNumber! - b.PartNumber!)
      .map((input) => input.CopySourceRange);
    expect(ranges).toEqual([
      `bytes=0-${8 * MiB - 1}`,
      `bytes=${8 * MiB}-${16 * MiB - 1}`,
      `bytes=${16 * MiB}-${20 * MiB - 1}`,
    ]);
    expect(
      s3
        .commandCalls(HeadObjectCommand)
        .map((c) => c.args[0].input.PartNumber)
        .sort(),
    ).toEqual([1, 3]);
  });

  it('reads every part size when the source parts are not all equal', async () => {
    const sizes = [6 * MiB, 9 * MiB, 5 * MiB];
    s3.on(HeadObjectCommand).callsFake((input: { PartNumber: number }) => ({
      ContentLength: sizes[input.PartNumber - 1],
      PartsCount: 3,
    }));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-3' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({});

    await copyObject(request(20 * MiB), copier({ multipartThresholdBytes: 5 * MiB }));

    const ranges = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => [call.args[0].input.PartNumber, call.args[0].input.CopySourceRange])
      .sort(([a], [b]) => Number(a) - Number(b));
    expect(ranges).toEqual([
      [1, `bytes=0-${6 * MiB - 1}`],
      [2, `bytes=${6 * MiB}-${15 * MiB - 1}`],
      [3, `bytes=${15 * MiB}-${20 * MiB - 1}`],
    ]);
  });

  it('aborts the upload and completes nothing when a part fails', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 6 * GiB });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-4' });
    s3.on(UploadPartCopyCommand)
      .resolves({ CopyPartResult: { ETag: '"p"' } })
      .on(UploadPartCopyCommand, { PartNumber: 3 })
      .rejects(
        Object.assign(new Error('denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        }),
      );
    s3.on(AbortMultipartUploadCommand).resolves({});

    await expect(copyObject(request(6 * GiB), copier())).rejects.toThrow('denied');

    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'auto-bio-illustrations',
      Key: 'generated/a b.png',
      UploadId: 'up-4',
    });
  });
});
