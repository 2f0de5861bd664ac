import { generateKeyPairSync } from 'node:crypto';
import { getRoute, ROUTES } from '@autobio/functions';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_DEFAULTS,
  type EnvironmentName,
  type EnvironmentSettings,
  InfraConfigError,
  loadEnvironmentConfig,
} from '../lib/index.ts';
import { environmentStacks, logicalIdOf } from './helpers/app.ts';
import { testCdnKeyPair } from './helpers/cdn-key.ts';

const ROLE_ARN = 'arn:aws:iam::210987654321:role/illustration-gen';
const CDN_VARIABLES = ['CDN_DOMAIN_NAME', 'CDN_KEY_PAIR_ID', 'CDN_PRIVATE_KEY_SECRET_ID'];

const cdnOn = (name: EnvironmentName, extra: Record<string, unknown> = {}) =>
  environmentStacks(name, {
    [`autobio:${name}:cdn`]: true,
    [`autobio:${name}:cdnPublicKeyPem`]: testCdnKeyPair().publicKeyPem,
    ...extra,
  });

/** Every statement of the identity policies attached to a role. */
function statementsOf(template: Template, roleId: string): Record<string, unknown>[] {
  return Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('the CDN with signed URLs', () => {
  const stacks = cdnOn('prod');
  const { storage } = stacks;
  const template = Template.fromStack(storage);
  const cdn = storage.cdn!;
  const publicKeyId = logicalIdOf(storage, cdn.publicKey);
  const keyGroupId = logicalIdOf(storage, cdn.keyGroup);
  const distributionId = logicalIdOf(storage, cdn.distribution);
  const list = storage.api.functions['list-illustrations']!;
  // The routes whose URLs are CloudFront's, per the route table.
  const signers = ROUTES.filter((route) => route.cdn).map((route) => route.name);
  const functionProps = (route: string) =>
    template.toJSON().Resources[logicalIdOf(storage, storage.api.functions[route]!.function)]
      .Properties;

  it("makes a CloudFront public key of the environment's PEM, and a key group of it alone", () => {
    template.resourceCountIs('AWS::CloudFront::PublicKey', 1);
    template.hasResourceProperties('AWS::CloudFront::PublicKey', {
      PublicKeyConfig: {
        EncodedKey: testCdnKeyPair().publicKeyPem.trim(),
        Name: Match.anyValue(),
        CallerReference: Match.anyValue(),
        Comment: Match.stringLikeRegexp('^AutoBio generated signed URLs, key sha256:[0-9a-f]{12}$'),
      },
    });
    template.resourceCountIs('AWS::CloudFront::KeyGroup', 1);
    template.hasResourceProperties('AWS::CloudFront::KeyGroup', {
      KeyGroupConfig: {
        Items: [{ Ref: publicKeyId }],
        Name: Match.anyValue(),
        Comment: Match.anyValue(),
      },
    });
  });

  it('serves the generated behaviour only with URLs signed by that key group', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution!.Properties.DistributionConfig;

    expect(config.DefaultCacheBehavior.TrustedKeyGroups).toEqual([{ Ref: keyGroupId }]);
    expect(config.DefaultCacheBehavior.TrustedSigners).toBeUndefined();
    expect(config.CacheBehaviors).toBeUndefined();
  });

  it('signs for the list and generate routes, per the route table', () => {
    expect(signers).toEqual(['list-illustrations', 'generate-illustration']);
  });

  it.each(signers)(
    'gives the %s function the CDN domain, the public key id and the secret name',
    (route) => {
      expect(functionProps(route).Environment.Variables).toMatchObject({
        CDN_DOMAIN_NAME: { 'Fn::GetAtt': [distributionId, 'DomainName'] },
        CDN_KEY_PAIR_ID: { Ref: publicKeyId },
        CDN_PRIVATE_KEY_SECRET_ID: 'autobio/prod/cdn-private-key',
      });
    },
  );

  it('gives no other function the CDN variables', () => {
    for (const route of ROUTES.filter((candidate) => !candidate.cdn)) {
      const variables = Object.keys(functionProps(route.name).Environment.Variables);
      expect(
        variables.filter((name) => CDN_VARIABLES.includes(name)),
        route.name,
      ).toEqual([]);
    }
  });

  it.each(signers)(
    'grants the %s function exactly secretsmanager:GetSecretValue on the one secret',
    (route) => {
      const roleId = logicalIdOf(storage, storage.api.functions[route]!.role);
      const secrets = statementsOf(template, roleId).filter((statement) =>
        JSON.stringify(statement.Action).includes('secretsmanager:'),
      );

      expect(secrets).toEqual([
        {
          Action: 'secretsmanager:GetSecretValue',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:aws:secretsmanager:us-east-1:',
                { Ref: 'AWS::AccountId' },
                ':secret:autobio/prod/cdn-private-key-??????',
              ],
            ],
          },
        },
      ]);
    },
  );

  it('grants no other role any Secrets Manager or KMS action', () => {
    const signerRoles = signers.map((route) =>
      logicalIdOf(storage, storage.api.functions[route]!.role),
    );
    for (const roleId of Object.keys(template.findResources('AWS::IAM::Role'))) {
      const text = JSON.stringify(statementsOf(template, roleId));
      if (signerRoles.includes(roleId)) expect(text, roleId).not.toContain('kms:');
      else expect(text, roleId).not.toMatch(/secretsmanager:|kms:/);
    }
  });

  it("grants the list function the route table's cdn.storage: listing, and no s3:GetObject", () => {
    const s3 = statementsOf(template, logicalIdOf(storage, list.role)).filter((statement) =>
      JSON.stringify(statement.Action).includes('s3:'),
    );
    const actions = [...new Set(s3.flatMap((statement) => [statement.Action].flat()))];
    const prefixes = s3.flatMap((statement) => [
      (statement.Condition as { StringLike: { 's3:prefix': string } }).StringLike['s3:prefix'],
    ]);

    expect(actions).toEqual([
      ...new Set(getRoute('list-illustrations').cdn?.storage.flatMap((g) => g.actions)),
    ]);
    expect(actions).toEqual(['s3:ListBucket']);
    expect(prefixes.flat().sort()).toEqual(['generated/memory/*', 'generated/subject/*']);
  });

  it('names the secret from context when given', () => {
    const named = cdnOn('dev', { 'autobio:dev:cdnPrivateKeySecretName': 'keys/autobio-dev-cdn' });
    const fn = named.storage.api.functions['list-illustrations']!;
    const props = Template.fromStack(named.storage).toJSON().Resources[
      logicalIdOf(named.storage, fn.function)
    ].Properties;

    expect(props.Environment.Variables.CDN_PRIVATE_KEY_SECRET_ID).toBe('keys/autobio-dev-cdn');
    expect(
      JSON.stringify(
        statementsOf(Template.fromStack(named.storage), logicalIdOf(named.storage, fn.role)),
      ),
    ).toContain(':secret:keys/autobio-dev-cdn-??????');
  });

  it('replaces the public key when the PEM changes (CloudFront cannot change a key), keeping the key group', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const rotated = environmentStacks('prod', {
      'autobio:prod:cdn': true,
      'autobio:prod:cdnPublicKeyPem': other,
    }).storage;

    expect(logicalIdOf(rotated, rotated.cdn!.publicKey)).not.toBe(publicKeyId);
    expect(logicalIdOf(rotated, rotated.cdn!.keyGroup)).toBe(keyGroupId);
    expect(logicalIdOf(rotated, rotated.cdn!.distribution)).toBe(distributionId);
  });

  it('leaves every function on S3 URLs, with its usual grants, when the CDN is off', () => {
    const off = environmentStacks('prod').storage;
    const offTemplate = Template.fromStack(off);
    offTemplate.resourceCountIs('AWS::CloudFront::PublicKey', 0);
    offTemplate.resourceCountIs('AWS::CloudFront::KeyGroup', 0);
    const fn = off.api.functions['list-illustrations']!;
    const props = offTemplate.toJSON().Resources[logicalIdOf(off, fn.function)].Properties;

    expect(Object.keys(props.Environment.Variables)).not.toContain('CDN_DOMAIN_NAME');
    const text = JSON.stringify(statementsOf(offTemplate, logicalIdOf(off, fn.role)));
    expect(text).toContain('s3:GetObject');
    expect(text).not.toContain('secretsmanager:');
  });
});

/** Loads one environment with `settings` over its file and `context`, prod with its role. */
function load(
  name: EnvironmentName,
  settings: Record<string, unknown>,
  context: Record<string, unknown> = {},
) {
  return loadEnvironmentConfig(name, {
    context: { 'autobio:prod:illustrationGenPrincipal': ROLE_ARN, ...context },
    processEnv: {},
    settings: { ...ENVIRONMENT_DEFAULTS[name], ...settings } as EnvironmentSettings,
  });
}

function configError(act: () => unknown, key: string): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    expect((error as InfraConfigError).key).toBe(key);
    return (error as Error).message;
  }
  throw new Error(`expected an InfraConfigError for ${key}, but nothing was thrown`);
}

describe('the CDN key settings', () => {
  const pem = () => testCdnKeyPair().publicKeyPem;

  it('default the secret name to autobio/<env>/cdn-private-key', () => {
    expect(load('prod', { cdn: true, cdnPublicKeyPem: pem() }).cdn).toEqual({
      publicKeyPem: pem().trim(),
      privateKeySecretName: 'autobio/prod/cdn-private-key',
    });
  });

  it('throws when the CDN is on without a public key, pointing at the one-time setup', () => {
    const message = configError(() => load('dev', { cdn: true }), 'dev.cdnPublicKeyPem');

    expect(message).toContain('is required with cdn');
    expect(message).toContain('"The CDN\'s signing key"');
    expect(message).toContain('autobio:dev:cdnPrivateKeySecretName');
  });

  it('throws when a public key or a secret name is set with the CDN off', () => {
    expect(
      configError(() => load('dev', { cdnPublicKeyPem: pem() }), 'dev.cdnPublicKeyPem'),
    ).toMatch(
      /^dev\.cdnPublicKeyPem: is set but cdn is off\. Set cdn to true in infra\/config\/dev\.ts, or remove dev\.cdnPublicKeyPem\./,
    );
    expect(
      configError(
        () => load('dev', {}, { 'autobio:dev:cdnPrivateKeySecretName': 'autobio/dev/key' }),
        'autobio:dev:cdnPrivateKeySecretName',
      ),
    ).toContain('is set but cdn is off');
  });

  it('throws for a key CloudFront does not take: not PEM, EC, RSA 4096, PKCS#1 (BEGIN RSA PUBLIC KEY)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const rsa4096 = generateKeyPairSync('rsa', { modulusLength: 4096 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    for (const value of ['not a key', ec, rsa4096, pkcs1]) {
      const message = configError(
        () => load('dev', { cdn: true, cdnPublicKeyPem: value }),
        'dev.cdnPublicKeyPem',
      );
      expect(message).toContain('is not the PEM of an RSA 2048 public key');
      expect(message).toContain('Got "<redacted>"');
    }
  });

  it('throws for a private key in place of the public one, without repeating it', () => {
    const privatePem = testCdnKeyPair()
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const message = configError(
      () => load('dev', { cdn: true, cdnPublicKeyPem: privatePem }),
      'dev.cdnPublicKeyPem',
    );

    expect(message).toContain('holds a private key. Never put it in the settings');
    expect(message).not.toContain(privatePem.split('\n')[1]);
  });

  it('throws for a secret name that is an ARN, has other characters, or ends like an ARN suffix', () => {
    for (const [name, fragment] of [
      [
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:key',
        'is not a Secrets Manager secret name',
      ],
      ['my key', 'is not a Secrets Manager secret name'],
      ['autobio/prod/cdn-signer', 'ends in a hyphen and six characters'],
    ] as const) {
      const message = configError(
        () =>
          load(
            'prod',
            { cdn: true, cdnPublicKeyPem: pem() },
            { 'autobio:prod:cdnPrivateKeySecretName': name },
          ),
        'autobio:prod:cdnPrivateKeySecretName',
      );
      expect(message, name).toContain(fragment);
      expect(message).toContain(
        '-c autobio:prod:cdnPrivateKeySecretName=autobio/prod/cdn-private-key',
      );
    }
  });
});
