import { describe, expect, it } from 'vitest';
import {
  type EnvironmentName,
  InfraConfigError,
  loadAllEnvironmentConfigs,
  loadEnvironmentConfig,
} from '../lib/index.ts';

function load(
  name: EnvironmentName,
  context: Record<string, unknown> = {},
  processEnv: Record<string, string | undefined> = {},
) {
  return loadEnvironmentConfig(name, { context, processEnv });
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
    const config = load('local');

    expect(config).toEqual({
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
      cdn: false,
      api: {
        auth: {
          issuer: 'https://jwt-issuer-not-configured.invalid/autobio-local',
          audience: ['autobio-storage-api'],
          placeholder: true,
        },
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
        logRetentionDays: 7,
        illustrationGen: { mode: 'stub', url: undefined, timeoutMs: 25_000, modeSource: 'default' },
      },
    });
  });

  it('gives dev a destroyable bucket with 30 days of noncurrent versions', () => {
    const config = load('dev');

    expect(config).toMatchObject({
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
    const config = load('prod');

    expect(config).toMatchObject({
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
      cdn: false,
    });
  });

  it('loads every environment in order', () => {
    expect(loadAllEnvironmentConfigs({ context: {}, processEnv: {} }).map((c) => c.name)).toEqual([
      'local',
      'dev',
      'prod',
    ]);
  });
});

describe('loadEnvironmentConfig sources', () => {
  it('takes account and region from CDK_DEFAULT_* when context has none', () => {
    const config = load(
      'dev',
      {},
      { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    );

    expect([config.account, config.region]).toEqual(['111122223333', 'eu-west-1']);
  });

  it('prefers context over CDK_DEFAULT_*', () => {
    const config = load(
      'prod',
      { 'autobio:prod:account': '444455556666', 'autobio:prod:region': 'eu-central-1' },
      { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    );

    expect([config.account, config.region]).toEqual(['444455556666', 'eu-central-1']);
  });

  it('reads a setting for one environment only', () => {
    const context = { 'autobio:dev:noncurrentVersionExpirationDays': 45 };

    expect(load('dev', context).noncurrentVersionExpirationDays).toBe(45);
    expect(load('prod', context).noncurrentVersionExpirationDays).toBe(90);
  });

  it('parses -c strings as numbers, booleans and comma-separated lists', () => {
    const config = load('prod', {
      'autobio:prod:noncurrentVersionsToRetain': '10',
      'autobio:prod:cdn': 'true',
      'autobio:prod:serverAccessLogs': 'false',
      'autobio:prod:corsOrigins': 'https://app.example.com, https://www.example.com',
    });

    expect(config).toMatchObject({
      noncurrentVersionsToRetain: 10,
      cdn: true,
      serverAccessLogs: false,
      corsOrigins: ['https://app.example.com', 'https://www.example.com'],
    });
  });

  it('parses a -c JSON array', () => {
    expect(
      load('dev', { 'autobio:dev:corsOrigins': '["https://dev.example.com"]' }).corsOrigins,
    ).toEqual(['https://dev.example.com']);
  });

  it('takes key prefixes from context through the key layout', () => {
    const config = load('dev', {
      'autobio:dev:generatedPrefix': 'art/',
      'autobio:dev:stubsPrefix': 'fixtures/',
    });

    expect(config.keyPrefixes).toEqual({
      subjects: 'subjects/',
      avatars: 'avatars/',
      generated: 'art/',
      stubs: 'fixtures/',
    });
  });

  it('uses an explicit bucket name instead of the account-regional prefix', () => {
    const config = load('prod', { 'autobio:prod:bucketName': 'auto-bio-illustrations' });

    expect(config.bucketName).toBe('auto-bio-illustrations');
  });

  it('reads the archive tiers with a default of 90 days', () => {
    const config = load('prod', {
      'autobio:prod:archiveAreas': ['subjects', 'generated/memory'],
      'autobio:prod:deepArchiveAccessDays': 365,
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
      'autobio:prod:region': region,
      'autobio:prod:replication': true,
    });

    expect(config.replication).toEqual({
      region: replicaRegion,
      bucketNamePrefix: 'autobio-prod-replica',
    });
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
    expect(
      load('dev', { 'autobio:dev:illustrationGenPrincipal': text }).illustrationGen.principal,
    ).toEqual(principal);
  });
});

describe('loadEnvironmentConfig validation', () => {
  it('throws when a context key is misspelled', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:bucketname': 'x' }),
      'autobio:dev:bucketname',
    );

    expect(message).toContain('Known settings:');
    expect(message).toContain('bucketName');
  });

  it('throws when a context key names an unknown environment', () => {
    const message = configError(
      () => load('dev', { 'autobio:staging:region': 'us-east-1' }),
      'autobio:staging:region',
    );

    expect(message).toContain('local, dev, prod');
  });

  it('throws when the account is not 12 digits', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:account': '1234' }),
      'autobio:prod:account',
    );

    expect(message).toContain('"1234"');
    expect(message).toContain('-c autobio:prod:account=123456789012');
  });

  it('throws when CDK_DEFAULT_ACCOUNT is not an account id', () => {
    configError(
      () => load('dev', {}, { CDK_DEFAULT_ACCOUNT: 'unknown-account' }),
      'autobio:dev:account',
    );
  });

  it('throws when the region is not a region name', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:region': 'useast1' }),
      'autobio:dev:region',
    );

    expect(message).toContain('"useast1" is not an AWS region name');
  });

  it('throws when the bucket name breaks S3 naming rules', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:bucketName': 'AutoBio_Images' }),
      'autobio:prod:bucketName',
    );

    expect(message).toContain('"AutoBio_Images" is not a valid S3 bucket name');
    expect(message).toContain('-c autobio:prod:bucketName=');
  });

  it('throws when the bucket name uses a suffix S3 reserves', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:bucketName': 'my-images-an' }),
      'autobio:prod:bucketName',
    );

    expect(message).toContain('"-an"');
  });

  it('throws when the bucket name uses an affix the storage package knows S3 reserves', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:bucketName': 'my-images-s3alias' }),
      'autobio:prod:bucketName',
    );

    expect(message).toContain('"-s3alias", which S3 reserves');
    expect(message).toContain('-c autobio:prod:bucketName=');
  });

  it('throws when a dotted bucket name meets transfer acceleration', () => {
    const message = configError(
      () =>
        load('prod', {
          'autobio:prod:bucketName': 'images.example.com',
          'autobio:prod:transferAcceleration': true,
        }),
      'autobio:prod:bucketName',
    );

    expect(message).toContain('Transfer Acceleration');
  });

  it('throws when both a bucket name and a name prefix are set', () => {
    configError(
      () =>
        load('dev', {
          'autobio:dev:bucketName': 'autobio-dev-images',
          'autobio:dev:bucketNamePrefix': 'autobio-dev',
        }),
      'autobio:dev:bucketNamePrefix',
    );
  });

  it('throws when the name prefix leaves no room for the account-regional suffix', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:bucketNamePrefix': 'a'.repeat(40) }),
      'autobio:dev:bucketNamePrefix',
    );

    expect(message).toContain('at most 37 characters in us-east-1');
  });

  it('throws when the region has no account-regional namespace and no bucket name is set', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:region': 'me-south-1' }),
      'autobio:dev:bucketName',
    );

    expect(message).toContain('me-south-1');
  });

  it('throws when prod is set to be destroyed', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:removal': 'destroy' }),
      'autobio:prod:removal',
    );

    expect(message).toContain('always retained');
  });

  it('throws when removal is neither retain nor destroy', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:removal': 'delete' }),
      'autobio:dev:removal',
    );

    expect(message).toContain('retain, destroy');
    expect(message).toContain('"delete"');
  });

  it.each([
    ['noncurrentVersionExpirationDays', 0],
    ['noncurrentVersionsToRetain', 101],
    ['abortIncompleteMultipartUploadDays', 'three'],
    ['accessLogRetentionDays', 1.5],
    ['intelligentTieringTransitionDays', -1],
  ])('throws when %s is %s', (setting, value) => {
    const message = configError(
      () => load('dev', { [`autobio:dev:${setting}`]: value }),
      `autobio:dev:${setting}`,
    );

    expect(message).toMatch(/must be a whole number from \d+ to \d+/);
    expect(message).toContain(JSON.stringify(value));
  });

  it('throws when a switch is not a boolean', () => {
    const message = configError(() => load('dev', { 'autobio:dev:cdn': 'yes' }), 'autobio:dev:cdn');

    expect(message).toContain('must be true or false, got "yes"');
  });

  it('throws when an origin has a path', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:corsOrigins': ['https://app.example.com/upload'] }),
      'autobio:dev:corsOrigins',
    );

    expect(message).toContain('https://app.example.com/upload');
  });

  it.each([['http://app.example.com'], ['*']])(
    'throws when prod allows the origin %s',
    (origin) => {
      const message = configError(
        () => load('prod', { 'autobio:prod:corsOrigins': [origin] }),
        'autobio:prod:corsOrigins',
      );

      expect(message).toContain(`got "${origin}"`);
    },
  );

  it('throws when a key prefix lacks its slash', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:stubsPrefix': 'stubs' }),
      'autobio:dev:stubsPrefix',
    );

    expect(message).toContain('must end in "/"');
  });

  it('throws when a key prefix nests inside another', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:generatedPrefix': 'subjects/generated/' }),
      'autobio:dev:generatedPrefix',
    );

    expect(message).toContain('lies inside prefix "subjects/"');
  });

  it('throws when archive days are set without archive areas', () => {
    configError(
      () => load('prod', { 'autobio:prod:archiveAccessDays': 120 }),
      'autobio:prod:archiveAccessDays',
    );
  });

  it.each([['stubs'], ['avatars']])('throws when the area %s is to be archived', (area) => {
    const message = configError(
      () => load('prod', { 'autobio:prod:archiveAreas': [area] }),
      'autobio:prod:archiveAreas',
    );

    expect(message).toContain('never enters INTELLIGENT_TIERING');
  });

  it('throws when an archive area is not a storage area', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:archiveAreas': ['generated/portrait'] }),
      'autobio:prod:archiveAreas',
    );

    expect(message).toContain('"generated/portrait" is not a storage area');
  });

  it('throws when archive areas overlap', () => {
    configError(
      () => load('prod', { 'autobio:prod:archiveAreas': ['generated', 'generated/subject'] }),
      'autobio:prod:archiveAreas',
    );
  });

  it('throws when deep archive comes before archive', () => {
    configError(
      () =>
        load('prod', {
          'autobio:prod:archiveAreas': ['subjects'],
          'autobio:prod:archiveAccessDays': 200,
          'autobio:prod:deepArchiveAccessDays': 180,
        }),
      'autobio:prod:deepArchiveAccessDays',
    );
  });

  it('throws when archive days are below the S3 minimum', () => {
    configError(
      () =>
        load('prod', {
          'autobio:prod:archiveAreas': ['subjects'],
          'autobio:prod:archiveAccessDays': 30,
        }),
      'autobio:prod:archiveAccessDays',
    );
  });

  it('throws when the illustration-gen principal is not understood', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:illustrationGenPrincipal': 'sdxl-service' }),
      'autobio:dev:illustrationGenPrincipal',
    );

    expect(message).toContain('"sdxl-service"');
    expect(message).toContain('role ARN');
  });

  it('throws when an external id is given for a service principal', () => {
    configError(
      () =>
        load('dev', {
          'autobio:dev:illustrationGenPrincipal': 'ecs-tasks.amazonaws.com',
          'autobio:dev:illustrationGenExternalId': 'shared-id',
        }),
      'autobio:dev:illustrationGenExternalId',
    );
  });

  it('throws when the external id has characters STS rejects', () => {
    configError(
      () =>
        load('dev', {
          'autobio:dev:illustrationGenPrincipal': '210987654321',
          'autobio:dev:illustrationGenExternalId': 'not allowed!',
        }),
      'autobio:dev:illustrationGenExternalId',
    );
  });

  it('throws when the replica region is the bucket region', () => {
    const message = configError(
      () =>
        load('prod', {
          'autobio:prod:replication': true,
          'autobio:prod:replicationRegion': 'us-east-1',
        }),
      'autobio:prod:replicationRegion',
    );

    expect(message).toContain("bucket's own region");
  });

  it('throws when a replica region is set but replication is off', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:replicationRegion': 'eu-west-1' }),
      'autobio:prod:replicationRegion',
    );

    expect(message).toContain('autobio:prod:replication=true');
  });

  it('throws when a list is neither JSON nor strings', () => {
    configError(() => load('dev', { 'autobio:dev:corsOrigins': 5173 }), 'autobio:dev:corsOrigins');
    configError(
      () => load('dev', { 'autobio:dev:corsOrigins': '[https://x' }),
      'autobio:dev:corsOrigins',
    );
  });
});

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
const SERVICE_URL = 'https://illustration-gen.example.com/generate';

describe('loadEnvironmentConfig API settings', () => {
  it.each([
    ['dev', 30],
    ['prod', 90],
  ] as const)('keeps the %s API logs %i days by default', (name, days) => {
    expect(load(name).api.logRetentionDays).toBe(days);
  });

  it('takes the JWT issuer and audience exactly as given, without duplicates', () => {
    const { auth } = load('prod', {
      'autobio:prod:jwtIssuer': `${ISSUER} `,
      'autobio:prod:jwtAudience': 'client-a,client-b,client-a',
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
    const { illustrationGen } = load('dev', { 'autobio:dev:illustrationGenUrl': SERVICE_URL }).api;

    expect(illustrationGen).toMatchObject({ mode: 'stub', modeSource: 'default' });
  });

  it('calls the service in dev when the mode says so', () => {
    const { illustrationGen } = load('dev', {
      'autobio:dev:illustrationGenUrl': 'http://illustration-gen.internal:8080/generate',
      'autobio:dev:illustrationGenMode': 'service',
      'autobio:dev:illustrationGenTimeoutMs': '20000',
    }).api;

    expect(illustrationGen).toEqual({
      mode: 'service',
      url: 'http://illustration-gen.internal:8080/generate',
      timeoutMs: 20_000,
      modeSource: 'setting',
    });
  });

  it('calls the service in prod as soon as its URL is set, and stubs without one', () => {
    expect(
      load('prod', { 'autobio:prod:illustrationGenUrl': SERVICE_URL }).api.illustrationGen,
    ).toMatchObject({ mode: 'service', url: SERVICE_URL, modeSource: 'default' });
    expect(load('prod').api.illustrationGen).toMatchObject({ mode: 'stub', modeSource: 'default' });
  });

  it('reads the stage throttling and the log retention', () => {
    const { api } = load('dev', {
      'autobio:dev:apiThrottleRateLimit': 200,
      'autobio:dev:apiThrottleBurstLimit': '400',
      'autobio:dev:apiLogRetentionDays': 14,
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
      () => load('dev', { 'autobio:dev:jwtIssuer': issuer, 'autobio:dev:jwtAudience': ['a'] }),
      'autobio:dev:jwtIssuer',
    );

    expect(message).toContain(`"${issuer}" is not a token issuer`);
  });

  it('throws when the JWT issuer is set without an audience', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:jwtIssuer': ISSUER }),
      'autobio:prod:jwtAudience',
    );

    expect(message).toContain('is required with autobio:prod:jwtIssuer');
  });

  it('throws when a JWT audience is set without an issuer', () => {
    const message = configError(
      () => load('prod', { 'autobio:prod:jwtAudience': ['client-a'] }),
      'autobio:prod:jwtAudience',
    );

    expect(message).toContain('autobio:prod:jwtIssuer is not');
  });

  it('throws when a JWT audience has a wildcard', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:jwtIssuer': ISSUER, 'autobio:dev:jwtAudience': ['*'] }),
      'autobio:dev:jwtAudience',
    );

    expect(message).toContain('"*" is not an audience');
  });

  it('throws when the illustration-gen URL is not a URL', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:illustrationGenUrl': 'illustration-gen:8080' }),
      'autobio:dev:illustrationGenUrl',
    );

    expect(message).toContain('"illustration-gen:8080" is not an http(s) URL');
  });

  it('throws when prod would send subject images to an http URL', () => {
    const message = configError(
      () =>
        load('prod', { 'autobio:prod:illustrationGenUrl': 'http://illustration-gen.example.com' }),
      'autobio:prod:illustrationGenUrl',
    );

    expect(message).toContain('is not an https URL');
  });

  it('throws when the illustration-gen URL carries credentials, without repeating them', () => {
    let error: unknown;
    try {
      load('dev', { 'autobio:dev:illustrationGenUrl': 'https://user:s3cret@gen.example.com/' });
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
      () => load('prod', { 'autobio:prod:illustrationGenMode': 'service' }),
      'autobio:prod:illustrationGenMode',
    );

    expect(message).toContain('autobio:prod:illustrationGenUrl is not set');
  });

  it('throws when the mode is neither stub nor service', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:illustrationGenMode': 'sdxl' }),
      'autobio:dev:illustrationGenMode',
    );

    expect(message).toContain('must be one of stub, service, got "sdxl"');
  });

  it.each([
    ['illustrationGenTimeoutMs', 28_001, 'from 1 to 28000'],
    ['illustrationGenTimeoutMs', 0, 'from 1 to 28000'],
    ['apiThrottleRateLimit', 0, 'from 1 to 10000'],
    ['apiThrottleBurstLimit', 5001, 'from 1 to 5000'],
  ] as const)('throws when %s is %s', (setting, value, range) => {
    const message = configError(
      () => load('dev', { [`autobio:dev:${setting}`]: value }),
      `autobio:dev:${setting}`,
    );

    expect(message).toContain(`must be a whole number ${range}, got ${value}`);
  });

  it('throws when the log retention is not one CloudWatch Logs offers', () => {
    const message = configError(
      () => load('dev', { 'autobio:dev:apiLogRetentionDays': 10 }),
      'autobio:dev:apiLogRetentionDays',
    );

    expect(message).toContain('not 10');
  });
});
