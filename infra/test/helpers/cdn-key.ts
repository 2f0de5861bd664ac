import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A CDN signing key pair made for the test run; never a real key. */
export interface TestCdnKeyPair {
  /** `-----BEGIN PUBLIC KEY-----`, as `openssl rsa -pubout` writes it. */
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
}

let made: TestCdnKeyPair | undefined;

/** One RSA 2048 key pair per test file, as the README's one-time setup makes it. */
export function testCdnKeyPair(): TestCdnKeyPair {
  if (!made) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    made = {
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey,
    };
  }
  return made;
}
