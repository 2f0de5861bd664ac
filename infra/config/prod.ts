import type { EnvironmentSettings } from '../lib/types/config.ts';

/**
 * `AutoBio-prod`: the bucket and its logs outlive the stack. Its origins, JWT issuer and
 * audience, illustration-gen URL and principal come from the deploy's context.
 */
export const prod = {
  removal: 'retain',
  terminationProtection: true,
  noncurrentVersionExpirationDays: 90,
  noncurrentVersionsToRetain: 5,
  accessLogRetentionDays: 365,
  corsOrigins: [],
  apiLogRetentionDays: 90,
} satisfies EnvironmentSettings;
