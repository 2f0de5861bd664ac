import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  detectRuntime,
  getAwsClientConfig,
  loadConfigFromEnv,
  validateBucketName,
} from '../../src/env.ts';
import { ConfigurationError } from '../../src/errors.ts';

const base = { S3_BUCKET_NAME: 'auto-bio-illustrations' };

describe('loadConfigFromEnv', () => {
  it('applies the spec defaults when only the bucket is set', () => {
    const config = loadConfigFromEnv(base);
    expect(config).toMatchObject({
      bucketName: 'auto-bio-illustrations',
      region: 'us-east-1',
      prefixes: {
        subjects: 'subjects/',
        avatars: 'avatars/',
        generated: 'generated/',
        stubs: 'stubs/',
      },
      forcePathStyle: false,
      runtime: 'local',
      maxAttempts: 3,
    });
    expect(config.credentials).toBeUndefined();
    expect(config.endpoint).toBeUndefined();
  });

  it('reads every variable, trimmed', () => {
    const config = loadConfigFromEnv({
      S3_BUCKET_NAME: ' my-bucket ',
      S3_CLIENT_REGION: 'eu-west-1',
      S3_SUBJECT_PREFIX: 'refs/',
      S3_AVATAR_PREFIX: 'faces/',
      S3_GENERATED_PREFIX: 'gen/',
      S3_STUBS_PREFIX: 'dev-stubs/',
      S3_DELETIONS_PREFIX: 'pending-deletions/',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_USE_ACCELERATE_ENDPOINT: 'false',
      BACKEND_AWS_KEY: 'AKID',
      BACKEND_AWS_SECRET: 'secret',
      S3_MAX_ATTEMPTS: '5',
      S3_CONNECTION_TIMEOUT_MS: '100',
      S3_REQUEST_TIMEOUT_MS: '200',
      S3_MAX_READ_SIZE_BYTES: '300',
      S3_MAX_UPLOAD_SIZE_BYTES: '400',
    });
    expect(config).toEqual({
      bucketName: 'my-bucket',
      region: 'eu-west-1',
      prefixes: {
        subjects: 'refs/',
        avatars: 'faces/',
        generated: 'gen/',
        stubs: 'dev-stubs/',
        deletions: 'pending-deletions/',
      },
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
      useAccelerateEndpoint: false,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      runtime: 'local',
      maxAttempts: 5,
      connectionTimeoutMs: 100,
      requestTimeoutMs: 200,
      maxReadSizeBytes: 300,
      maxUploadSizeBytes: 400,
    });
  });

  it('lets S3_FORCE_PATH_STYLE override the endpoint default', () => {
    expect(
      loadConfigFromEnv({ ...base, S3_ENDPOINT: 'http://x:1', S3_FORCE_PATH_STYLE: 'false' })
        .forcePathStyle,
    ).toBe(false);
    expect(loadConfigFromEnv({ ...base, S3_FORCE_PATH_STYLE: 'true' }).forcePathStyle).toBe(true);
  });

  it.each([
    [{}, 'S3_BUCKET_NAME', 'is not set'],
    [
      { S3_BUCKET_NAME: 'Bad_Bucket' },
      'S3_BUCKET_NAME',
      '"Bad_Bucket" is not a valid S3 bucket name',
    ],
    [{ S3_BUCKET_NAME: '192.168.1.1' }, 'S3_BUCKET_NAME', 'not a valid S3 bucket name'],
    [
      { ...base, S3_CLIENT_REGION: 'mars-1' },
      'S3_CLIENT_REGION',
      '"mars-1" is not an AWS region name',
    ],
    [{ ...base, S3_SUBJECT_PREFIX: 'subjects' }, 'S3_SUBJECT_PREFIX', 'must end in "/"'],
    [{ ...base, S3_STUBS_PREFIX: '../x/' }, 'S3_STUBS_PREFIX', 'must not contain ".."'],
    [{ ...base, S3_AVATAR_PREFIX: '/avatars/' }, 'S3_AVATAR_PREFIX', 'must not start with "/"'],
    [{ ...base, S3_ENDPOINT: 'localhost:4569' }, 'S3_ENDPOINT', 'is not an http(s) URL'],
    [{ ...base, S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE', 'must be true or false'],
    [
      { ...base, S3_MAX_READ_SIZE_BYTES: '268435457' },
      'S3_MAX_READ_SIZE_BYTES',
      'must be a whole number from 1 to 268435456, got "268435457"',
    ],
    [
      { ...base, S3_USE_ACCELERATE_ENDPOINT: 'fast' },
      'S3_USE_ACCELERATE_ENDPOINT',
      'must be true or false',
    ],
    [{ ...base, S3_MAX_ATTEMPTS: '0' }, 'S3_MAX_ATTEMPTS', 'at least 1, got "0"'],
    [{ ...base, S3_REQUEST_TIMEOUT_MS: 'soon' }, 'S3_REQUEST_TIMEOUT_MS', 'got "soon"'],
    [{ ...base, BACKEND_AWS_KEY: 'AKID' }, 'BACKEND_AWS_SECRET', 'Set both'],
    [{ ...base, BACKEND_AWS_SECRET: 's' }, 'BACKEND_AWS_KEY', 'Set both'],
  ])('throws when the environment is %j, naming %s', (env, variable, message) => {
    let caught: unknown;
    try {
      loadConfigFromEnv(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
    expect((caught as Error).message).toContain(message);
  });
});

describe('detectRuntime', () => {
  it('recognises Lambda by its runtime variables', () => {
    expect(detectRuntime({ AWS_LAMBDA_FUNCTION_NAME: 'fn' })).toBe('lambda');
    expect(detectRuntime({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe('lambda');
    expect(detectRuntime({ AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' })).toBe('local');
    expect(detectRuntime({})).toBe('local');
  });
});

describe('getAwsClientConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses explicit keys locally, with WHEN_REQUIRED checksums, retries and timeouts', () => {
    const config = getAwsClientConfig('eu-west-1', {
      env: { ...base, BACKEND_AWS_KEY: 'AKID', BACKEND_AWS_SECRET: 'secret' },
    });
    expect(config).toEqual({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      forcePathStyle: false,
      maxAttempts: 3,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: 3000,
        requestTimeout: 8000,
        throwOnRequestTimeout: true,
        socketTimeout: 8000,
      },
    });
  });

  it('ignores explicit keys in Lambda, with a warning, so the IAM role is used', () => {
    const warn = vi.fn();
    const config = getAwsClientConfig('us-east-1', {
      env: {
        ...base,
        AWS_LAMBDA_FUNCTION_NAME: 'fn',
        BACKEND_AWS_KEY: 'AKID',
        BACKEND_AWS_SECRET: 's',
      },
      warn,
    });
    expect(config.credentials).toBeUndefined();
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[0]).toContain('are ignored');
  });

  it('needs no bucket: only the client settings are read', () => {
    expect(
      getAwsClientConfig('eu-west-1', { env: { S3_ENDPOINT: 'http://127.0.0.1:9' } }),
    ).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
    });
  });

  it('uses the default provider chain locally when no keys are set', () => {
    expect(getAwsClientConfig('us-east-1', { env: base }).credentials).toBeUndefined();
  });

  it('reads process.env when no environment is given', () => {
    vi.stubEnv('S3_BUCKET_NAME', 'from-process-env');
    vi.stubEnv('S3_ENDPOINT', 'http://127.0.0.1:9');
    expect(getAwsClientConfig('us-east-1')).toMatchObject({
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
    });
  });
});

describe('validateBucketName', () => {
  it.each([
    'xn--bucket',
    'sthree-bucket',
    'my-bucket-s3alias',
    'my-bucket--ol-s3',
    'amzn-s3-demo-bucket',
  ])('throws when %s uses a name S3 reserves', (name) => {
    expect(() => validateBucketName(name)).toThrow('which S3 reserves for its own names');
  });

  it('accepts names in the per-account namespace', () => {
    expect(validateBucketName('autobio-illustrations-dev-123456789012-us-east-1-an')).toBe(
      'autobio-illustrations-dev-123456789012-us-east-1-an',
    );
  });
});
