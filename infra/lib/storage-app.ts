import { Annotations, type App } from 'aws-cdk-lib';
import {
  contextKey,
  type LoadAllEnvironmentConfigsOptions,
  loadAllEnvironmentConfigs,
  trustsWholeAccount,
} from './environment-config.ts';
import { applyNagPacks } from './nag.ts';
import { ReplicaStack } from './replica-stack.ts';
import { StorageStack } from './storage-stack.ts';
import type { EnvironmentConfig } from './types/config.ts';

/** The stacks of one environment. */
export interface EnvironmentStacks {
  readonly storage: StorageStack;
  /** The replica bucket's stack. @default - none unless replication is on */
  readonly replica?: ReplicaStack;
}

/**
 * Adds one environment's stacks to the app: `AutoBio-<env>`, and `AutoBio-<env>-replica` in the
 * replica region when replication is on (deployed first: `cdk deploy AutoBio-<env>` pulls it in).
 */
export function addEnvironmentStacks(app: App, config: EnvironmentConfig): EnvironmentStacks {
  let replica: ReplicaStack | undefined;
  if (config.replication) {
    replica = new ReplicaStack(app, `${config.stackName}-replica`, {
      stackName: `${config.stackName}-replica`,
      description: `AutoBio image storage (${config.name}): the cross-region replica bucket.`,
      env: { account: config.account, region: config.replication.region },
      terminationProtection: config.terminationProtection,
      environmentName: config.name,
      bucketNamePrefix: config.replication.bucketNamePrefix,
      removal: config.removal,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      noncurrentVersionsToRetain: config.noncurrentVersionsToRetain,
      accessLogRetentionDays: config.accessLogRetentionDays,
      deletionsPrefix: config.keyPrefixes.deletions,
    });
  }
  const storage = new StorageStack(app, config.stackName, { config });
  if (replica)
    storage.addStackDependency(
      replica,
      'S3 replicates into the replica bucket, which must exist first.',
    );
  // Prod refuses this trust (see loadEnvironmentConfig); local and dev may keep it.
  if (trustsWholeAccount(config)) {
    Annotations.of(storage.illustrationGen).addInfo(
      `The ${config.name} illustration-gen role trusts every principal of its account that IAM ` +
        `lets call sts:AssumeRole on it. Set ${contextKey(config.name, 'illustrationGenPrincipal')} ` +
        "to the service's role ARN to trust that role only.",
    );
  }
  return { storage, replica };
}

/** Options of {@link buildStorageApp}. */
export interface BuildStorageAppOptions {
  /**
   * The process environment, for `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`.
   * @default process.env
   */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** Run cdk-nag's AwsSolutions and Serverless packs at synth. @default true */
  readonly nag?: boolean;
  /**
   * Settings that replace an environment's file in `infra/config/`.
   * @default - the files in `infra/config/`
   */
  readonly settings?: LoadAllEnvironmentConfigsOptions['settings'];
}

/**
 * Builds every environment (local, dev, prod) from its settings in `infra/config/` and the
 * app's context, and registers the cdk-nag packs. Configuration errors throw `InfraConfigError` before any stack exists.
 */
export function buildStorageApp(
  app: App,
  options: BuildStorageAppOptions = {},
): Record<EnvironmentConfig['name'], EnvironmentStacks> {
  const configs = loadAllEnvironmentConfigs({
    context: app.node.getAllContext(),
    processEnv: options.processEnv,
    settings: options.settings,
  });
  const stacks = Object.fromEntries(
    configs.map((config) => [config.name, addEnvironmentStacks(app, config)]),
  ) as Record<EnvironmentConfig['name'], EnvironmentStacks>;
  if (options.nag ?? true) applyNagPacks(app);
  return stacks;
}
