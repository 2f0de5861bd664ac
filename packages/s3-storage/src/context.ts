import { S3Client, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { SmithyResolvedConfiguration } from '@smithy/core/client';
import type { Command, HttpHandlerOptions } from '@smithy/types';
import { DEFAULT_ALLOWED_CONTENT_TYPES, MAX_READ_SIZE_LIMIT_BYTES } from './constants.ts';
import { callDeadlineMs, retryStrategyFor, withDeadline } from './deadline.ts';
import { completeConfig, getAwsClientConfig, loadConfigFromEnv } from './env.ts';
import { InvalidArgumentError } from './errors.ts';
import { KeyLayout } from './key-layout.ts';
import { translateS3Error } from './translate-error.ts';
import type { S3StorageConfig } from './types/config.ts';
import type { CallOptions, S3StorageOptions } from './types/storage.ts';

/** The most keys one ListObjectsV2 page holds. */
export const MAX_PAGE_SIZE = 1000;

/** Options of a storage that reads the environment on its first call, not when constructed. */
export const ON_FIRST_USE: S3StorageOptions = Object.freeze({});

type SendConfig = SmithyResolvedConfiguration<HttpHandlerOptions>;

/** What every operation of the storage client works with, built once per client. */
export interface StorageContext {
  readonly config: S3StorageConfig;
  readonly keys: KeyLayout;
  readonly client: S3Client;
  readonly allowedContentTypes: ReadonlySet<string>;
  readonly listPageSize: number;
  /** The longest any call may take, its retries and their backoff included. */
  readonly deadlineMs: number;
}

/**
 * `value`, when it is a whole number from 1 to `max`.
 * @throws InvalidArgumentError naming the argument, its range (counted in `unit`, ending at
 *   `max` for the reason `why`), the value given and what to do instead (`fix`).
 */
export function assertInRange(
  name: string,
  value: number,
  { max, unit, why, fix }: { max: number; unit?: string; why?: string; fix?: string },
): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    const range = `${unit ? ` of ${unit}` : ''} from 1 to ${max}${why ? ` (${why})` : ''}`;
    const advice = fix ? ` ${fix}` : '';
    const message = `${name} must be a whole number${range}, got ${String(value)}.${advice}`;
    throw new InvalidArgumentError(name, message);
  }
  return value;
}

/** A read limit: the base64 string of what is read must fit in one string. */
export function assertReadSize(name: string, value: number): number {
  return assertInRange(name, value, {
    max: MAX_READ_SIZE_LIMIT_BYTES,
    unit: 'bytes',
    why: '256 MiB, the most a base64 string can hold with room to spare',
    fix: 'Read larger objects as a stream with getClient() instead.',
  });
}

/** Validates the options (or reads the environment) and builds the SDK client. */
export function createStorageContext(options: S3StorageOptions): StorageContext {
  const config = options.config ? completeConfig(options.config) : loadConfigFromEnv();
  const client =
    options.client ??
    new S3Client({
      ...getAwsClientConfig(config.region, { config, warn: options.warn }),
      retryStrategy: retryStrategyFor(config.maxAttempts),
    });
  const pageSize = options.listPageSize ?? MAX_PAGE_SIZE;
  const context: StorageContext = {
    config,
    keys: new KeyLayout(config.prefixes),
    client,
    deadlineMs: callDeadlineMs(config.maxAttempts, config.requestTimeoutMs),
    allowedContentTypes: new Set(options.allowedContentTypes ?? DEFAULT_ALLOWED_CONTENT_TYPES),
    listPageSize: assertInRange('listPageSize', pageSize, { max: MAX_PAGE_SIZE }),
  };
  assertReadSize('maxReadSizeBytes', config.maxReadSizeBytes);
  return context;
}

/**
 * Sends one command under the call's deadline (and the caller's signal) and turns its failure
 * into the package's typed error.
 */
export function send<Input extends ServiceInputTypes, Output extends ServiceOutputTypes>(
  context: StorageContext,
  key: string | undefined,
  command: Command<ServiceInputTypes, Input, ServiceOutputTypes, Output, SendConfig>,
  options: CallOptions,
): Promise<Output> {
  const { client, config, deadlineMs } = context;
  return withDeadline(deadlineMs, options.abortSignal, async (abortSignal, passed) => {
    try {
      return await client.send(command, { abortSignal });
    } catch (error) {
      const { bucketName: bucket, region } = config;
      throw translateS3Error(error, { bucket, key, region, deadline: passed() });
    }
  });
}
