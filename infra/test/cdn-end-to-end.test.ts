import { createPublicKey } from 'node:crypto';
import { handler as generateIllustration } from '@autobio/functions/handlers/generate-illustration';
import { handler as listIllustrations } from '@autobio/functions/handlers/list-illustrations';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// The functions' own test helpers: the embedded S3 with the handlers' storage env, a Secrets
// Manager endpoint, API Gateway events and the CloudFront signature check.
import { readCannedPolicyUrl } from '../../packages/functions/tests/helpers/cloudfront-verify.ts';
import { invoke } from '../../packages/functions/tests/helpers/events.ts';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
} from '../../packages/functions/tests/helpers/fake-secrets-manager.ts';
import { fakePng } from '../../packages/functions/tests/helpers/images.ts';
import { useLocalStorage } from '../../packages/functions/tests/helpers/local-storage.ts';
import { environmentStacks, logicalIdOf } from './helpers/app.ts';
import { testCdnKeyPair } from './helpers/cdn-key.ts';

// Stand-ins for what CloudFormation resolves at deploy.
const DOMAIN = 'd111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';

const fixture = useLocalStorage();
let secrets: FakeSecretsManager;
beforeAll(async () => {
  secrets = await startFakeSecretsManager();
});
afterAll(async () => {
  await secrets.close();
});

/**
 * The list function's CDN variables as prod synthesizes them with the CDN on, its two
 * references resolved to the stand-ins (after checking they point at the distribution and the
 * public key).
 */
function synthesizedCdnEnvironment(
  route: 'list-illustrations' | 'generate-illustration',
): Record<string, string> {
  const { storage } = environmentStacks('prod', {
    'autobio:prod:cdn': true,
    'autobio:prod:cdnPublicKeyPem': testCdnKeyPair().publicKeyPem,
  });
  const fn = storage.api.functions[route]!;
  const variables: Record<string, unknown> =
    Template.fromStack(storage).toJSON().Resources[logicalIdOf(storage, fn.function)].Properties
      .Environment.Variables;
  const resolved: Record<string, unknown> = {
    [JSON.stringify({
      'Fn::GetAtt': [logicalIdOf(storage, storage.cdn!.distribution), 'DomainName'],
    })]: DOMAIN,
    [JSON.stringify({ Ref: logicalIdOf(storage, storage.cdn!.publicKey) })]: KEY_PAIR_ID,
  };
  return Object.fromEntries(
    Object.entries(variables)
      .filter(([name]) => name.startsWith('CDN_'))
      .map(([name, value]) => [
        name,
        typeof value === 'string' ? value : (resolved[JSON.stringify(value)] ?? 'unresolved'),
      ]),
  ) as Record<string, string>;
}

/**
 * Sets the route function's synthesized CDN variables (after checking them) and the one-time
 * setup, the private key in Secrets Manager under the configured name; returns the public key.
 */
function useSynthesizedCdn(route: 'list-illustrations' | 'generate-illustration'): string {
  const environment = synthesizedCdnEnvironment(route);
  expect(environment).toEqual({
    CDN_DOMAIN_NAME: DOMAIN,
    CDN_KEY_PAIR_ID: KEY_PAIR_ID,
    CDN_PRIVATE_KEY_SECRET_ID: 'autobio/prod/cdn-private-key',
  });
  const { privateKey, publicKeyPem } = testCdnKeyPair();
  secrets.put(
    environment.CDN_PRIVATE_KEY_SECRET_ID!,
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', secrets.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
  return publicKeyPem;
}

describe('prod synthesized with the CDN on', () => {
  it('answers CloudFront URLs from the list route, signed with the key pair of its settings', async () => {
    const publicKeyPem = useSynthesizedCdn('list-illustrations');
    const user = fixture.newUser();
    const key = fixture.storage().getGeneratedKey('memory', user);
    await fixture.storage().putObject(key, fakePng(64), { contentType: 'image/png' });

    const result = await invoke(listIllustrations, {
      method: 'GET',
      route: '/illustrations/{kind}',
      sub: user,
      pathParameters: { kind: 'memory' },
    });

    expect(result.statusCode).toBe(200);
    const [item] = result.json.items as { key: string; url: string; expiresAt: string }[];
    const url = readCannedPolicyUrl(item!.url);
    expect(url.resource).toBe(`https://${DOMAIN}/${key}`);
    expect(url.keyPairId).toBe(KEY_PAIR_ID);
    expect(url.expires * 1000).toBe(Date.parse(item!.expiresAt));
    expect(url.verifiesWith(createPublicKey(publicKeyPem))).toBe(true);
  });
  it('answers a CloudFront URL from the generate route too, signed the same way', async () => {
    const publicKeyPem = useSynthesizedCdn('generate-illustration');
    const user = fixture.newUser();
    const storage = fixture.storage();
    await storage.putObject(storage.getSubjectKey(user), fakePng(64), { contentType: 'image/png' });
    await storage.putObject(storage.getStubKey('placeholder.png'), fakePng(65), {
      contentType: 'image/png',
    });

    const result = await invoke(generateIllustration, {
      method: 'POST',
      route: '/illustrations/{kind}',
      sub: user,
      pathParameters: { kind: 'memory' },
      body: {},
    });

    expect(result.statusCode).toBe(201);
    const { key, url: signed, expiresAt } = result.json.illustration;
    const url = readCannedPolicyUrl(signed);
    expect(url.resource).toBe(`https://${DOMAIN}/${key}`);
    expect(url.keyPairId).toBe(KEY_PAIR_ID);
    expect(url.expires * 1000).toBe(Date.parse(expiresAt));
    expect(url.verifiesWith(createPublicKey(publicKeyPem))).toBe(true);
  });
});
