import {
  AccessDeniedError,
  BucketNotFoundError,
  ConfigurationError,
  DeletionIncompleteError,
  ForeignBucketError,
  InvalidArgumentError,
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  RegionMismatchError,
  S3IntegrityError,
  S3NetworkError,
  S3RequestError,
  S3ThrottledError,
  S3TimeoutError,
  S3UnavailableError,
} from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { HttpError, IllustrationGenError } from '../../src/errors.ts';
import { mapError } from '../../src/internal/error-response.ts';

const failure = { bucket: 'prod-bucket', key: 'subjects/u.png', attempts: 3 };
const timeout = new S3TimeoutError({ ...failure, detail: 'no answer' });

describe('mapError', () => {
  it.each([
    [
      new InvalidKeyError('a/b', 'Invalid userId "a/b": it must not contain "/".'),
      400,
      'InvalidKey',
    ],
    [
      new InvalidArgumentError('limit', 'limit must be a whole number from 1 to 1000, got 0.'),
      400,
      'InvalidArgument',
    ],
    [new ObjectNotFoundError('prod-bucket', 'subjects/u.png'), 404, 'NotFound'],
    [new ObjectTooLargeError('subjects/u.png', 200, 100), 413, 'ObjectTooLarge'],
    [
      new ForeignBucketError('s3://other/k.png', 'prod-bucket', 'is in bucket "other"'),
      502,
      'ForeignBucket',
    ],
    [new AccessDeniedError('prod-bucket', 'subjects/u.png'), 500, 'InternalError'],
    [new RegionMismatchError('prod-bucket', 'us-east-1', 'eu-west-1'), 500, 'InternalError'],
    [new BucketNotFoundError('prod-bucket'), 500, 'InternalError'],
    [new ConfigurationError('S3_BUCKET_NAME', 'is not set.'), 500, 'InternalError'],
    [timeout, 504, 'StorageTimeout'],
    [new S3IntegrityError({ ...failure, detail: 'Checksum mismatch' }), 502, 'StorageBadResponse'],
    [
      new S3RequestError({
        ...failure,
        s3Code: 'InvalidRequest',
        httpStatusCode: 400,
        detail: 'x',
      }),
      500,
      'InternalError',
    ],
    [
      new DeletionIncompleteError('prod-bucket', ['avatars/u.png'], 'S3 refused', {
        cause: new AccessDeniedError('prod-bucket', 'avatars/u.png'),
      }),
      500,
      'DeletionIncomplete',
    ],
  ])('maps %s to %i %s', (error, statusCode, code) => {
    expect(mapError(error)).toMatchObject({ statusCode, code });
  });

  it('never answers with a bucket name, a key it was not given, a variable or a stack for storage failures', () => {
    for (const error of [
      new AccessDeniedError('prod-bucket', 'subjects/u.png'),
      new RegionMismatchError('prod-bucket', 'us-east-1', 'eu-west-1'),
      new BucketNotFoundError('prod-bucket'),
      new ObjectNotFoundError('prod-bucket', 'subjects/u.png'),
      timeout,
      new S3ThrottledError({ ...failure, retryAfterSeconds: 2 }),
      new S3NetworkError({ ...failure, detail: 'connect ECONNREFUSED 10.0.0.5:443' }),
      new DeletionIncompleteError('prod-bucket', ['avatars/u.png'], 'S3 refused'),
      new ForeignBucketError(
        's3://other-bucket/k.png',
        'prod-bucket',
        'is in bucket "other-bucket"',
      ),
    ]) {
      const { message } = mapError(error);
      expect(message).not.toMatch(
        /prod-bucket|other-bucket|avatars\/u\.png|S3_CLIENT_REGION=|eu-west-1|10\.0\.0\.5|\n/,
      );
    }
  });

  it.each([
    [new S3ThrottledError({ ...failure, retryAfterSeconds: 7 }), 'StorageBusy', '7'],
    [
      new S3UnavailableError({ ...failure, httpStatusCode: 500, retryAfterSeconds: 3 }),
      'StorageUnavailable',
      '3',
    ],
    [new S3NetworkError({ ...failure, detail: 'read ECONNRESET' }), 'StorageUnavailable', '1'],
    [
      new DeletionIncompleteError('prod-bucket', ['avatars/u.png'], 'S3 refused', {
        cause: new S3ThrottledError({ ...failure, retryAfterSeconds: 4 }),
      }),
      'DeletionIncomplete',
      '4',
    ],
  ])('answers %s with 503 %s and Retry-After: %s, never 500', (error, code, retryAfter) => {
    const mapped = mapError(error);

    expect(mapped).toMatchObject({ statusCode: 503, code, level: 'error' });
    expect(mapped.headers).toEqual({ 'retry-after': retryAfter });
  });

  it('tells the caller the sizes when an image is too large to read', () => {
    expect(mapError(new ObjectTooLargeError('subjects/u.png', 200, 100)).message).toContain(
      '200 bytes, over the 100-byte limit',
    );
  });

  it.each([
    ['Timeout', 504, 'IllustrationServiceTimeout'],
    ['Unreachable', 502, 'IllustrationServiceUnavailable'],
    ['HttpStatus', 502, 'IllustrationServiceFailed'],
    ['BadResponse', 502, 'IllustrationServiceBadResponse'],
  ] as const)(
    'maps an illustration-gen %s failure to %i %s, without its detail',
    (failure, statusCode, code) => {
      const mapped = mapError(
        new IllustrationGenError(failure, 'detail at http://10.0.0.5:8080/generate'),
      );
      expect(mapped).toMatchObject({ statusCode, code, level: 'error' });
      expect(mapped.message).not.toContain('10.0.0.5');
    },
  );

  it('answers an HttpError as it is, with its details, and logs 4xx as info', () => {
    const details = [{ path: 'body.contentType', message: 'required' }];
    expect(
      mapError(new HttpError(400, 'InvalidRequest', 'body.contentType: required', { details })),
    ).toEqual({
      statusCode: 400,
      code: 'InvalidRequest',
      message: 'body.contentType: required',
      details,
      level: 'info',
    });
  });

  it('hides anything else behind a 500 InternalError', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(mapError(error)).toEqual({
      statusCode: 500,
      code: 'InternalError',
      message: expect.not.stringContaining('Cannot read'),
      level: 'error',
    });
    expect(mapError('a string').code).toBe('InternalError');
  });
});
