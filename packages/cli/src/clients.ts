import {
  createS3Storage,
  type Environment,
  getAwsClientConfig,
  loadConfigFromEnv,
  type S3StorageConfig,
} from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DEFAULT_MAX_ATTEMPTS } from './constants.ts';
import type { MigrationTarget } from './migrate.ts';
import type { ConnectionContext } from './types/connection.ts';

/** Who the clients are, beyond the storage package's settings. */
export interface ClientIdentityOptions {
  /**
   * A profile of the shared AWS config: the SDK's default provider chain takes its credentials
   * from it (the client's `profile`), as `aws --profile` does.
   * @default - the storage package's credentials (BACKEND_AWS_KEY), else the default chain
   */
  readonly profile?: string;
}

/**
 * The storage package's client settings for `region`, with the credentials of `profile` when
 * one is given (explicit keys are then left out: the flag wins over BACKEND_AWS_KEY).
 */
export function storageClientConfig(
  config: S3StorageConfig,
  region: string,
  options: ClientIdentityOptions & { readonly warn?: (message: string) => void } = {},
): S3ClientConfig {
  const base = getAwsClientConfig(region, {
    config: options.profile === undefined ? config : { ...config, credentials: undefined },
    ...(options.warn ? { warn: options.warn } : {}),
  });
  return options.profile === undefined ? base : { ...base, profile: options.profile };
}

/** How a migration's clients send their requests. */
export interface MigrationClientOptions extends ClientIdentityOptions {
  /** Connections per client: as many as the requests in flight, so none waits for a socket. */
  readonly maxSockets: number;
  /** Tries per request, the first included. @default 5 */
  readonly maxAttempts?: number;
}

/**
 * The storage package's client settings, tuned for a migration: a connection pool as large as
 * the concurrency, and the SDK's adaptive retry mode. It retries throttling, 5xx answers,
 * timeouts and dropped connections with backoff (longer after SlowDown), within a retry quota;
 * and once S3 throttles, it also lowers the client's own request rate, so many copies in flight
 * slow down together instead of retrying into the same limit.
 */
export function migrationClientConfig(
  config: S3StorageConfig,
  region: string,
  options: MigrationClientOptions,
): S3ClientConfig {
  const base = storageClientConfig(config, region, options);
  const agent = { keepAlive: true, maxSockets: options.maxSockets };
  return {
    ...base,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    requestHandler: {
      ...(base.requestHandler as Record<string, unknown>),
      httpAgent: agent,
      httpsAgent: agent,
    },
  };
}

/**
 * S3 answers 409 ConditionalRequestConflict when a conditional write races another write of the
 * key, and asks for it to be sent again. The SDK does not know that code: mark it retryable
 * before the retry middleware, which wraps this one, sees it.
 */
function retryConditionalRequestConflicts(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as { name?: unknown })?.name === 'ConditionalRequestConflict') {
          Object.assign(error as object, { $retryable: {} });
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'retryConditionalRequestConflict' },
  );
}

/** A migration's destination and client factory, from the environment's configuration. */
export function createMigrationTarget(
  env: Environment,
  options: MigrationClientOptions & {
    /** Where the settings came from (`--local`...). @default - the environment */
    readonly connection?: ConnectionContext;
  },
): MigrationTarget & { destroy(): void } {
  const config = loadConfigFromEnv(env);
  const clients: S3Client[] = [];
  const clientOptions: MigrationClientOptions = {
    ...options,
    ...(options.connection?.profile ? { profile: options.connection.profile } : {}),
  };
  const clientForRegion = (region: string) => {
    const client = new S3Client(migrationClientConfig(config, region, clientOptions));
    retryConditionalRequestConflicts(client);
    clients.push(client);
    return client;
  };
  const storage = createS3Storage({ config, client: clientForRegion(config.region) });
  return {
    storage,
    clientForRegion,
    ...(config.endpoint ? { endpoint: redactUrl(config.endpoint) } : {}),
    ...(options.connection ? { connection: options.connection } : {}),
    destroy() {
      for (const client of clients) client.destroy();
    },
  };
}
