import type { EnvironmentSettings } from '../lib/types/config.ts';

/**
 * `AutoBio-local`: the bucket developers reach from their machines with `BACKEND_AWS_KEY` (the
 * spec's local setup) when `pnpm dev` points at real S3. Deleted with its stack.
 */
export const local = {
  removal: 'destroy',
  terminationProtection: false,
  noncurrentVersionExpirationDays: 7,
  noncurrentVersionsToRetain: 1,
  accessLogRetentionDays: 14,
  corsOrigins: ['http://localhost:5173', 'http://localhost:3000'],
  apiLogRetentionDays: 7,
  // Copies stubs even when an illustration-gen URL is given, so no GPU is needed.
  illustrationGenMode: 'stub',
} satisfies EnvironmentSettings;
