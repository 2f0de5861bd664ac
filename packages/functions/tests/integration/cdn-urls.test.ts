import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_PRESIGN_EXPIRES_IN_SECONDS, type GeneratedKind } from '@autobio/s3-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import {
  type CdnKeyPair,
  newCdnKeyPair,
  readCannedPolicyUrl,
} from '../helpers/cloudfront-verify.ts';
import { invoke } from '../helpers/events.ts';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
} from '../helpers/fake-secrets-manager.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const DOMAIN = 'd111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';

const fixture = useLocalStorage();
let secrets: FakeSecretsManager;
let keys: CdnKeyPair;
let secretCount = 0;

beforeAll(async () => {
  secrets = await startFakeSecretsManager();
  keys = newCdnKeyPair();
});
afterAll(async () => {
  await secrets.close();
});

/**
 * The CDN variables as infra sets them, with the function's SDK pointed at the fake Secrets
 * Manager by the SDK's own endpoint variable. Each call names a new secret, so that no test sees
 * the key another one cached; `null` stores no secret.
 */
function useCdn(stored: string | null = keys.privateKeyPem): string {
  secretCount += 1;
  const secretId = `autobio/test/cdn-private-key-${secretCount}`;
  if (stored !== null) secrets.put(secretId, stored);
  vi.stubEnv('CDN_DOMAIN_NAME', DOMAIN);
  vi.stubEnv('CDN_KEY_PAIR_ID', KEY_PAIR_ID);
  vi.stubEnv('CDN_PRIVATE_KEY_SECRET_ID', secretId);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', secrets.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  secrets.take();
  return secretId;
}

async function seed(user: string, kind: GeneratedKind, count: number): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = fixture.storage().getGeneratedKey(kind, user, {
      date: new Date(Date.UTC(2026, 0, 1, 12, i)),
    });
    await fixture.storage().putObject(key, fakePng(64 + i), { contentType: 'image/png' });
    made.push(key);
  }
  return made.reverse();
}

/** The message of the error the handler last logged with a 500. */
const loggedError = () =>
  (
    fixture.logs().entries.findLast((entry) => entry.message === 'Request failed')?.error as
      | { message: string }
      | undefined
  )?.message;

const list = (sub: string, kind: GeneratedKind = 'memory') =>
  invoke(listIllustrations, {
    method: 'GET',
    route: '/illustrations/{kind}',
    sub,
    pathParameters: { kind },
  });

describe('GET /illustrations/{kind} with the CDN on', () => {
  it('answers CloudFront URLs of each key on the CDN domain, signed with the key pair, expiring at expiresAt', async () => {
    useCdn();
    const user = fixture.newUser();
    const keysNewestFirst = await seed(user, 'memory', 3);

    const before = Math.floor(Date.now() / 1000);
    const result = await list(user);
    const after = Math.ceil(Date.now() / 1000);

    expect(result.statusCode).toBe(200);
    expect(result.json.items.map((item: { key: string }) => item.key)).toEqual(keysNewestFirst);
    for (const item of result.json.items as { key: string; url: string; expiresAt: string }[]) {
      const url = readCannedPolicyUrl(item.url);
      expect(url.resource).toBe(`https://${DOMAIN}/${item.key}`);
      expect(url.host).toBe(DOMAIN);
      expect(url.decodedPath).toBe(`/${item.key}`);
      expect(url.parameters).toEqual(['Expires', 'Key-Pair-Id', 'Signature']);
      expect(url.keyPairId).toBe(KEY_PAIR_ID);
      expect(url.expires * 1000).toBe(Date.parse(item.expiresAt));
      expect(url.expires).toBeGreaterThanOrEqual(before + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
      expect(url.expires).toBeLessThanOrEqual(after + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
      expect(url.verifiesWith(keys.publicKey), item.url).toBe(true);
    }
  });

  it('signs URLs that verify with no other public key, and for no other Expires', async () => {
    useCdn();
    const user = fixture.newUser();
    await seed(user, 'subject', 1);

    const result = await list(user, 'subject');

    const url = readCannedPolicyUrl(result.json.items[0].url);
    expect(url.verifiesWith(keys.publicKey)).toBe(true);
    expect(url.verifiesWith(newCdnKeyPair().publicKey)).toBe(false);
    expect(url.verifiesWith(keys.publicKey, { expires: url.expires + 1 })).toBe(false);
  });

  it('signs the percent-encoded path of a key whose user id needs encoding', async () => {
    useCdn();
    const user = `auth0|${fixture.newUser()} 100%`;
    const [key] = await seed(user, 'memory', 1);

    const result = await list(user);

    const url = readCannedPolicyUrl(result.json.items[0].url);
    expect(url.decodedPath).toBe(`/${key}`);
    expect(url.resource).toContain('auth0%7Cuser-');
    expect(url.resource).toContain('%20100%25/');
    expect(url.verifiesWith(keys.publicKey)).toBe(true);
  });

  it('takes a key stored as OpenSSL 1 writes it (BEGIN RSA PRIVATE KEY)', async () => {
    const pkcs1 = newCdnKeyPair('pkcs1');
    expect(pkcs1.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    useCdn(pkcs1.privateKeyPem);
    const user = fixture.newUser();
    await seed(user, 'memory', 1);

    const result = await list(user);

    expect(readCannedPolicyUrl(result.json.items[0].url).verifiesWith(pkcs1.publicKey)).toBe(true);
  });

  it('reads the private key from Secrets Manager once, signed as the function, and keeps it for later requests', async () => {
    const secretId = useCdn();
    const user = fixture.newUser();
    await seed(user, 'memory', 2);

    const answers = [await list(user), await list(user), await list(user, 'subject')];

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(secrets.take()).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId, signed: true },
    ]);
  });

  it('answers the empty page without reading anything it would not use', async () => {
    useCdn();
    const result = await list(fixture.newUser());
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ items: [], nextCursor: null });
  });

  describe('answers 500 InternalError and logs the fix', () => {
    it('when the secret does not exist, and reads it again on the next request', async () => {
      const secretId = useCdn(null);
      const user = fixture.newUser();
      await seed(user, 'memory', 1);

      const failed = await list(user);

      expect(failed.statusCode).toBe(500);
      expect(failed.json.error.code).toBe('InternalError');
      expect(loggedError()).toBe(
        `CDN_PRIVATE_KEY_SECRET_ID: names the secret "${secretId}", which could not be read ` +
          '(ResourceNotFoundException). Create it with the PEM of the CDN private key as its ' +
          `secret string (infra/README.md, "The CDN's signing key"), in the function's account ` +
          'and region, and deploy the stack so its role may secretsmanager:GetSecretValue on it.',
      );

      secrets.put(secretId, keys.privateKeyPem);
      const retried = await list(user);
      expect(retried.statusCode).toBe(200);
      expect(readCannedPolicyUrl(retried.json.items[0].url).verifiesWith(keys.publicKey)).toBe(
        true,
      );
    });

    it('when the secret holds no RSA private key, without the secret in the log or answer', async () => {
      const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      for (const stored of [
        ecKey,
        'not a key at all',
        keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      ]) {
        const secretId = useCdn(stored);
        const user = fixture.newUser();
        await seed(user, 'memory', 1);

        const result = await list(user);

        expect(result.statusCode).toBe(500);
        expect(loggedError()).toContain(
          `CDN_PRIVATE_KEY_SECRET_ID: names the secret "${secretId}", whose secret string is not an RSA private key in PEM.`,
        );
        const body = stored.split('\n')[1] ?? stored;
        expect(fixture.logs().text()).not.toContain(body);
        expect(result.rawBody).not.toContain(body);
      }
    });

    it('when only some of the CDN variables are set, naming the missing one', async () => {
      useCdn();
      vi.stubEnv('CDN_KEY_PAIR_ID', undefined);

      const result = await list(fixture.newUser());

      expect(result.statusCode).toBe(500);
      expect(loggedError()).toMatch(
        /^CDN_KEY_PAIR_ID: is not set, but CDN_DOMAIN_NAME and CDN_PRIVATE_KEY_SECRET_ID are set/,
      );
      expect(secrets.take()).toEqual([]);
    });
  });
});

/** A new user with a subject image, and the stub stub mode copies. */
async function userWithSubject(): Promise<string> {
  const user = fixture.newUser();
  const storage = fixture.storage();
  await storage.putObject(storage.getSubjectKey(user), fakePng(64), { contentType: 'image/png' });
  await storage.putObject(storage.getStubKey('placeholder.png'), fakePng(65), {
    contentType: 'image/png',
  });
  return user;
}

const generate = (sub: string) =>
  invoke(generateIllustration, {
    method: 'POST',
    route: '/illustrations/{kind}',
    sub,
    pathParameters: { kind: 'memory' },
    body: {},
  });

describe('POST /illustrations/{kind} with the CDN on', () => {
  it('answers the new illustration with a CloudFront URL signed with the key pair, expiring at expiresAt', async () => {
    useCdn();
    const user = await userWithSubject();

    const before = Math.floor(Date.now() / 1000);
    const result = await generate(user);
    const after = Math.ceil(Date.now() / 1000);

    expect(result.statusCode).toBe(201);
    const { key, url: signed, expiresAt } = result.json.illustration;
    const url = readCannedPolicyUrl(signed);
    expect(url.resource).toBe(`https://${DOMAIN}/${key}`);
    expect(url.keyPairId).toBe(KEY_PAIR_ID);
    expect(url.expires * 1000).toBe(Date.parse(expiresAt));
    expect(url.expires).toBeGreaterThanOrEqual(before + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
    expect(url.expires).toBeLessThanOrEqual(after + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
    expect(url.verifiesWith(keys.publicKey), signed).toBe(true);
    expect(url.verifiesWith(newCdnKeyPair().publicKey)).toBe(false);
  });

  it('deletes what it generated when the signing key cannot be read, and answers 500', async () => {
    useCdn(null);
    const user = await userWithSubject();

    const result = await generate(user);

    expect(result.statusCode).toBe(500);
    expect(loggedError()).toMatch(/^CDN_PRIVATE_KEY_SECRET_ID: names the secret/);
    const storage = fixture.storage();
    const left = [];
    for await (const object of storage.listKeys(storage.getAreaPrefix('generated/memory') + user)) {
      left.push(object.key);
    }
    expect(left).toEqual([]);
  });
});

describe('GET /illustrations/{kind} with the CDN off', () => {
  it('answers S3 presigned URLs, and asks Secrets Manager nothing', async () => {
    const user = fixture.newUser();
    await seed(user, 'memory', 1);
    secrets.take();

    const result = await list(user);

    const url = new URL(result.json.items[0].url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(DEFAULT_PRESIGN_EXPIRES_IN_SECONDS));
    expect(url.searchParams.has('Key-Pair-Id')).toBe(false);
    expect(secrets.take()).toEqual([]);
  });
});
