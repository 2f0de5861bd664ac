import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_DEFAULTS,
  type EnvironmentName,
  type EnvironmentSettings,
  InfraConfigError,
  loadAllEnvironmentConfigs,
  loadEnvironmentConfig,
  trustsWholeAccount,
} from '../lib/index.ts';
import { testCdnKeyPair } from './helpers/cdn-key.ts';

const ROLE_ARN = 'arn:aws:iam::210987654321:role/illustration-gen';
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
const SERVICE_URL = 'https://illustration-gen.example.com/generate';

interface Sources {
  /** Context keys, as cdk.json or `-c` give them. */
  readonly context?: Record<string, unknown>;
  /** Settings applied over the environment's file in infra/config/. */
  readonly settings?: Record<string, unknown>;
  readonly processEnv?: Record<string, string | undefined>;
}

/**
 * Loads one environment. Prod is given an illustration-gen role (it refuses to synth without
 * one) unless the test's context names the principal itself.
 */
function load(
  name: EnvironmentName,
  { context = {}, settings = {}, processEnv = {} }: Sources = {},
) {
  const trust = name === 'prod' ? { 'autobio:prod:illustrationGenPrincipal': ROLE_ARN } : {};
  return loadEnvironmentConfig(name, {
    context: { ...trust, ...context },
    processEnv,
    settings: { ...ENVIRONMENT_DEFAULTS[name], ...settings } as EnvironmentSettings,
  });
}

/** Runs `act`, expects an InfraConfigError for `key`, and returns its message. */
function configError(act: () => unknown, key: string): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    expect((error as InfraConfigError).key).toBe(key);
    expect((error as Error).message.startsWith(`${key}: `)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected an InfraConfigError for ${key}, but nothing was thrown`);
}

describe('loadEnvironmentConfig defaults', () => {
  it('gives local a destroyable bucket with short retention and localhost origins', () => {
    expect(load('local')).toEqual({
      name: 'local',
      stackName: 'AutoBio-local',
      account: undefined,
      region: 'us-east-1',
      bucketName: undefined,
      bucketNamePrefix: 'autobio-illustrations-local',
      keyPrefixes: {
        subjects: 'subjects/',
        avatars: 'avatars/',
        generated: 'generated/',
        stubs: 'stubs/',
        deletions: 'deletions/',
      },
      removal: 'destroy',
      terminationProtection: false,
      noncurrentVersionExpirationDays: 7,
      noncurrentVersionsToRetain: 1,
      abortIncompleteMultipartUploadDays: 3,
      intelligentTieringTransitionDays: 0,
      serverAccessLogs: true,
      accessLogRetentionDays: 14,
      archiveTiers: undefined,
      corsOrigins: ['http://localhost:5173', 'http://localhost:3000'],
      illustrationGen: { principal: { kind: 'this-account' }, externalId: undefined },
      transferAcceleration: false,
      replication: undefined,
      cdn: undefined,
      api: {
        auth: {
          issuer: 'https://jwt-issuer-not-configured.invalid/autobio-local',
          audience: ['autobio-storage-api'],
          placeholder: true,
        },
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
        logRetentionDays: 7,
        illustrationGen: { mode: 'stub', url: undefined, timeoutMs: 25_000, modeSource: 'setting' },
      },
    });
  });

  it('gives dev a destroyable bucket with 30 days of noncurrent versions', () => {
    expect(load('dev')).toMatchObject({
      stackName: 'AutoBio-dev',
      bucketNamePrefix: 'autobio-illustrations-dev',
      removal: 'destroy',
      terminationProtection: false,
      noncurrentVersionExpirationDays: 30,
      noncurrentVersionsToRetain: 3,
      accessLogRetentionDays: 90,
      corsOrigins: ['http://localhost:5173'],
    });
  });

  it('gives prod a retained, termination-protected bucket with no default origins', () => {
    expect(load('prod')).toMatchObject({
      stackName: 'AutoBio-prod',
      bucketNamePrefix: 'autobio-illustrations-prod',
      removal: 'retain',
      terminationProtection: true,
      noncurrentVersionExpirationDays: 90,
      noncurrentVersionsToRetain: 5,
      accessLogRetentionDays: 365,
      corsOrigins: [],
      transferAcceleration: false,
      replication: undefined,
      cdn: undefined,
    });
  });

  it('loads every environment in order, each from its own file', () => {
    const configs = loadAllEnvironmentConfigs({
      context: { 'autobio:prod:illustrationGenPrincipal': ROLE_ARN },
      processEnv: {},
    });

    expect(configs.map((c) => [c.name, c.noncurrentVersionExpirationDays])).toEqual([
      ['local', 7],
      ['dev', 30],
      ['prod', 90],
    ]);
  });

  it('loads an environment from the settings it is given instead of its file', () => {
    const [, dev] = loadAllEnvironmentConfigs({
      context: { 'autobio:prod:illustrationGenPrincipal': ROLE_ARN },
      processEnv: {},
      settings: {
        dev: {
          ...ENVIRONMENT_DEFAULTS.dev,
          cdn: true,
          cdnPublicKeyPem: testCdnKeyPair().publicKeyPem,
        },
      },
    });

    expect(dev?.cdn).toEqual({
      publicKeyPem: testCdnKeyPair().publicKeyPem.trim(),
      privateKeySecretName: 'autobio/dev/cdn-private-key',
    });
  });
});

describe('loadEnvironmentConfig deploy-time values', () => {
  it('takes account and region from CDK_DEFAULT_* when context has none', () => {
    const config = load('dev', {
      processEnv: { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    });

    expect([config.account, config.region]).toEqual(['111122223333', 'eu-west-1']);
  });

  it('prefers context over CDK_DEFAULT_*', () => {
    const config = load('prod', {
      context: { 'autobio:prod:account': '444455556666', 'autobio:prod:region': 'eu-central-1' },
      processEnv: { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    });

    expect([config.account, config.region]).toEqual(['444455556666', 'eu-central-1']);
  });

  it('counts a blank context value as unset', () => {
    const config = load('dev', {
      context: { 'autobio:dev:account': '  ' },
      processEnv: { CDK_DEFAULT_ACCOUNT: '111122223333' },
    });

    expect(config.account).toBe('111122223333');
  });

  it("replaces the file's origins with the context's, for that environment only", () => {
    const context = { 'autobio:dev:corsOrigins': ['https://dev.example.com'] };

    expect(load('dev', { context }).corsOrigins).toEqual(['https://dev.example.com']);
    expect(load('local', { context }).corsOrigins).toEqual(ENVIRONMENT_DEFAULTS.local.corsOrigins);
  });

  it('reads a -c list as comma-separated, without blanks or duplicates', () => {
    const config = load('prod', {
      context: {
        'autobio:prod:corsOrigins':
          'https://app.example.com, https://www.example.com,,https://app.example.com',
      },
    });

    expect(config.corsOrigins).toEqual(['https://app.example.com', 'https://www.example.com']);
  });

  it('reads a -c list as a JSON array', () => {
    const config = load('dev', {
      context: { 'autobio:dev:corsOrigins': '["https://dev.example.com"]' },
    });

    expect(config.corsOrigins).toEqual(['https://dev.example.com']);
  });

  it.each([
    ['this-account', { kind: 'this-account' }],
    ['210987654321', { kind: 'account', accountId: '210987654321' }],
    [
      'arn:aws:iam::210987654321:role/sdxl/illustration-gen',
      { kind: 'role', roleArn: 'arn:aws:iam::210987654321:role/sdxl/illustration-gen' },
    ],
    ['ecs-tasks.amazonaws.com', { kind: 'service', service: 'ecs-tasks.amazonaws.com' }],
  ])('reads the illustration-gen principal %s', (text, principal) => {
    const config = load('dev', { context: { 'autobio:dev:illustrationGenPrincipal': text } });

    expect(config.illustrationGen.principal).toEqual(principal);
  });

  it('throws when a context key is misspelled', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:jwtissuer': ISSUER } }),
      'autobio:dev:jwtissuer',
    );

    expect(message).toContain('Known settings: account, region');
  });

  it('throws when a context key names an unknown environment', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:staging:region': 'us-east-1' } }),
      'autobio:staging:region',
    );

    expect(message).toContain('local, dev, prod');
  });

  it('throws when a context key names a setting that is code', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:noncurrentVersionExpirationDays': '45' } }),
      'autobio:dev:noncurrentVersionExpirationDays',
    );

    expect(message).toContain('is code, in infra/config/dev.ts');
  });

  it('throws when a context value is not a string', () => {
    const message = configError(
      () => load('prod', { context: { 'autobio:prod:account': 123456789012 } }),
      'autobio:prod:account',
    );

    expect(message).toContain('must be a string. Got 123456789012.');
    expect(message).toContain('-c autobio:prod:account=123456789012');
  });

  it.each([[5173], ['[https://x']])('throws when a context list is %j', (value) => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:corsOrigins': value } }),
      'autobio:dev:corsOrigins',
    );

    expect(message).toContain(
      `must be a list of strings (with -c, a JSON array or comma-separated). Got ${JSON.stringify(value)}.`,
    );
  });

  it('throws when the account is not 12 digits', () => {
    const message = configError(
      () => load('prod', { context: { 'autobio:prod:account': '1234' } }),
      'autobio:prod:account',
    );

    expect(message).toContain('"1234"');
    expect(message).toContain('-c autobio:prod:account=123456789012');
  });

  it('throws when CDK_DEFAULT_ACCOUNT is not an account id', () => {
    configError(
      () => load('dev', { processEnv: { CDK_DEFAULT_ACCOUNT: 'unknown-account' } }),
      'autobio:dev:account',
    );
  });

  it('throws when the region is not a region name', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:region': 'useast1' } }),
      'autobio:dev:region',
    );

    expect(message).toContain('"useast1" is not an AWS region name');
  });

  it('throws when an origin has a path', () => {
    const message = configError(
      () =>
        load('dev', { context: { 'autobio:dev:corsOrigins': ['https://app.example.com/upload'] } }),
      'autobio:dev:corsOrigins',
    );

    expect(message).toContain('https://app.example.com/upload');
  });

  it.each([['http://app.example.com'], ['*']])(
    'throws when prod allows the origin %s',
    (origin) => {
      const message = configError(
        () => load('prod', { context: { 'autobio:prod:corsOrigins': [origin] } }),
        'autobio:prod:corsOrigins',
      );

      expect(message).toContain('may hold only https origins');
      expect(message).toContain(`Got ["${origin}"].`);
    },
  );

  it('throws when the illustration-gen principal is not understood', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:illustrationGenPrincipal': 'sdxl-service' } }),
      'autobio:dev:illustrationGenPrincipal',
    );

    expect(message).toContain('"sdxl-service"');
    expect(message).toContain('role ARN');
  });

  it('throws for a principal it does not understand before judging the trust of prod', () => {
    const message = configError(
      () => load('prod', { context: { 'autobio:prod:illustrationGenPrincipal': 'sdxl-service' } }),
      'autobio:prod:illustrationGenPrincipal',
    );

    expect(message).toContain('is not a principal this app understands');
  });

  it('throws when an external id is given for a service principal', () => {
    configError(
      () =>
        load('dev', {
          context: {
            'autobio:dev:illustrationGenPrincipal': 'ecs-tasks.amazonaws.com',
            'autobio:dev:illustrationGenExternalId': 'shared-id',
          },
        }),
      'autobio:dev:illustrationGenExternalId',
    );
  });

  it('throws when the external id has characters STS rejects', () => {
    configError(
      () =>
        load('dev', {
          context: {
            'autobio:dev:illustrationGenPrincipal': '210987654321',
            'autobio:dev:illustrationGenExternalId': 'not allowed!',
          },
        }),
      'autobio:dev:illustrationGenExternalId',
    );
  });
});

describe('the illustration-gen trust of prod', () => {
  function loadProd(context: Record<string, unknown>) {
    return loadEnvironmentConfig('prod', { context, processEnv: {} });
  }

  it('throws when prod names no illustration-gen principal and no external id', () => {
    const message = configError(() => loadProd({}), 'autobio:prod:illustrationGenPrincipal');

    expect(message).toContain('must name who assumes the illustration-gen role in prod');
    expect(message).toContain('-c autobio:prod:illustrationGenPrincipal=arn:aws:iam::');
  });

  it('throws when prod trusts "this-account" without an external id', () => {
    configError(
      () => loadProd({ 'autobio:prod:illustrationGenPrincipal': 'this-account' }),
      'autobio:prod:illustrationGenPrincipal',
    );
  });

  it('throws when prod trusts its own account id without an external id', () => {
    configError(
      () =>
        loadProd({
          'autobio:prod:account': '444455556666',
          'autobio:prod:illustrationGenPrincipal': '444455556666',
        }),
      'autobio:prod:illustrationGenPrincipal',
    );
  });

  it('lets prod trust its own account when callers must present an external id', () => {
    const config = loadProd({ 'autobio:prod:illustrationGenExternalId': 'autobio-prod' });

    expect(config.illustrationGen).toEqual({
      principal: { kind: 'this-account' },
      externalId: 'autobio-prod',
    });
  });

  it('lets prod trust another account', () => {
    const config = loadProd({ 'autobio:prod:illustrationGenPrincipal': '210987654321' });

    expect(trustsWholeAccount(config)).toBe(false);
  });

  it('lets dev keep the account-wide default', () => {
    expect(trustsWholeAccount(load('dev'))).toBe(true);
  });
});

describe('loadEnvironmentConfig settings', () => {
  it('takes key prefixes through the key layout', () => {
    const config = load('dev', {
      settings: { generatedPrefix: 'art/', stubsPrefix: 'fixtures/', deletionsPrefix: 'pending/' },
    });

    expect(config.keyPrefixes).toEqual({
      subjects: 'subjects/',
      avatars: 'avatars/',
      generated: 'art/',
      stubs: 'fixtures/',
      deletions: 'pending/',
    });
  });

  it('uses an explicit bucket name instead of the account-regional prefix', () => {
    const config = load('prod', { settings: { bucketName: 'auto-bio-illustrations' } });

    expect(config.bucketName).toBe('auto-bio-illustrations');
  });

  it('reads the archive tiers with a default of 90 days', () => {
    const config = load('prod', {
      settings: { archiveAreas: ['subjects', 'generated/memory'], deepArchiveAccessDays: 365 },
    });

    expect(config.archiveTiers).toEqual({
      areas: ['subjects', 'generated/memory'],
      archiveAccessDays: 90,
      deepArchiveAccessDays: 365,
    });
  });

  it.each([
    ['us-east-1', 'us-west-2'],
    ['us-west-2', 'us-east-1'],
  ])('replicates a %s bucket to %s by default', (region, replicaRegion) => {
    const config = load('prod', {
      context: { 'autobio:prod:region': region },
      settings: { replication: true },
    });

    expect(config.replication).toEqual({
      region: replicaRegion,
      bucketNamePrefix: 'autobio-prod-replica',
    });
  });

  it('throws when a setting of the file is misspelled', () => {
    const message = configError(
      () => load('dev', { settings: { bucketname: 'x' } }),
      'dev.bucketname',
    );

    expect(message).toContain('Fix the spelling in infra/config/dev.ts');
    expect(message).toContain('bucketName');
  });

  it('throws when the bucket name breaks S3 naming rules', () => {
    const message = configError(
      () => load('prod', { settings: { bucketName: 'AutoBio_Images' } }),
      'prod.bucketName',
    );

    expect(message).toContain('"AutoBio_Images" is not a valid S3 bucket name');
    expect(message).toContain('Change it in infra/config/prod.ts.');
  });

  it('throws when the bucket name uses a suffix S3 reserves', () => {
    const message = configError(
      () => load('prod', { settings: { bucketName: 'my-images-an' } }),
      'prod.bucketName',
    );

    expect(message).toContain('"-an"');
  });

  it('throws when the bucket name uses an affix the storage package knows S3 reserves', () => {
    const message = configError(
      () => load('prod', { settings: { bucketName: 'my-images-s3alias' } }),
      'prod.bucketName',
    );

    expect(message).toContain('"-s3alias", which S3 reserves');
  });

  it('throws when a dotted bucket name meets transfer acceleration', () => {
    const message = configError(
      () =>
        load('prod', {
          settings: { bucketName: 'images.example.com', transferAcceleration: true },
        }),
      'prod.bucketName',
    );

    expect(message).toContain('Transfer Acceleration');
  });

  it('throws when both a bucket name and a name prefix are set', () => {
    configError(
      () =>
        load('dev', {
          settings: { bucketName: 'autobio-dev-images', bucketNamePrefix: 'autobio-dev' },
        }),
      'dev.bucketNamePrefix',
    );
  });

  it('throws when the name prefix leaves no room for the account-regional suffix', () => {
    const message = configError(
      () => load('dev', { settings: { bucketNamePrefix: 'a'.repeat(40) } }),
      'dev.bucketNamePrefix',
    );

    expect(message).toContain('at most 37 characters in us-east-1');
  });

  it('throws when the region has no account-regional namespace and no bucket name is set', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:region': 'me-south-1' } }),
      'dev.bucketName',
    );

    expect(message).toContain('me-south-1');
  });

  it('throws when prod is set to be destroyed', () => {
    const message = configError(
      () => load('prod', { settings: { removal: 'destroy' } }),
      'prod.removal',
    );

    expect(message).toContain('must be "retain" in prod');
  });

  it('throws when prod drops termination protection', () => {
    configError(
      () => load('prod', { settings: { terminationProtection: false } }),
      'prod.terminationProtection',
    );
  });

  it('throws when removal is neither retain nor destroy', () => {
    const message = configError(
      () => load('dev', { settings: { removal: 'delete' } }),
      'dev.removal',
    );

    expect(message).toContain('must be one of retain, destroy. Got "delete".');
  });

  it.each([
    ['noncurrentVersionExpirationDays', 0],
    ['noncurrentVersionsToRetain', 101],
    ['abortIncompleteMultipartUploadDays', '3'],
    ['accessLogRetentionDays', 1.5],
    ['intelligentTieringTransitionDays', -1],
  ])('throws when %s is %j', (setting, value) => {
    const message = configError(
      () => load('dev', { settings: { [setting]: value } }),
      `dev.${setting}`,
    );

    expect(message).toMatch(/must be a whole number from \d+ to \d+\. Got /);
    expect(message).toContain(`Got ${JSON.stringify(value)}.`);
  });

  it('throws when a switch is not a boolean', () => {
    const message = configError(() => load('dev', { settings: { cdn: 'yes' } }), 'dev.cdn');

    expect(message).toContain('must be true or false. Got "yes".');
  });

  it('throws when a key prefix lacks its slash', () => {
    const message = configError(
      () => load('dev', { settings: { stubsPrefix: 'stubs' } }),
      'dev.stubsPrefix',
    );

    expect(message).toContain('must end in "/"');
  });

  it('throws when a key prefix nests inside another', () => {
    const message = configError(
      () => load('dev', { settings: { generatedPrefix: 'subjects/generated/' } }),
      'dev.generatedPrefix',
    );

    expect(message).toContain('lies inside prefix "subjects/"');
  });

  it('throws when archive days are set without archive areas', () => {
    configError(
      () => load('prod', { settings: { archiveAccessDays: 120 } }),
      'prod.archiveAccessDays',
    );
  });

  it.each([['stubs'], ['avatars']])('throws when the area %s is to be archived', (area) => {
    const message = configError(
      () => load('prod', { settings: { archiveAreas: [area] } }),
      'prod.archiveAreas',
    );

    expect(message).toContain('never enters INTELLIGENT_TIERING');
  });

  it('throws when an archive area is not a storage area', () => {
    const message = configError(
      () => load('prod', { settings: { archiveAreas: ['generated/portrait'] } }),
      'prod.archiveAreas',
    );

    expect(message).toContain('may only list storage areas');
    expect(message).toContain('Got ["generated/portrait"].');
  });

  it('throws when archive areas overlap', () => {
    configError(
      () => load('prod', { settings: { archiveAreas: ['generated', 'generated/subject'] } }),
      'prod.archiveAreas',
    );
  });

  it('throws when deep archive comes before archive', () => {
    configError(
      () =>
        load('prod', {
          settings: {
            archiveAreas: ['subjects'],
            archiveAccessDays: 200,
            deepArchiveAccessDays: 180,
          },
        }),
      'prod.deepArchiveAccessDays',
    );
  });

  it('throws when archive days are below the S3 minimum', () => {
    configError(
      () => load('prod', { settings: { archiveAreas: ['subjects'], archiveAccessDays: 30 } }),
      'prod.archiveAccessDays',
    );
  });

  it('throws when the replica region is the bucket region', () => {
    const message = configError(
      () => load('prod', { settings: { replication: true, replicationRegion: 'us-east-1' } }),
      'prod.replicationRegion',
    );

    expect(message).toContain("bucket's own region");
  });

  it('throws when the replica region has no account-regional namespace', () => {
    const message = configError(
      () => load('prod', { settings: { replication: true, replicationRegion: 'me-central-1' } }),
      'prod.replicationRegion',
    );

    expect(message).toContain('me-central-1 has no S3 account-regional namespace');
  });

  it('throws when the replica region is not a region name', () => {
    configError(
      () => load('prod', { settings: { replication: true, replicationRegion: 'uswest2' } }),
      'prod.replicationRegion',
    );
  });

  it('throws when the replica name prefix leaves no room for the suffix', () => {
    configError(
      () =>
        load('prod', { settings: { replication: true, replicaBucketNamePrefix: 'r'.repeat(40) } }),
      'prod.replicaBucketNamePrefix',
    );
  });

  it.each([
    ['replicationRegion', 'eu-west-1'],
    ['replicaBucketNamePrefix', 'autobio-prod-copy'],
  ])('throws when %s is set but replication is off', (setting, value) => {
    const message = configError(
      () => load('prod', { settings: { [setting]: value } }),
      `prod.${setting}`,
    );

    expect(message).toContain('Set replication to true in infra/config/prod.ts');
  });
});

describe('loadEnvironmentConfig API settings', () => {
  it.each([
    ['dev', 30],
    ['prod', 90],
  ] as const)('keeps the %s API logs %i days by default', (name, days) => {
    expect(load(name).api.logRetentionDays).toBe(days);
  });

  it('takes the JWT issuer and audience exactly as given, without duplicates', () => {
    const { auth } = load('prod', {
      context: {
        'autobio:prod:jwtIssuer': `${ISSUER} `,
        'autobio:prod:jwtAudience': 'client-a,client-b,client-a',
      },
    }).api;

    expect(auth).toEqual({
      issuer: ISSUER,
      audience: ['client-a', 'client-b'],
      placeholder: false,
    });
  });

  it('uses a placeholder issuer that can never sign a token when none is set', () => {
    const { auth } = load('prod').api;

    expect(auth.placeholder).toBe(true);
    expect(new URL(auth.issuer).hostname.endsWith('.invalid')).toBe(true);
  });

  it('makes illustrations from stubs in dev even when a service URL is set', () => {
    const { illustrationGen } = load('dev', {
      context: { 'autobio:dev:illustrationGenUrl': SERVICE_URL },
    }).api;

    expect(illustrationGen).toMatchObject({ mode: 'stub', url: SERVICE_URL });
  });

  it('calls the service in dev when the mode says so', () => {
    const { illustrationGen } = load('dev', {
      context: {
        'autobio:dev:illustrationGenUrl': 'http://illustration-gen.internal:8080/generate',
      },
      settings: { illustrationGenMode: 'service', illustrationGenTimeoutMs: 20_000 },
    }).api;

    expect(illustrationGen).toEqual({
      mode: 'service',
      url: 'http://illustration-gen.internal:8080/generate',
      timeoutMs: 20_000,
      modeSource: 'setting',
    });
  });

  it('calls the service in prod as soon as its URL is set', () => {
    const { illustrationGen } = load('prod', {
      context: { 'autobio:prod:illustrationGenUrl': SERVICE_URL },
    }).api;

    expect(illustrationGen).toMatchObject({
      mode: 'service',
      url: SERVICE_URL,
      modeSource: 'default',
    });
  });

  it('makes stubs in prod without a URL, as a default the stack warns about', () => {
    expect(load('prod').api.illustrationGen).toMatchObject({ mode: 'stub', modeSource: 'default' });
  });

  it('reads the stage throttling and the log retention', () => {
    const { api } = load('dev', {
      settings: { apiThrottleRateLimit: 200, apiThrottleBurstLimit: 400, apiLogRetentionDays: 14 },
    });

    expect([api.throttleRateLimit, api.throttleBurstLimit, api.logRetentionDays]).toEqual([
      200, 400, 14,
    ]);
  });

  it.each([
    ['not a URL', 'cognito'],
    ['http', 'http://issuer.example.com'],
    ['a query', `${ISSUER}?x=1`],
    ['a user', 'https://user@issuer.example.com'],
  ])('throws when the JWT issuer has %s', (_, issuer) => {
    const message = configError(
      () =>
        load('dev', {
          context: { 'autobio:dev:jwtIssuer': issuer, 'autobio:dev:jwtAudience': ['a'] },
        }),
      'autobio:dev:jwtIssuer',
    );

    expect(message).toContain('is not a token issuer API Gateway can use');
    expect(message).toContain(`Got ${JSON.stringify(issuer)}.`);
  });

  it('throws when the JWT issuer is set without an audience', () => {
    const message = configError(
      () => load('prod', { context: { 'autobio:prod:jwtIssuer': ISSUER } }),
      'autobio:prod:jwtAudience',
    );

    expect(message).toContain('is required with autobio:prod:jwtIssuer');
  });

  it('throws when a JWT audience is set without an issuer', () => {
    const message = configError(
      () => load('prod', { context: { 'autobio:prod:jwtAudience': ['client-a'] } }),
      'autobio:prod:jwtAudience',
    );

    expect(message).toContain('autobio:prod:jwtIssuer is not');
  });

  it('throws when a JWT audience has a wildcard', () => {
    const message = configError(
      () =>
        load('dev', {
          context: { 'autobio:dev:jwtIssuer': ISSUER, 'autobio:dev:jwtAudience': ['*'] },
        }),
      'autobio:dev:jwtAudience',
    );

    expect(message).toContain('must be the exact client ids');
    expect(message).toContain('Got ["*"].');
  });

  it('throws when the illustration-gen URL is not a URL', () => {
    const message = configError(
      () => load('dev', { context: { 'autobio:dev:illustrationGenUrl': 'illustration-gen:8080' } }),
      'autobio:dev:illustrationGenUrl',
    );

    expect(message).toContain('is not an http(s) URL. Got "illustration-gen:8080".');
  });

  it('throws when prod would send subject images to an http URL', () => {
    const message = configError(
      () =>
        load('prod', {
          context: { 'autobio:prod:illustrationGenUrl': 'http://illustration-gen.example.com' },
        }),
      'autobio:prod:illustrationGenUrl',
    );

    expect(message).toContain('is not an https URL');
  });

  it('throws when the illustration-gen URL carries credentials, without repeating them', () => {
    let error: unknown;
    try {
      load('dev', {
        context: { 'autobio:dev:illustrationGenUrl': 'https://user:s3cret@gen.example.com/' },
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InfraConfigError);
    expect((error as InfraConfigError).message).toContain(
      'must not contain a user name or password',
    );
    expect(
      JSON.stringify([(error as InfraConfigError).message, (error as InfraConfigError).value]),
    ).not.toContain('s3cret');
  });

  it('throws when the mode is service and no URL is set', () => {
    const message = configError(
      () => load('prod', { settings: { illustrationGenMode: 'service' } }),
      'prod.illustrationGenMode',
    );

    expect(message).toContain('autobio:prod:illustrationGenUrl is not set');
  });

  it('throws when the mode is neither stub nor service', () => {
    const message = configError(
      () => load('dev', { settings: { illustrationGenMode: 'sdxl' } }),
      'dev.illustrationGenMode',
    );

    expect(message).toContain('must be one of stub, service. Got "sdxl".');
  });

  it.each([
    ['illustrationGenTimeoutMs', 28_001, 'from 1 to 28000'],
    ['illustrationGenTimeoutMs', 0, 'from 1 to 28000'],
    ['apiThrottleRateLimit', 0, 'from 1 to 10000'],
    ['apiThrottleBurstLimit', 5001, 'from 1 to 5000'],
  ] as const)('throws when %s is %s', (setting, value, range) => {
    const message = configError(
      () => load('dev', { settings: { [setting]: value } }),
      `dev.${setting}`,
    );

    expect(message).toContain(`must be a whole number ${range}. Got ${value}.`);
  });

  it('throws when the log retention is not one CloudWatch Logs offers', () => {
    const message = configError(
      () => load('dev', { settings: { apiLogRetentionDays: 10 } }),
      'dev.apiLogRetentionDays',
    );

    expect(message).toContain('is not a retention CloudWatch Logs offers');
    expect(message).toContain('Got 10.');
  });
});
