import {
  assertKeySegment,
  ConfigurationError,
  type Environment,
  type S3StorageConfig,
  validateBucketName,
  validateRegion,
} from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import { readHttpUrl, readOptional, readWholeNumber } from '@autobio/s3-storage/settings';
import {
  DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
  DELETION_SWEEP_DELAY_MS,
  MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
} from './constants.ts';
import type { DeletionSettings } from './types/deletion.ts';
import type { IllustrationGenConfig, IllustrationGenMode } from './types/illustration-gen.ts';

const MODES: readonly IllustrationGenMode[] = ['stub', 'service'];

function readUrl(env: Environment, name: string): string | undefined {
  let url: URL | undefined;
  try {
    url = readHttpUrl(env, name, 'https://illustration-gen.internal/generate');
  } catch (error) {
    // Its message repeats the value, password and all, and the route handler logs it (with
    // its stack and causes): rebuilt from the redacted message, with no cause.
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(name, redactUrl(error.message.slice(`${name}: `.length)));
  }
  if (url?.username || url?.password) {
    // fetch refuses such URLs, and the URL appears in logs.
    throw new ConfigurationError(
      name,
      'must not contain a user name or password. Authorize the service by network or IAM instead.',
    );
  }
  return url?.href;
}

function readTimeout(env: Environment): number {
  return readWholeNumber(env, 'ILLUSTRATION_GEN_TIMEOUT_MS', DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS, {
    min: 1,
    max: MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
    hint: 'It counts milliseconds, and API Gateway answers within 30 s.',
  });
}

function readStubName(env: Environment): string | undefined {
  const name = readOptional(env, 'STUB_IMAGE_NAME');
  if (name === undefined) return undefined;
  try {
    assertKeySegment(name, 'stub name');
  } catch (error) {
    throw new ConfigurationError(
      'STUB_IMAGE_NAME',
      `${(error as Error).message} Use a file name under the stubs prefix, such as placeholder.png.`,
      { cause: error },
    );
  }
  return name;
}

/**
 * Reads how `POST /illustrations/{kind}` makes an illustration: the service (its URL and
 * timeout) or stub mode, the default when no URL is set.
 * @throws ConfigurationError naming the bad variable and the fix.
 */
export function loadIllustrationGenConfig(env: Environment = process.env): IllustrationGenConfig {
  const url = readUrl(env, 'ILLUSTRATION_GEN_URL');
  const rawMode = readOptional(env, 'ILLUSTRATION_GEN_MODE')?.toLowerCase();
  if (rawMode !== undefined && !(MODES as readonly string[]).includes(rawMode)) {
    throw new ConfigurationError(
      'ILLUSTRATION_GEN_MODE',
      `must be "stub" or "service", got "${env.ILLUSTRATION_GEN_MODE}".`,
    );
  }
  const mode = (rawMode as IllustrationGenMode | undefined) ?? (url ? 'service' : 'stub');
  if (mode === 'service' && url === undefined) {
    throw new ConfigurationError(
      'ILLUSTRATION_GEN_URL',
      'is not set, but ILLUSTRATION_GEN_MODE is "service". Set it to the illustration-gen ' +
        "service's URL, or set ILLUSTRATION_GEN_MODE=stub.",
    );
  }
  return { mode, url, timeoutMs: readTimeout(env), stubImageName: readStubName(env) };
}

/** The variables that turn CloudFront URLs on, with what each holds: all three or none. */
export const CDN_ENVIRONMENT_VARIABLES = {
  CDN_DOMAIN_NAME: {
    description: "The distribution's domain, such as d111111abcdef8.cloudfront.net.",
    default: '- none: download URLs are S3 presigned URLs',
  },
  CDN_KEY_PAIR_ID: {
    description: "The id of the CloudFront public key URLs are signed for (the key group's key).",
    default: '- none: required with CDN_DOMAIN_NAME',
  },
  CDN_PRIVATE_KEY_SECRET_ID: {
    description: 'The Secrets Manager secret (name or ARN) holding the private key, as PEM.',
    default: '- none: required with CDN_DOMAIN_NAME',
  },
} as const satisfies Record<string, { readonly description: string; readonly default: string }>;

/** Where CloudFront URLs point and how they are signed. */
export interface CdnConfig {
  /** The distribution's domain (a host name, no scheme). */
  readonly domainName: string;
  /** The CloudFront public key id, sent as `Key-Pair-Id`. */
  readonly keyPairId: string;
  /** The Secrets Manager secret id of the private key PEM. */
  readonly privateKeySecretId: string;
}

const CDN_EXAMPLES: Record<keyof typeof CDN_ENVIRONMENT_VARIABLES, string> = {
  CDN_DOMAIN_NAME: 'd111111abcdef8.cloudfront.net',
  CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
  CDN_PRIVATE_KEY_SECRET_ID: 'autobio/prod/cdn-private-key',
};

const CDN_CHECKS: Record<
  keyof typeof CDN_ENVIRONMENT_VARIABLES,
  { readonly pattern: RegExp; readonly mustBe: string }
> = {
  CDN_DOMAIN_NAME: {
    pattern: /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    mustBe: 'a host name alone, with no scheme, port or path',
  },
  CDN_KEY_PAIR_ID: {
    pattern: /^[A-Z0-9]{1,128}$/,
    mustBe: 'a CloudFront public key id (capital letters and digits)',
  },
  CDN_PRIVATE_KEY_SECRET_ID: {
    // Secrets Manager's characters for names, plus the colons of an ARN.
    pattern: /^[\w/+=.@:-]{1,2048}$/,
    mustBe: 'a Secrets Manager secret name or ARN',
  },
};

/**
 * Reads the CloudFront URL settings of the routes that serve generated illustrations:
 * `undefined` when none of the three variables is set (the routes answer S3 presigned URLs).
 * @throws ConfigurationError when only some are set, or one is malformed.
 */
export function loadCdnConfig(env: Environment = process.env): CdnConfig | undefined {
  const names = Object.keys(CDN_ENVIRONMENT_VARIABLES) as (keyof typeof CDN_EXAMPLES)[];
  const values = Object.fromEntries(names.map((name) => [name, readOptional(env, name)]));
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length === names.length) return undefined;
  const [unset] = missing;
  if (unset !== undefined) {
    throw new ConfigurationError(
      unset,
      `is not set, but ${names.filter((n) => !missing.includes(n)).join(' and ')} ` +
        `${missing.length === 2 ? 'is' : 'are'} set: CloudFront URLs need all of ` +
        `${names.join(', ')}. Set it, for example ${unset}=${CDN_EXAMPLES[unset]}, or unset ` +
        'them all to answer S3 presigned URLs.',
    );
  }
  for (const name of names) {
    const value = values[name] as string;
    if (!CDN_CHECKS[name].pattern.test(value)) {
      throw new ConfigurationError(
        name,
        `must be ${CDN_CHECKS[name].mustBe}, got "${value}". Use one such as ${CDN_EXAMPLES[name]}.`,
      );
    }
  }
  return {
    domainName: (values.CDN_DOMAIN_NAME as string).toLowerCase(),
    keyPairId: values.CDN_KEY_PAIR_ID as string,
    privateKeySecretId: values.CDN_PRIVATE_KEY_SECRET_ID as string,
  };
}

const DISTRIBUTION_ID = /^[A-Z0-9]{1,128}$/;

function readReplica(
  env: Environment,
  primary: Pick<S3StorageConfig, 'bucketName' | 'region'>,
): DeletionSettings['replica'] {
  const bucketName = readOptional(env, 'S3_REPLICA_BUCKET_NAME');
  const region = readOptional(env, 'S3_REPLICA_REGION');
  if (bucketName === undefined) {
    if (region === undefined) return undefined;
    throw new ConfigurationError(
      'S3_REPLICA_REGION',
      `is set to "${region}", but S3_REPLICA_BUCKET_NAME is not. Set the replica bucket too, ` +
        'or unset S3_REPLICA_REGION when there is no replica.',
    );
  }
  validateBucketName(bucketName, 'S3_REPLICA_BUCKET_NAME');
  if (bucketName === primary.bucketName) {
    throw new ConfigurationError(
      'S3_REPLICA_BUCKET_NAME',
      `is "${bucketName}", the bucket S3_BUCKET_NAME names. Set it to the replica bucket, or ` +
        'unset it when there is no replica.',
    );
  }
  return {
    bucketName,
    region: region === undefined ? primary.region : validateRegion(region, 'S3_REPLICA_REGION'),
  };
}

/**
 * Reads where account deletion deletes besides the primary bucket (a replica bucket, a CDN's
 * cache) and how long after `DELETE /me/data` its sweep runs.
 * @throws ConfigurationError naming the bad variable and the fix.
 */
export function loadDeletionSettings(
  primary: Pick<S3StorageConfig, 'bucketName' | 'region' | 'runtime'>,
  env: Environment = process.env,
): DeletionSettings {
  const replica = readReplica(env, primary);
  const cdnDistributionId = readOptional(env, 'CDN_DISTRIBUTION_ID');
  if (cdnDistributionId !== undefined && !DISTRIBUTION_ID.test(cdnDistributionId)) {
    throw new ConfigurationError(
      'CDN_DISTRIBUTION_ID',
      `must be a CloudFront distribution id (capital letters and digits), got "${cdnDistributionId}". ` +
        'Use one such as E2QWRUHAPOMQZL.',
    );
  }
  const fullDelaySeconds = DELETION_SWEEP_DELAY_MS / 1000;
  const delaySeconds = readWholeNumber(env, 'DELETION_SWEEP_DELAY_SECONDS', fullDelaySeconds, {
    min: 0,
    max: fullDelaySeconds,
    hint: 'It may only shorten the delay, for pnpm dev.',
  });
  // A shorter delay lets an upload URL issued before the deletion outlive its sweep: never in AWS.
  const ignored =
    primary.runtime === 'lambda' && delaySeconds !== fullDelaySeconds
      ? `DELETION_SWEEP_DELAY_SECONDS=${delaySeconds} is ignored in Lambda: the sweep runs ` +
        `${fullDelaySeconds} s after a deletion. Remove it from the function's environment.`
      : undefined;
  return {
    ...(replica ? { replica } : {}),
    ...(cdnDistributionId ? { cdnDistributionId } : {}),
    sweepDelayMs: ignored ? DELETION_SWEEP_DELAY_MS : delaySeconds * 1000,
    ...(ignored ? { ignored } : {}),
  };
}
