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
import { MAX_SINGLE_COPY_BYTES } from '../../src/constants.ts';
import { PreconditionFailedError } from '../../src/errors.ts';
import { type CopierOptions, type CopyRequest, copyObject } from '../../src/object-copy.ts';
import { sdkError } from '../helpers/sdk-errors.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });

function copier(overrides: Partial<CopierOptions> = {}): CopierOptions {
  return {
    sourceClient: client,
    destinationClient: client,
    multipartThresholdBytes: MAX_SINGLE_COPY_BYTES,
    partConcurrency: 4,
    ...overrides,
  };
}

const request = (
  sizeBytes: number,
  destinationPrecondition: CopyRequest['destinationPrecondition'] = { absent: true },
): CopyRequest => ({
  sourceBucket: 'autobio-staging',
  sourceKey: 'photos/a b.png',
  sourceEtag: '"src-etag"',
  sizeBytes,
  destinationBucket: 'auto-bio-illustrations',
  destinationKey: 'generated/a b.png',
  destinationPrecondition,
});

/** A 412 as S3 sends it, with the failed condition named in the body when given. */
function preconditionFailed(condition?: string): Error {
  const error = sdkError('PreconditionFailed', 412, {
    message: 'At least one of the pre-conditions you specified did not hold',
  });
  return condition ? Object.assign(error, { Condition: condition }) : error;
}

/** A multipart copy of 6 GiB whose parts all succeed. */
function multipartBucket() {
  s3.on(HeadObjectCommand).resolves({ ContentLength: 6 * GiB });
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-5' });
  s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
  s3.on(AbortMultipartUploadCommand).resolves({});
}

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
      IfNoneMatch: '*',
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('overwrites only the destination object it was given, with IfMatch on its ETag', async () => {
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"src-etag"' } });
    await copyObject(request(10, { etag: '"old-dest"' }), copier());
    const input = s3.commandCalls(CopyObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ IfMatch: '"old-dest"', CopySourceIfMatch: '"src-etag"' });
    expect(input).not.toHaveProperty('IfNoneMatch');
  });

  it('says a 412 is about the destination when S3 names its condition', async () => {
    s3.on(CopyObjectCommand).rejects(preconditionFailed('If-None-Match'));
    const error = await copyObject(request(10), copier()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ side: 'destination', cause: { name: 'PreconditionFailed' } });
    // Not retried, and no need to read the source to tell.
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it("says a 412 is about the source when S3 names the copy source's condition", async () => {
    s3.on(CopyObjectCommand).rejects(preconditionFailed('x-amz-copy-source-If-Match'));
    const error = await copyObject(request(10), copier()).catch((e: unknown) => e);
    expect(error).toMatchObject({ side: 'source' });
  });

  it('reads the source again to tell the sides apart when S3 does not name the condition', async () => {
    s3.on(CopyObjectCommand).rejects(preconditionFailed());
    s3.on(HeadObjectCommand).resolvesOnce({ ETag: '"src-etag"' }).resolves({ ETag: '"newer"' });
    const unchangedSource = await copyObject(request(10), copier()).catch((e: unknown) => e);
    expect(unchangedSource).toMatchObject({ side: 'destination' });
    const changedSource = await copyObject(request(10), copier()).catch((e: unknown) => e);
    expect(changedSource).toMatchObject({ side: 'source' });
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'autobio-staging',
      Key: 'photos/a b.png',
    });
  });

  it('completes a copy in parts only if the destination is still absent, or still as listed', async () => {
    multipartBucket();
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"m"' });
    await copyObject(request(6 * GiB), copier());
    await copyObject(request(6 * GiB, { etag: '"old-dest"' }), copier());
    const [absent, replaced] = s3
      .commandCalls(CompleteMultipartUploadCommand)
      .map((call) => call.args[0].input);
    expect(absent).toMatchObject({ UploadId: 'up-5', IfNoneMatch: '*' });
    expect(absent).not.toHaveProperty('IfMatch');
    expect(replaced).toMatchObject({ UploadId: 'up-5', IfMatch: '"old-dest"' });
    expect(replaced).not.toHaveProperty('IfNoneMatch');
    // The condition is on the destination: the source-side requests do not carry it.
    for (const call of s3.commandCalls(UploadPartCopyCommand)) {
      expect(call.args[0].input).not.toHaveProperty('IfNoneMatch');
      expect(call.args[0].input).not.toHaveProperty('IfMatch');
    }
  });

  it('aborts a copy in parts whose completion is refused because the destination changed', async () => {
    multipartBucket();
    s3.on(CompleteMultipartUploadCommand).rejects(preconditionFailed());
    const error = await copyObject(request(6 * GiB), copier()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ side: 'destination' });
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input.UploadId).toBe('up-5');
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
