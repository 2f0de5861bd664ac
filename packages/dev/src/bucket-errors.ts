import { S3StorageError } from '@autobio/s3-storage';
import { DevStartError } from './errors.ts';

/** S3 codes of keys that exist but were refused: expired, revoked or mistyped. */
const REFUSED_KEY_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
]);

const EMBEDDED_INSTEAD = 'or unset S3_BUCKET_NAME to run on the embedded S3.';

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 6; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

/**
 * One line with the fix for what stopped `pnpm dev` from using a real bucket (S3_BUCKET_NAME):
 * no credentials, refused credentials, no network, or what the storage package named (no such
 * bucket, wrong region, access denied). The raw SDK error stays the cause; no key or secret is
 * in the message.
 * @returns `undefined` for errors that are not about reaching the bucket.
 */
export function bucketStartError(error: unknown, bucket: string): DevStartError | undefined {
  const chain = causes(error);
  const named = (name: string) => chain.some((e) => (e as { name?: unknown }).name === name);
  if (named('CredentialsProviderError')) {
    return new DevStartError(
      `No AWS credentials were found for the bucket ${bucket}: set BACKEND_AWS_KEY and ` +
        'BACKEND_AWS_SECRET in .env.local, sign in (aws sso login, or AWS_PROFILE=<profile>), ' +
        EMBEDDED_INSTEAD,
      { cause: error },
    );
  }
  if (!(error instanceof S3StorageError)) return undefined;
  const s3Code = (error as { s3Code?: unknown }).s3Code;
  if (typeof s3Code === 'string' && REFUSED_KEY_CODES.has(s3Code)) {
    return new DevStartError(
      `S3 refused the credentials for the bucket ${bucket} (${s3Code}): refresh them (aws sso login), ` +
        `fix BACKEND_AWS_KEY and BACKEND_AWS_SECRET in .env.local, ${EMBEDDED_INSTEAD}`,
      { cause: error },
    );
  }
  if (error.code === 'Network' || error.code === 'Timeout') {
    const root = chain.at(-1) as { message?: unknown } | undefined;
    const detail = typeof root?.message === 'string' ? root.message : error.code;
    return new DevStartError(
      `S3 cannot be reached for the bucket ${bucket} (${detail}): check the network, and ` +
        `S3_ENDPOINT if you set it, ${EMBEDDED_INSTEAD}`,
      { cause: error },
    );
  }
  if (error.code === 'ConfigurationError') return undefined;
  return new DevStartError(
    `The bucket ${bucket} cannot be used: ${error.message} Or ${EMBEDDED_INSTEAD.slice(3)}`,
    {
      cause: error,
    },
  );
}

/**
 * One line with the fix when the embedded S3 pnpm dev just started cannot be reached at the
 * endpoint the handlers sign for: with --host or --public-host, that name must lead back to
 * this machine.
 * @returns `undefined` for errors that are not about reaching it.
 */
export function embeddedStartError(error: unknown, endpoint: string): DevStartError | undefined {
  if (
    !(error instanceof S3StorageError) ||
    (error.code !== 'Network' && error.code !== 'Timeout')
  ) {
    return undefined;
  }
  const root = causes(error).at(-1) as { message?: unknown } | undefined;
  const detail = typeof root?.message === 'string' ? root.message : error.code;
  return new DevStartError(
    `The embedded S3 cannot be reached at ${endpoint} (${detail}), the endpoint presigned URLs are ` +
      'signed for: its host must name this machine. Pass --public-host with a name or address of ' +
      'this machine that the browser reaches too, or leave out --host and --public-host.',
    { cause: error },
  );
}
