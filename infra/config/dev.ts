import type { EnvironmentSettings } from '../lib/types/config.ts';

/** `AutoBio-dev`: the shared test environment. Deleted with its stack. */
export const dev = {
  removal: 'destroy',
  terminationProtection: false,
  noncurrentVersionExpirationDays: 30,
  noncurrentVersionsToRetain: 3,
  accessLogRetentionDays: 90,
  corsOrigins: ['http://localhost:5173'],
  apiLogRetentionDays: 30,
  // Copies stubs even when an illustration-gen URL is given, so no GPU is needed.
  illustrationGenMode: 'stub',
} satisfies EnvironmentSettings;
