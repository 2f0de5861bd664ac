import { S3Client, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { SmithyResolvedConfiguration } from '@smithy/core/client';
import type { Command, HttpHandlerOptions } from '@smithy/types';
import {
  DEFAULT_ALLOWED_CONTENT_TYPES,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_READ_SIZE_BYTES,
  DEFAULT_MAX_UPLOAD_SIZE_BYTES,
  DEFAULT_PREFIXES,
  DEFAULT_REGION,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_READ_SIZE_LIMIT_BYTES,
} from './constants.ts';
import { callDeadlineMs, retryStrategyFor, withDeadline } from './deadline.ts';
import {
  detectRuntime,
  getAwsClientConfig,
  loadConfigFromEnv,
  validateBucketName,
  validateRegion,
} from './env.ts';
import { InvalidArgumentError } from './errors.ts';
import { KeyLayout } from './key-layout.ts';
import { Presigner } from './presigner.ts';
import { translateS3Error } from './translate-error.ts';
import type { S3StorageConfig } from './types/config.ts';
import type { CallOptions, S3StorageOptions } from './types/storage.ts';

export const MAX_PAGE_SIZE = 1000;

/** Options of a storage that reads the environment on its first call, not when constructed. */
export const ON_FIRST_USE: S3StorageOptions = Object.freeze({});

type SendConfig = SmithyResolvedConfiguration<HttpHandlerOptions>;

/** What every operation of the storage client works with, built once per client. */
export interface StorageContext {
  readonly config: S3StorageConfig;
  readonly keys: KeyLayout;
  readonly client: S3Client;
  readonly presigner: Presigner;
  readonly allowedContentTypes: ReadonlySet<string>;
  readonly listPageSize: number;
  /** The longest any call may take, its retries and their backoff included. */
  readonly deadlineMs: number;
}

function completeConfig(partial: S3StorageOptions['config']): S3StorageConfig {
  if (partial === undefined) return loadConfigFromEnv();
  return {
    region: DEFAULT_REGION,
    prefixes: DEFAULT_PREFIXES,
    forcePathStyle: partial.endpoint !== undefined,
    useAccelerateEndpoint: false,
    runtime: detectRuntime(),
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    maxReadSizeBytes: DEFAULT_MAX_READ_SIZE_BYTES,
    maxUploadSizeBytes: DEFAULT_MAX_UPLOAD_SIZE_BYTES,
    ...partial,
  };
}

export function assertReadSize(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_READ_SIZE_LIMIT_BYTES) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number of bytes from 1 to ${MAX_READ_SIZE_LIMIT_BYTES} (256 MiB, ` +
        `the most a base64 string can hold with room to spare), got ${String(value)}. ` +
        'Read larger objects as a stream with getClient() instead.',
    );
  }
  return value;
}

export function assertPageSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(value)}.`,
    );
  }
  return value;
}

/** Validates the options (or reads the environment) and builds the SDK client and signer. */
export function createStorageContext(options: S3StorageOptions): StorageContext {
  const config = completeConfig(options.config);
  validateBucketName(config.bucketName);
  validateRegion(config.region);
  const client =
    options.client ??
    new S3Client({
      ...getAwsClientConfig(config.region, {
        config,
        ...(options.warn ? { warn: options.warn } : {}),
      }),
      retryStrategy: retryStrategyFor(config.maxAttempts),
    });
  const context: StorageContext = {
    config,
    keys: new KeyLayout(config.prefixes),
    client,
    presigner: new Presigner(client, config.bucketName),
    deadlineMs: callDeadlineMs(config.maxAttempts, config.requestTimeoutMs),
    allowedContentTypes: new Set(options.allowedContentTypes ?? DEFAULT_ALLOWED_CONTENT_TYPES),
    listPageSize: assertPageSize('listPageSize', options.listPageSize ?? MAX_PAGE_SIZE),
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
      throw translateS3Error(error, {
        bucket: config.bucketName,
        key,
        region: config.region,
        deadline: passed(),
      });
    }
  });
}
