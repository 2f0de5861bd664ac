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
import type { ConnectionContext } from './types/connection.ts';

/**
 * The storage package's client settings for `region`. With a `profile` of the shared AWS
 * config, the SDK's default provider chain takes its credentials from it, as `aws --profile`
 * does, and explicit keys are left out: the flag wins over BACKEND_AWS_KEY.
 */
export function storageClientConfig(
  config: S3StorageConfig,
  region: string,
  options: { readonly profile?: string; readonly warn?: (message: string) => void } = {},
): S3ClientConfig {
  const { profile, warn } = options;
  const base = getAwsClientConfig(region, {
    config: profile === undefined ? config : { ...config, credentials: undefined },
    warn,
  });
  return profile === undefined ? base : { ...base, profile };
}

export interface MigrationClientOptions {
  /** Connections per client: as many as the requests in flight, so none waits for a socket. */
  readonly maxSockets: number;
  /** Tries per request, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Where the settings came from (`--local`, `--profile`...). @default - the environment */
  readonly connection?: ConnectionContext;
}

/**
 * A migration's destination and client factory, from the environment's configuration. The
 * clients have the storage package's settings, a connection pool as large as the concurrency,
 * and the SDK's adaptive retry mode. It retries throttling, 5xx answers, timeouts and dropped
 * connections with backoff (longer after SlowDown), within a retry quota; and once S3
 * throttles, it also lowers the client's own request rate, so many copies in flight slow down
 * together instead of retrying into the same limit.
 */
export function createMigrationTarget(env: Environment, options: MigrationClientOptions) {
  const config = loadConfigFromEnv(env);
  const clients: S3Client[] = [];
  const clientForRegion = (region: string) => {
    const base = storageClientConfig(config, region, { profile: options.connection?.profile });
    const agent = { keepAlive: true, maxSockets: options.maxSockets };
    const client = new S3Client({
      ...base,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryMode: 'adaptive',
      requestHandler: {
        ...(base.requestHandler as Record<string, unknown>),
        httpAgent: agent,
        httpsAgent: agent,
      },
    });
    // S3 answers 409 ConditionalRequestConflict when a conditional write races another write of
    // the key, and asks for it to be sent again. The SDK does not know that code: mark it
    // retryable before the retry middleware, which wraps this one, sees it.
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
    clients.push(client);
    return client;
  };
  return {
    storage: createS3Storage({ config, client: clientForRegion(config.region) }),
    clientForRegion,
    endpoint: config.endpoint && redactUrl(config.endpoint),
    connection: options.connection,
    destroy() {
      for (const client of clients) client.destroy();
    },
  };
}
