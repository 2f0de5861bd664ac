import { ConfigurationError } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { CDN_ENVIRONMENT_VARIABLES, loadCdnConfig } from '../../src/env.ts';
import { cdnUrl } from '../../src/internal/cdn-urls.ts';

const ALL = {
  CDN_DOMAIN_NAME: 'd111111abcdef8.cloudfront.net',
  CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
  CDN_PRIVATE_KEY_SECRET_ID: 'autobio/prod/cdn-private-key',
};

function errorOf(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadCdnConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('loadCdnConfig did not throw');
}

describe('loadCdnConfig', () => {
  it('is off when none of the three variables is set (or all are blank)', () => {
    expect(loadCdnConfig({})).toBeUndefined();
    expect(
      loadCdnConfig({ CDN_DOMAIN_NAME: ' ', CDN_KEY_PAIR_ID: '', CDN_PRIVATE_KEY_SECRET_ID: '' }),
    ).toBeUndefined();
  });

  it('reads all three, trimmed, the domain in lower case', () => {
    expect(loadCdnConfig({ ...ALL, CDN_DOMAIN_NAME: ' D111111ABCDEF8.cloudfront.net ' })).toEqual({
      domainName: 'd111111abcdef8.cloudfront.net',
      keyPairId: 'K2JCJMDEHXQW5F',
      privateKeySecretId: 'autobio/prod/cdn-private-key',
    });
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:autobio/prod/key-AbCdEf';
    expect(loadCdnConfig({ ...ALL, CDN_PRIVATE_KEY_SECRET_ID: arn })?.privateKeySecretId).toBe(arn);
  });

  it('throws when only some are set, naming the first missing one and those that are set', () => {
    const one = errorOf({ CDN_DOMAIN_NAME: ALL.CDN_DOMAIN_NAME });
    expect(one.variable).toBe('CDN_KEY_PAIR_ID');
    expect(one.message).toBe(
      'CDN_KEY_PAIR_ID: is not set, but CDN_DOMAIN_NAME is set: CloudFront URLs need all of ' +
        'CDN_DOMAIN_NAME, CDN_KEY_PAIR_ID, CDN_PRIVATE_KEY_SECRET_ID. Set it, for example ' +
        'CDN_KEY_PAIR_ID=K2JCJMDEHXQW5F, or unset them all to answer S3 presigned URLs.',
    );
    const two = errorOf({ ...ALL, CDN_DOMAIN_NAME: undefined });
    expect(two.message).toMatch(
      /^CDN_DOMAIN_NAME: is not set, but CDN_KEY_PAIR_ID and CDN_PRIVATE_KEY_SECRET_ID are set/,
    );
  });

  it('throws for a domain with a scheme, port or path, a key id that is not one, or a bad secret id', () => {
    for (const [name, value] of [
      ['CDN_DOMAIN_NAME', 'https://d111111abcdef8.cloudfront.net'],
      ['CDN_DOMAIN_NAME', 'd111111abcdef8.cloudfront.net:443'],
      ['CDN_DOMAIN_NAME', 'd111111abcdef8.cloudfront.net/generated'],
      ['CDN_KEY_PAIR_ID', 'k2jcjmdehxqw5f'],
      ['CDN_KEY_PAIR_ID', 'K2JC JMDE'],
      ['CDN_PRIVATE_KEY_SECRET_ID', 'name with spaces'],
    ] as const) {
      const error = errorOf({ ...ALL, [name]: value });
      expect(error.variable, value).toBe(name);
      expect(error.message).toContain(`got "${value}". Use one such as ${ALL[name]}.`);
    }
  });

  it('documents each variable it reads', () => {
    expect(Object.keys(CDN_ENVIRONMENT_VARIABLES)).toEqual(Object.keys(ALL));
  });
});

describe('cdnUrl', () => {
  it('is the key as the path on the domain, each segment percent-encoded, slashes kept', () => {
    expect(cdnUrl('d1.cloudfront.net', 'generated/memory/u1/1-a.png')).toBe(
      'https://d1.cloudfront.net/generated/memory/u1/1-a.png',
    );
    expect(cdnUrl('d1.cloudfront.net', 'generated/memory/auth0|a b%/1-a.png')).toBe(
      'https://d1.cloudfront.net/generated/memory/auth0%7Ca%20b%25/1-a.png',
    );
  });
});
