import {
  createS3Storage,
  type Environment,
  getAwsClientConfig,
  loadConfigFromEnv,
  type S3StorageConfig,
} from '@autobio/s3-storage';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { MigrationTarget } from './migrate.ts';

/**
 * The storage package's client settings, tuned for a migration: the SDK does not retry (the
 * migration retries each request itself, with backoff, and counts the tries), and the
 * connection pool is as large as the concurrency, so copies do not queue for sockets.
 */
export function migrationClientConfig(
  config: S3StorageConfig,
  region: string,
  maxSockets: number,
): S3ClientConfig {
  const base = getAwsClientConfig(region, { config: { ...config, maxAttempts: 1 } });
  const agent = { keepAlive: true, maxSockets };
  return {
    ...base,
    maxAttempts: 1,
    requestHandler: {
      ...(base.requestHandler as Record<string, unknown>),
      httpAgent: agent,
      httpsAgent: agent,
    },
  };
}

/** A migration's destination and client factory, from the environment's configuration. */
export function createMigrationTarget(
  env: Environment,
  maxSockets: number,
): MigrationTarget & { destroy(): void } {
  const config = loadConfigFromEnv(env);
  const clients: S3Client[] = [];
  const clientForRegion = (region: string) => {
    const client = new S3Client(migrationClientConfig(config, region, maxSockets));
    clients.push(client);
    return client;
  };
  const storage = createS3Storage({ config, client: clientForRegion(config.region) });
  return {
    storage,
    clientForRegion,
    destroy() {
      for (const client of clients) client.destroy();
    },
  };
}
