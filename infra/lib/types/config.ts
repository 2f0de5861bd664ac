import type { z } from 'zod';
import type { ENVIRONMENT_NAMES } from '../constants.ts';
import type { ContextSetting, SETTINGS, toEnvironmentConfig } from '../environment-config.ts';

/** One of the deployed environments. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * One environment's settings in code, `infra/config/<environment>.ts`: every setting of
 * `SETTINGS` (each documented there, with its range and default) but those a deploy passes as
 * context, `autobio:<environment>:<setting>`. Context's `corsOrigins` replaces the file's.
 */
export type EnvironmentSettings = Omit<
  z.input<typeof SETTINGS>,
  Exclude<ContextSetting, 'corsOrigins'>
>;

/** What happens to the buckets when the stack is deleted. */
export type BucketRemoval = EnvironmentSettings['removal'];

/** How `POST /illustrations/{kind}` makes an illustration: a stub's copy, or the service's. */
export type IllustrationGenMode = NonNullable<EnvironmentSettings['illustrationGenMode']>;

/**
 * Who may assume the illustration-gen role: the IAM principals of the stack's own account that
 * are allowed `sts:AssumeRole`, another account (which delegates further), exactly one role, or
 * an AWS service principal such as `ecs-tasks.amazonaws.com`.
 */
export type IllustrationGenPrincipal = EnvironmentConfig['illustrationGen']['principal'];

/**
 * Everything that differs between environments, validated: what the stacks are built from. Each
 * field is documented where it is made, in `toEnvironmentConfig`.
 */
export type EnvironmentConfig = Readonly<ReturnType<typeof toEnvironmentConfig>>;

/** The Intelligent-Tiering archive tiers; archived objects cannot be read until restored. */
export type ArchiveTiersConfig = NonNullable<EnvironmentConfig['archiveTiers']>;
