import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';

/** An RSA 2048 key pair, as `openssl genrsa` and `openssl rsa -pubout` make one for CloudFront. */
export interface CdnKeyPair {
  /** The private key PEM, as stored in the secret. */
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

/** A fresh key pair; `pkcs1` is `-----BEGIN RSA PRIVATE KEY-----`, OpenSSL 1's genrsa output. */
export function newCdnKeyPair(format: 'pkcs8' | 'pkcs1' = 'pkcs8'): CdnKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: format, format: 'pem' }).toString(),
    publicKey,
  };
}

/** What a CloudFront signed URL with a canned policy is made of, read back from the URL. */
export interface CannedPolicyUrl {
  /** The URL without its query: the policy's Resource. */
  readonly resource: string;
  readonly host: string;
  /** The path, percent-decoded: the key, with a leading `/`. */
  readonly decodedPath: string;
  /** The query parameter names, sorted. */
  readonly parameters: readonly string[];
  /** `Expires`, in epoch seconds. */
  readonly expires: number;
  readonly keyPairId: string | null;
  /** Whether `Signature` verifies the canned policy with the public key, as CloudFront checks it. */
  verifiesWith(publicKey: KeyObject, overrides?: { readonly expires?: number }): boolean;
}

/**
 * Reads a CloudFront signed URL independently of the signer: the canned policy is rebuilt as
 * CloudFront's documentation gives it (JSON without spaces), and `Signature` (base64 with
 * `+=/` written `-_~`) is checked with RSA-SHA1, as CloudFront does with the key group's key.
 */
export function readCannedPolicyUrl(url: string): CannedPolicyUrl {
  const parsed = new URL(url);
  const resource = `${parsed.origin}${parsed.pathname}`;
  const expires = Number(parsed.searchParams.get('Expires'));
  const signature = Buffer.from(
    (parsed.searchParams.get('Signature') ?? '')
      .replace(/-/g, '+')
      .replace(/_/g, '=')
      .replace(/~/g, '/'),
    'base64',
  );
  return {
    resource,
    host: parsed.host,
    decodedPath: parsed.pathname.split('/').map(decodeURIComponent).join('/'),
    parameters: [...parsed.searchParams.keys()].sort(),
    expires,
    keyPairId: parsed.searchParams.get('Key-Pair-Id'),
    verifiesWith(publicKey, overrides = {}) {
      const policy =
        `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":` +
        `{"AWS:EpochTime":${overrides.expires ?? expires}}}}]}`;
      return verify('RSA-SHA1', Buffer.from(policy), publicKey, signature);
    },
  };
}
