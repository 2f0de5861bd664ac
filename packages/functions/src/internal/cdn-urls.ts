import { createPrivateKey } from 'node:crypto';
import { ConfigurationError, DEFAULT_PRESIGN_EXPIRES_IN_SECONDS } from '@autobio/s3-storage';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { type CdnConfig, loadCdnConfig } from '../env.ts';

/** Signs the CloudFront URL of one key of the bucket, valid until `expiresAt`. */
export type SignCdnUrl = (key: string, expiresAt: Date) => string;

/** Options of {@link cdnUrlSigner}. */
export interface CdnUrlSignerOptions {
  /**
   * The client the private key is read with.
   * @default - one client for the process: the function's role, its region, bounded timeouts
   */
  readonly secretsManager?: SecretsManagerClient;
}

const SECRET_VARIABLE = 'CDN_PRIVATE_KEY_SECRET_ID';

// One read of the secret should answer in well under a second; a stuck one must not hold the
// request until the function times out.
const SECRETS_MANAGER_TIMEOUT_MS = 3_000;
const SECRETS_MANAGER_MAX_ATTEMPTS = 3;

let defaultClient: SecretsManagerClient | undefined;
const privateKeys = new Map<string, Promise<string>>();

function secretsManager(): SecretsManagerClient {
  defaultClient ??= new SecretsManagerClient({
    maxAttempts: SECRETS_MANAGER_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: SECRETS_MANAGER_TIMEOUT_MS,
      requestTimeout: SECRETS_MANAGER_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
  return defaultClient;
}

async function readPrivateKey(client: SecretsManagerClient, secretId: string): Promise<string> {
  let pem: string | undefined;
  try {
    ({ SecretString: pem } = await client.send(new GetSecretValueCommand({ SecretId: secretId })));
  } catch (error) {
    throw new ConfigurationError(
      SECRET_VARIABLE,
      `names the secret "${secretId}", which could not be read (${(error as Error).name}). ` +
        'Create it with the PEM of the CDN private key as its secret string (infra/README.md, ' +
        '"The CDN\'s signing key"), in the function\'s account and region, and deploy the ' +
        'stack so its role may secretsmanager:GetSecretValue on it.',
      { cause: error },
    );
  }
  // The key itself never goes into a message or a cause.
  let isRsa = false;
  try {
    isRsa = pem !== undefined && createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {}
  if (!isRsa) {
    throw new ConfigurationError(
      SECRET_VARIABLE,
      `names the secret "${secretId}", whose secret string is not an RSA private key in PEM. ` +
        'Put the whole file `openssl genrsa -out private_key.pem 2048` wrote in it, as text.',
    );
  }
  return pem as string;
}

/** `/<key>`, each segment of the key percent-encoded as CloudFront expects. */
export function cdnPath(key: string): string {
  return `/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** `https://<domain>/<key>`: the key's {@link cdnPath} on the distribution's domain. */
export function cdnUrl(domainName: string, key: string): string {
  return `https://${domainName}${cdnPath(key)}`;
}

/**
 * The signer of CloudFront URLs with a canned policy (the URL and its `Expires`) for `config`.
 * The private key is read from Secrets Manager once per secret and process (on the first
 * request after a cold start) and kept; a failed read is not kept, so the next request retries.
 * @throws ConfigurationError naming `CDN_PRIVATE_KEY_SECRET_ID` when the secret cannot be read
 *   or holds no RSA private key.
 */
export async function cdnUrlSigner(
  config: CdnConfig,
  options: CdnUrlSignerOptions = {},
): Promise<SignCdnUrl> {
  const secretId = config.privateKeySecretId;
  let read = privateKeys.get(secretId);
  if (read === undefined) {
    read = readPrivateKey(options.secretsManager ?? secretsManager(), secretId);
    privateKeys.set(secretId, read);
    read.catch(() => {
      if (privateKeys.get(secretId) === read) privateKeys.delete(secretId);
    });
  }
  const privateKey = await read;
  return (key, expiresAt) =>
    getSignedUrl({
      url: cdnUrl(config.domainName, key),
      keyPairId: config.keyPairId,
      privateKey,
      dateLessThan: expiresAt,
    });
}

/**
 * The CloudFront signer when the `CDN_*` variables are set, else `undefined`: started now, so
 * that after a cold start its key is read from Secrets Manager beside the route's S3 work, and
 * awaited when the URLs are signed. A rejection is caught here too, so that a request that
 * fails before awaiting it leaves no unhandled rejection behind.
 * @throws ConfigurationError when the `CDN_*` variables are set wrongly.
 */
export function startCdnUrlSigner(): Promise<SignCdnUrl> | undefined {
  const cdn = loadCdnConfig();
  const signer = cdn ? cdnUrlSigner(cdn) : undefined;
  signer?.catch(() => {});
  return signer;
}

/**
 * When download URLs signed now are signed and expire, in whole seconds: S3's X-Amz-Date and
 * CloudFront's Expires have none, so `expiresAt` is exactly when either URL stops working.
 */
export function downloadUrlTimes(): { readonly signingDate: Date; readonly expiry: Date } {
  const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const expiry = new Date(signingDate.getTime() + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS * 1000);
  return { signingDate, expiry };
}
