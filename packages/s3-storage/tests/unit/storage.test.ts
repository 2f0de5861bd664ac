import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getS3Storage, resetS3Storage, s3Client } from '../../src/client.ts';
import {
  ConfigurationError,
  ForeignBucketError,
  InvalidArgumentError,
  InvalidKeyError,
} from '../../src/errors.ts';
import { parseS3Uri } from '../../src/s3-uri.ts';
import { createS3Storage, S3Storage } from '../../src/storage.ts';
import { offlineConfig, SIGNING_DATE } from '../helpers/storage.ts';

const storage = createS3Storage({ config: offlineConfig({ maxUploadSizeBytes: 1000 }) });

describe('generatePresignedUploadUrl', () => {
  it('returns the URL, key, signed headers and expiry', async () => {
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/png', {
      signingDate: SIGNING_DATE,
      expiresInSeconds: 120,
    });
    expect(upload.method).toBe('PUT');
    expect(upload.key).toBe('subjects/user-1.png');
    expect(upload.headers).toEqual({ 'content-type': 'image/png' });
    expect(upload.expiresAt).toEqual(new Date(SIGNING_DATE.getTime() + 120_000));
    expect(new URL(upload.url).searchParams.get('X-Amz-Expires')).toBe('120');
  });

  it('defaults to 15 minutes and writes the avatar when asked', async () => {
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/webp', {
      target: 'avatar',
    });
    expect(upload.key).toBe('avatars/user-1.png');
    expect(new URL(upload.url).searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it('throws when the content type is not an allowed image type, naming the allowed ones', async () => {
    await expect(storage.generatePresignedUploadUrl('user-1', 'text/html')).rejects.toThrow(
      'Content type "text/html" is not accepted: use one of image/png, image/jpeg, image/webp.',
    );
  });

  it.each([0, -1, 1.5, 604_801, Number.NaN])(
    'throws when the expiry is %s',
    async (expiresInSeconds) => {
      await expect(
        storage.generatePresignedUploadUrl('user-1', 'image/png', { expiresInSeconds }),
      ).rejects.toThrow(InvalidArgumentError);
    },
  );

  it('accepts the 7-day maximum expiry', async () => {
    const upload = await storage.generatePresignedUploadUrl('u', 'image/png', {
      expiresInSeconds: 604_800,
    });
    expect(new URL(upload.url).searchParams.get('X-Amz-Expires')).toBe('604800');
  });

  it('throws when the declared size is over the maximum upload size', async () => {
    await expect(
      storage.generatePresignedUploadUrl('user-1', 'image/png', { contentLengthBytes: 1001 }),
    ).rejects.toThrow(
      'contentLengthBytes must be a whole number of bytes from 1 to 1000, got 1001.',
    );
  });

  it('throws an InvalidKeyError for a bad user id before signing anything', async () => {
    await expect(storage.generatePresignedUploadUrl('../other', 'image/png')).rejects.toThrow(
      InvalidKeyError,
    );
  });
});

describe('generatePresignedUploadPost', () => {
  it('pins the key and content type and bounds the size in the policy', async () => {
    const post = await storage.generatePresignedUploadPost('user-1', 'image/png', {
      maxSizeBytes: 500,
    });
    expect(post.key).toBe('subjects/user-1.png');
    expect(post.fields.key).toBe('subjects/user-1.png');
    expect(post.fields['Content-Type']).toBe('image/png');
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 500]);
    expect(policy.conditions).toContainEqual(['eq', '$Content-Type', 'image/png']);
    expect(policy.conditions).toContainEqual({ key: 'subjects/user-1.png' });
    expect(policy.conditions).toContainEqual({ bucket: 'auto-bio-illustrations' });
    const lifetime = new Date(policy.expiration).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
  });

  it('throws when the maximum size is over the configured limit', async () => {
    await expect(
      storage.generatePresignedUploadPost('user-1', 'image/png', { maxSizeBytes: 5000 }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});

describe('generatePresignedDownloadUrl', () => {
  it('throws when the key is outside the layout', async () => {
    await expect(storage.generatePresignedDownloadUrl('secrets/config.json')).rejects.toThrow(
      'Key "secrets/config.json" is outside the bucket\'s layout',
    );
  });
});

describe('S3 URIs', () => {
  it('builds and parses s3:// URIs', () => {
    expect(storage.toS3Uri('generated/memory/u/x.png')).toBe(
      's3://auto-bio-illustrations/generated/memory/u/x.png',
    );
    expect(parseS3Uri('s3://b/k/with/slashes.png')).toEqual({
      bucket: 'b',
      key: 'k/with/slashes.png',
    });
  });

  it('accepts a URI of this bucket under the expected prefix and returns its key', () => {
    expect(
      storage.assertOwnS3Uri('s3://auto-bio-illustrations/generated/memory/u/1.png', {
        expectedPrefix: 'generated/memory/u/',
      }),
    ).toBe('generated/memory/u/1.png');
  });

  it.each([
    ['s3://other-bucket/generated/memory/u/1.png', 'is in bucket "other-bucket"'],
    ['s3://auto-bio-illustrations/generated/memory/v/1.png', 'is not under the expected prefix'],
    ['s3://auto-bio-illustrations/elsewhere/1.png', "outside the bucket's key layout"],
    ['https://auto-bio-illustrations.s3.amazonaws.com/x.png', 'is not an S3 URI'],
    ['s3://auto-bio-illustrations/', 'is not an S3 URI'],
  ])('throws a ForeignBucketError for %s', (uri, detail) => {
    let caught: unknown;
    try {
      storage.assertOwnS3Uri(uri, { expectedPrefix: 'generated/memory/u/' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ForeignBucketError);
    expect((caught as Error).message).toContain(detail);
    expect((caught as Error).message).toContain('S3_BUCKET_NAME=auto-bio-illustrations');
  });

  it('refuses to read an object of another bucket', async () => {
    await expect(storage.getObjectAsBase64('other-bucket', 'subjects/u.png')).rejects.toThrow(
      ForeignBucketError,
    );
  });
});

describe('the s3Client singleton', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    resetS3Storage();
  });

  it('reads nothing at import and reports a missing bucket at first use', () => {
    vi.stubEnv('S3_BUCKET_NAME', '');
    resetS3Storage();
    expect(() => s3Client.getBucketName()).toThrow(ConfigurationError);
    expect(() => s3Client.getBucketName()).toThrow('S3_BUCKET_NAME: is not set.');
  });

  it('is one instance with the configuration of the environment', () => {
    vi.stubEnv('S3_BUCKET_NAME', 'auto-bio-dev');
    vi.stubEnv('S3_CLIENT_REGION', 'eu-west-1');
    expect(s3Client.getBucketName()).toBe('auto-bio-dev');
    expect(s3Client.getRegion()).toBe('eu-west-1');
    expect(s3Client.getClient()).toBe(getS3Storage().getClient());
    expect(s3Client.getSubjectKey('u')).toBe('subjects/u.png');
    expect(s3Client.getAvatarKey('u')).toBe('avatars/u.png');
    expect(s3Client.getStubKey('a')).toBe('stubs/a.png');
    expect(s3Client.getGeneratedKey('memory', 'u')).toMatch(
      /^generated\/memory\/u\/\d{13}-[0-9a-f-]{36}\.png$/,
    );
  });

  it('is an S3Storage, without reading the environment to be one', () => {
    vi.stubEnv('S3_BUCKET_NAME', '');
    resetS3Storage();
    expect(s3Client).toBeInstanceOf(S3Storage);
    expect(getS3Storage()).toBe(s3Client);
    expect(() => s3Client.getBucketName()).toThrow(ConfigurationError);
  });

  it('reads the environment again after a reset', () => {
    vi.stubEnv('S3_BUCKET_NAME', 'auto-bio-dev');
    expect(s3Client.getBucketName()).toBe('auto-bio-dev');
    vi.stubEnv('S3_BUCKET_NAME', 'auto-bio-prod');
    resetS3Storage();
    expect(s3Client.getBucketName()).toBe('auto-bio-prod');
  });

  it('builds keys with the prefixes of the environment', () => {
    vi.stubEnv('S3_BUCKET_NAME', 'auto-bio-dev');
    vi.stubEnv('S3_SUBJECT_PREFIX', 'lora-refs/');
    expect(s3Client.getSubjectKey('u')).toBe('lora-refs/u.png');
    expect(s3Client.keys.subjectKey('u')).toBe('lora-refs/u.png');
  });
});

describe('createS3Storage with a partial config', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('detects Lambda, so given keys are ignored there in favour of the role', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'fn');
    const warn = vi.fn();
    const inLambda = createS3Storage({ config: offlineConfig(), warn });
    expect(inLambda.getConfig().runtime).toBe('lambda');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('are ignored'));
  });

  it('refuses a read limit over 256 MiB, whose base64 a string could not hold', async () => {
    expect(() => createS3Storage({ config: offlineConfig({ maxReadSizeBytes: 2 ** 33 }) })).toThrow(
      new RegExp(`maxReadSizeBytes must be a whole number of bytes from 1 to ${2 ** 28}`),
    );
    // Refused before any request: this storage has no reachable endpoint.
    await expect(
      storage.getObjectAsBase64('auto-bio-illustrations', 'subjects/u.png', {
        maxSizeBytes: 2 ** 28 + 1,
      }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});

describe('the package entry', () => {
  it('only re-exports', () => {
    const source = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
    const statements = source
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(statements.every((s) => s.startsWith('export'))).toBe(true);
  });
});
