import { ConfigurationError } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { DELETION_SWEEP_DELAY_MS } from '../../src/constants.ts';
import { loadDeletionSettings, loadIllustrationGenConfig } from '../../src/env.ts';
import { describeError } from '../../src/internal/http.ts';

describe('loadIllustrationGenConfig', () => {
  it('defaults to stub mode with a 25 s timeout when no URL is set', () => {
    expect(loadIllustrationGenConfig({})).toEqual({
      mode: 'stub',
      url: undefined,
      timeoutMs: 25_000,
      stubImageName: undefined,
    });
  });

  it('uses the service when a URL is set, and stub mode when ILLUSTRATION_GEN_MODE says so', () => {
    const url = 'https://gen.example.com/generate';
    expect(loadIllustrationGenConfig({ ILLUSTRATION_GEN_URL: url }).mode).toBe('service');
    expect(
      loadIllustrationGenConfig({ ILLUSTRATION_GEN_URL: url, ILLUSTRATION_GEN_MODE: ' Stub ' })
        .mode,
    ).toBe('stub');
  });

  it('reads the timeout and the stub name, trimmed', () => {
    expect(
      loadIllustrationGenConfig({
        ILLUSTRATION_GEN_TIMEOUT_MS: ' 1500 ',
        STUB_IMAGE_NAME: ' cat.png ',
      }),
    ).toMatchObject({ timeoutMs: 1500, stubImageName: 'cat.png' });
  });

  it.each([
    [
      { ILLUSTRATION_GEN_MODE: 'sdxl' },
      'ILLUSTRATION_GEN_MODE',
      /must be "stub" or "service", got "sdxl"/,
    ],
    [
      { ILLUSTRATION_GEN_MODE: 'service' },
      'ILLUSTRATION_GEN_URL',
      /is not set, but ILLUSTRATION_GEN_MODE is "service"/,
    ],
    [
      { ILLUSTRATION_GEN_URL: 'ftp://gen' },
      'ILLUSTRATION_GEN_URL',
      /"ftp:\/\/gen" is not an http\(s\) URL/,
    ],
    [{ ILLUSTRATION_GEN_URL: 'gen.local' }, 'ILLUSTRATION_GEN_URL', /is not an http\(s\) URL/],
    [
      { ILLUSTRATION_GEN_TIMEOUT_MS: '30000' },
      'ILLUSTRATION_GEN_TIMEOUT_MS',
      /from 1 to 29000, got "30000". It counts milliseconds/,
    ],
    [{ ILLUSTRATION_GEN_TIMEOUT_MS: '0' }, 'ILLUSTRATION_GEN_TIMEOUT_MS', /got "0"/],
    [{ ILLUSTRATION_GEN_TIMEOUT_MS: '2s' }, 'ILLUSTRATION_GEN_TIMEOUT_MS', /got "2s"/],
    [{ STUB_IMAGE_NAME: '../secrets' }, 'STUB_IMAGE_NAME', /must not contain/],
    [
      { ILLUSTRATION_GEN_URL: 'https://svc:hunter2@gen.example.com/' },
      'ILLUSTRATION_GEN_URL',
      /must not contain a user name or password/,
    ],
  ])('throws when %o is set, naming %s', (env, variable, message) => {
    const attempt = () => loadIllustrationGenConfig(env);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).variable).toBe(variable);
    }
  });

  it.each([
    ['a space in its host', 'https://svc:hunter2@gen example.com/generate'],
    ['a scheme that is not http(s)', 'ftp://svc:hunter2@gen.example.com/'],
    ['no scheme', 'svc:hunter2@gen.example.com:8443'],
  ])(
    'never repeats the password of a malformed ILLUSTRATION_GEN_URL with %s, in its message, stack or causes',
    (_, url) => {
      let thrown: unknown;
      try {
        loadIllustrationGenConfig({ ILLUSTRATION_GEN_URL: url });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as ConfigurationError).variable).toBe('ILLUSTRATION_GEN_URL');
      expect((thrown as Error).message).toMatch(/is not an http\(s\) URL/);
      // What the route handler logs of a failed request (internal/http.ts).
      expect(JSON.stringify(describeError(thrown))).not.toContain('hunter2');
    },
  );

  it('never repeats a password from ILLUSTRATION_GEN_URL in its error', () => {
    expect(() =>
      loadIllustrationGenConfig({ ILLUSTRATION_GEN_URL: 'https://svc:hunter2@gen.example.com/' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('loadDeletionSettings', () => {
  const primary = {
    bucketName: 'auto-bio-illustrations',
    region: 'us-east-1',
    runtime: 'local',
  } as const;
  const inLambda = { ...primary, runtime: 'lambda' } as const;

  it('deletes in the primary bucket only, with the full sweep delay, when nothing is set', () => {
    expect(loadDeletionSettings(primary, {})).toEqual({ sweepDelayMs: DELETION_SWEEP_DELAY_MS });
  });

  it("names the replica with the primary's region unless S3_REPLICA_REGION says another, and the distribution", () => {
    expect(
      loadDeletionSettings(primary, {
        S3_REPLICA_BUCKET_NAME: ' auto-bio-replica ',
        CDN_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL',
      }),
    ).toEqual({
      replica: { bucketName: 'auto-bio-replica', region: 'us-east-1' },
      cdnDistributionId: 'E2QWRUHAPOMQZL',
      sweepDelayMs: DELETION_SWEEP_DELAY_MS,
    });
    expect(
      loadDeletionSettings(primary, {
        S3_REPLICA_BUCKET_NAME: 'auto-bio-replica',
        S3_REPLICA_REGION: 'us-west-2',
      }).replica,
    ).toEqual({ bucketName: 'auto-bio-replica', region: 'us-west-2' });
  });

  it.each([
    [
      { S3_REPLICA_BUCKET_NAME: 'Bad_Bucket' },
      'S3_REPLICA_BUCKET_NAME',
      'not a valid S3 bucket name',
    ],
    [
      { S3_REPLICA_BUCKET_NAME: 'auto-bio-illustrations' },
      'S3_REPLICA_BUCKET_NAME',
      'the bucket S3_BUCKET_NAME names',
    ],
    [{ S3_REPLICA_REGION: 'us-west-2' }, 'S3_REPLICA_REGION', 'S3_REPLICA_BUCKET_NAME is not'],
    [
      { S3_REPLICA_BUCKET_NAME: 'auto-bio-replica', S3_REPLICA_REGION: 'west' },
      'S3_REPLICA_REGION',
      'is not an AWS region name',
    ],
    [{ CDN_DISTRIBUTION_ID: 'e2qw-x' }, 'CDN_DISTRIBUTION_ID', 'Use one such as E2QWRUHAPOMQZL'],
    [{ DELETION_SWEEP_DELAY_SECONDS: '990' }, 'DELETION_SWEEP_DELAY_SECONDS', 'from 0 to 989'],
  ])('throws when %j, naming %s and the fix', (env, variable, message) => {
    const error = (() => {
      try {
        loadDeletionSettings(primary, env);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain(variable);
    expect((error as ConfigurationError).message).toContain(message);
  });

  it('shortens the sweep delay locally with DELETION_SWEEP_DELAY_SECONDS, and never in Lambda, saying so', () => {
    expect(loadDeletionSettings(primary, { DELETION_SWEEP_DELAY_SECONDS: '5' })).toEqual({
      sweepDelayMs: 5_000,
    });
    const lambda = loadDeletionSettings(inLambda, { DELETION_SWEEP_DELAY_SECONDS: '5' });
    expect(lambda.sweepDelayMs).toBe(DELETION_SWEEP_DELAY_MS);
    expect(lambda.ignored).toBe(
      'DELETION_SWEEP_DELAY_SECONDS=5 is ignored in Lambda: the sweep runs 989 s after a ' +
        "deletion. Remove it from the function's environment.",
    );
  });
});
