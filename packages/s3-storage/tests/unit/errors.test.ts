import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  BucketNotFoundError,
  ObjectNotFoundError,
  RegionMismatchError,
  S3RequestError,
  S3StorageError,
  S3ThrottledError,
  S3UnavailableError,
} from '../../src/errors.ts';
import { createS3Storage } from '../../src/storage.ts';
import { bucketRegionFromError } from '../../src/translate-error.ts';
import { offlineConfig } from '../helpers/storage.ts';

function serviceError(
  name: string,
  status: number,
  extra: Record<string, unknown> = {},
): S3ServiceException {
  return Object.assign(
    new S3ServiceException({
      name,
      $fault: 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    }),
    extra,
  );
}

describe('errors S3 answers with', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const storage = createS3Storage({ config: offlineConfig(), client });

  afterEach(() => {
    s3.reset();
  });

  it('turns AccessDenied into an AccessDeniedError naming the bucket, key and IAM fix', async () => {
    const cause = serviceError('AccessDenied', 403);
    s3.on(PutObjectCommand).rejects(cause);
    const error = await storage.putObject('subjects/u.png', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toBe(
      'Access Denied for s3://auto-bio-illustrations/subjects/u.png. Check that the IAM role (or BACKEND_AWS_KEY) ' +
        'allows this action on the bucket and key, and that S3_BUCKET_NAME ("auto-bio-illustrations") is the right bucket.',
    );
    expect((error as Error).cause).toBe(cause);
  });

  it("turns a PermanentRedirect into a RegionMismatchError naming the bucket's region to set", async () => {
    s3.on(GetObjectCommand).rejects(
      serviceError('PermanentRedirect', 301, {
        $response: { headers: { 'x-amz-bucket-region': 'us-west-2' } },
        Endpoint: 'auto-bio-illustrations.s3.us-west-2.amazonaws.com',
      }),
    );
    const error = await storage
      .getObjectAsBase64('auto-bio-illustrations', 'subjects/u.png')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegionMismatchError);
    expect((error as RegionMismatchError).bucketRegion).toBe('us-west-2');
    expect((error as Error).message).toContain('Set S3_CLIENT_REGION=us-west-2.');
  });

  it('reads the region of a HEAD redirect, which has no body', async () => {
    s3.on(HeadObjectCommand).rejects(
      serviceError('301', 301, {
        $response: { headers: { 'x-amz-bucket-region': 'eu-central-1' } },
      }),
    );
    const error = await storage.headObject('avatars/u.png').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegionMismatchError);
    expect((error as Error).message).toContain('S3_CLIENT_REGION=eu-central-1');
  });

  it('turns NoSuchKey and a 404 HEAD into ObjectNotFoundError', async () => {
    s3.on(GetObjectCommand).rejects(serviceError('NoSuchKey', 404));
    s3.on(HeadObjectCommand).rejects(serviceError('NotFound', 404));
    await expect(
      storage.getObjectAsBase64('auto-bio-illustrations', 'subjects/u.png'),
    ).rejects.toThrow(ObjectNotFoundError);
    await expect(storage.headObject('subjects/u.png')).rejects.toThrow(
      'No object at s3://auto-bio-illustrations/subjects/u.png.',
    );
  });

  it('finds objects by listing the exact key, never by HEAD, so a prefix-conditioned ListBucket grant suffices', async () => {
    s3.on(HeadObjectCommand).rejects(serviceError('Forbidden', 403));
    s3.on(ListObjectsV2Command, { Prefix: 'subjects/u.png' }).resolves({
      Contents: [{ Key: 'subjects/u.png.bak', Size: 1 }],
    });
    s3.on(ListObjectsV2Command, { Prefix: 'avatars/u.png' }).resolves({
      Contents: [{ Key: 'avatars/u.png', Size: 7 }],
    });
    await expect(storage.objectExists('subjects/u.png')).resolves.toBe(false);
    await expect(storage.findObject('avatars/u.png')).resolves.toMatchObject({
      key: 'avatars/u.png',
      sizeBytes: 7,
    });
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: 'auto-bio-illustrations',
      Prefix: 'subjects/u.png',
      MaxKeys: 1,
    });
  });

  it('turns NoSuchBucket into a BucketNotFoundError pointing at S3_BUCKET_NAME', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('NoSuchBucket', 404));
    const error = await storage.putObject('stubs/a.png', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BucketNotFoundError);
    expect((error as Error).message).toContain('Check S3_BUCKET_NAME');
  });

  it('encodes the copy source so that +, ? and # stay part of the key', async () => {
    s3.on(CopyObjectCommand).resolves({});
    await storage.copyObject('stubs/a+b?c#d e.png', 'generated/memory/u/x.png');
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject({
      CopySource: 'auto-bio-illustrations/stubs/a%2Bb%3Fc%23d%20e.png',
      Key: 'generated/memory/u/x.png',
      MetadataDirective: 'COPY',
    });
  });

  it('wraps an S3 error it has no type for in an S3RequestError that keeps it as the cause', async () => {
    const cause = serviceError('InvalidRequest', 400);
    s3.on(PutObjectCommand).rejects(cause);

    const error = await storage.putObject('stubs/a.png', 'x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(S3RequestError);
    expect((error as S3RequestError).s3Code).toBe('InvalidRequest');
    expect((error as Error).message).toBe(
      'S3 refused the request for s3://auto-bio-illustrations/stubs/a.png: InvalidRequest (HTTP 400): ' +
        'InvalidRequest. Look the code up in the S3 error reference; the SDK error is the cause.',
    );
    expect((error as Error).cause).toBe(cause);
  });

  it.each([
    ['SlowDown', 503, S3ThrottledError, 'Throttled'],
    ['ServiceUnavailable', 503, S3UnavailableError, 'Unavailable'],
    ['InternalError', 500, S3UnavailableError, 'Unavailable'],
  ])('types %s (HTTP %i) as %O with a retry delay', async (name, status, type, code) => {
    s3.on(PutObjectCommand).rejects(
      serviceError(name, status, {
        $metadata: { httpStatusCode: status, attempts: 3 },
        $response: { statusCode: status, headers: { 'retry-after': '7' } },
      }),
    );

    const error = await storage.putObject('stubs/a.png', 'x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, attempts: 3 });
    expect((error as Error).message).toMatch(/on each of 3 attempts\. Retry after \d+ s/);
  });

  it('makes every typed error an S3StorageError with a code', () => {
    const error = new RegionMismatchError('b', 'us-east-1', undefined);
    expect(error).toBeInstanceOf(S3StorageError);
    expect(error.code).toBe('RegionMismatch');
    expect(error.name).toBe('RegionMismatchError');
    expect(error.message).toContain(
      'Set S3_CLIENT_REGION to the region the bucket was created in.',
    );
  });
});

describe('bucketRegionFromError', () => {
  it.each([
    [{ Region: 'ap-south-1' }, 'ap-south-1'],
    [{ message: 'The bucket is in this region: us-west-2. Please use this region' }, 'us-west-2'],
    [{ message: "the region 'us-east-1' is wrong; expecting 'eu-west-3'" }, 'eu-west-3'],
    [{ Endpoint: 'b.s3-sa-east-1.amazonaws.com' }, 'sa-east-1'],
    [{ message: 'nothing here' }, undefined],
  ])('finds the region in %j', (error, region) => {
    expect(bucketRegionFromError(error)).toBe(region);
  });
});
