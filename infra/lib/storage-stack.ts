import { ROUTES, type RouteDefinition, TASKS } from '@autobio/functions';
import { KeyLayout } from '@autobio/s3-storage/key-layout';
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { replaceAutoDeleteManagedPolicy } from './auto-delete-provider.ts';
import { PROJECT_TAG, SSM_PARAMETER_NAMES, ssmParameterPath } from './constants.ts';
import type { DeletionTargets } from './deletion-targets.ts';
import { contextKey } from './environment-config.ts';
import { GeneratedCdn } from './generated-cdn.ts';
import { IllustrationGenRole } from './illustration-gen-role.ts';
import { accountRegionalBucketName } from './replica-stack.ts';
import { ScheduledTask } from './scheduled-task.ts';
import { pascalCase, StorageApi } from './storage-api.ts';
import { StorageBucket } from './storage-bucket.ts';
import type { EnvironmentConfig } from './types/config.ts';

/** Props of {@link StorageStack}. */
export interface StorageStackProps extends StackProps {
  /** The environment's validated configuration (see `loadEnvironmentConfig`). */
  readonly config: EnvironmentConfig;
  /** The API's routes, one function each. @default ROUTES of `@autobio/functions` */
  readonly routes?: readonly RouteDefinition[];
}

/**
 * One environment's storage: the bucket with its log bucket and rules, the illustration-gen
 * role, the opt-in enhancements, the SSM parameters and outputs external services read, and
 * the HTTP API whose functions (one per route of `@autobio/functions`) use the bucket.
 */
export class StorageStack extends Stack {
  /** The environment's configuration. */
  public readonly config: EnvironmentConfig;
  /** The key layout every rule and grant uses. */
  public readonly keyLayout: KeyLayout;
  /** The bucket, its log bucket and `grantArea`. */
  public readonly storage: StorageBucket;
  /** The role the illustration-gen service assumes. */
  public readonly illustrationGen: IllustrationGenRole;
  /** The web app origins allowed by the bucket's CORS rules (reuse them for the API's CORS). */
  public readonly corsOrigins: readonly string[];
  /** The CloudFront distribution for generated illustrations. @default - none unless `cdn` */
  public readonly cdn?: GeneratedCdn;
  /** The replica bucket in the replica region. @default - none unless `replication` */
  public readonly replicaBucket?: IBucket;
  /** The HTTP API and its functions. */
  public readonly api: StorageApi;
  /** The scheduled tasks of `@autobio/functions` (the deletion sweep), by task name. */
  public readonly tasks: Readonly<Record<string, ScheduledTask>>;

  public constructor(scope: Construct, id: string, props: StorageStackProps) {
    const { config } = props;
    super(scope, id, {
      stackName: config.stackName,
      description: `AutoBio image storage (${config.name}): the S3 bucket, its logs and roles, and its HTTP API.`,
      terminationProtection: config.terminationProtection,
      ...props,
      env: { account: config.account, region: config.region },
    });
    this.config = config;
    this.keyLayout = new KeyLayout(config.keyPrefixes);
    this.corsOrigins = config.corsOrigins;

    if (config.replication) {
      this.replicaBucket = Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
        bucketName: accountRegionalBucketName(
          config.replication.bucketNamePrefix,
          this.account,
          config.replication.region,
        ),
        region: config.replication.region,
      });
    }

    this.storage = new StorageBucket(this, 'Storage', {
      keyLayout: this.keyLayout,
      bucketName: config.bucketName,
      bucketNamePrefix: config.bucketName === undefined ? config.bucketNamePrefix : undefined,
      removal: config.removal,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      noncurrentVersionsToRetain: config.noncurrentVersionsToRetain,
      abortIncompleteMultipartUploadDays: config.abortIncompleteMultipartUploadDays,
      intelligentTieringTransitionDays: config.intelligentTieringTransitionDays,
      serverAccessLogs: config.serverAccessLogs,
      accessLogRetentionDays: config.accessLogRetentionDays,
      archiveTiers: config.archiveTiers,
      corsOrigins: config.corsOrigins,
      transferAcceleration: config.transferAcceleration,
      replicationDestination: this.replicaBucket,
    });

    this.illustrationGen = new IllustrationGenRole(this, 'IllustrationGen', {
      storage: this.storage,
      principal: config.illustrationGen.principal,
      externalId: config.illustrationGen.externalId,
    });

    if (config.cdn) {
      this.cdn = new GeneratedCdn(this, 'GeneratedCdn', {
        storage: this.storage,
        publicKeyPem: config.cdn.publicKeyPem,
        logRetentionDays: config.accessLogRetentionDays,
        removal: config.removal,
      });
    }

    const deletionTargets: DeletionTargets = {
      keyLayout: this.keyLayout,
      replicaBucket: this.replicaBucket,
      replicaRegion: config.replication?.region,
      distribution: this.cdn?.distribution,
    };
    const logRemovalPolicy =
      config.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const { api } = config;
    this.api = new StorageApi(this, 'Api', {
      storage: this.storage,
      routes: props.routes ?? ROUTES,
      apiName: `${config.stackName}-storage-api`,
      jwtIssuer: api.auth.issuer,
      jwtAudience: api.auth.audience,
      corsOrigins: config.corsOrigins,
      illustrationGen: api.illustrationGen,
      throttleRateLimit: api.throttleRateLimit,
      throttleBurstLimit: api.throttleBurstLimit,
      logRetention: api.logRetentionDays as RetentionDays,
      logRemovalPolicy,
      deletionTargets,
      cdn:
        this.cdn && config.cdn
          ? {
              domainName: this.cdn.distribution.distributionDomainName,
              keyPairId: this.cdn.publicKey.publicKeyId,
              privateKeySecretName: config.cdn.privateKeySecretName,
            }
          : undefined,
    });
    this.annotateApiSettings();
    this.tasks = Object.fromEntries(
      TASKS.map((task) => [
        task.name,
        new ScheduledTask(this, pascalCase(task.name), {
          task,
          storage: this.storage,
          logRetention: api.logRetentionDays as RetentionDays,
          logRemovalPolicy,
          ...deletionTargets,
        }),
      ]),
    );

    if (config.corsOrigins.length === 0) {
      Annotations.of(this).addWarningV2(
        'autobio:noCorsOrigins',
        `The ${config.name} bucket has no CORS rules, so browsers cannot upload to it with ` +
          `presigned URLs. Set ${contextKey(config.name, 'corsOrigins')} to the web app's origins ` +
          '(for example ["https://app.example.com"]).',
      );
    }

    this.publish();
    Tags.of(this).add('project', PROJECT_TAG);
    Tags.of(this).add('environment', config.name);
    replaceAutoDeleteManagedPolicy(
      this,
      config.removal === 'destroy' ? RetentionDays.ONE_WEEK : RetentionDays.ONE_MONTH,
    );
  }

  // Unset settings that leave the API unusable (fail closed) or serving stubs.
  private annotateApiSettings(): void {
    const { name, api } = this.config;
    if (api.auth.placeholder) {
      const message =
        `The ${name} API has no JWT issuer, so it refuses every request (401). Set ` +
        `${contextKey(name, 'jwtIssuer')} and ${contextKey(name, 'jwtAudience')} to the identity ` +
        'provider of the web app (for example a Cognito user pool and its app client id).';
      if (name === 'prod') Annotations.of(this.api).addWarningV2('autobio:noJwtIssuer', message);
      else Annotations.of(this.api).addInfo(message);
    }
    const { mode, modeSource } = api.illustrationGen;
    if (name === 'prod' && mode === 'stub' && modeSource === 'default') {
      Annotations.of(this.api).addWarningV2(
        'autobio:illustrationGenStub',
        `The ${name} API copies stub images instead of generating illustrations: set ` +
          `${contextKey(name, 'illustrationGenUrl')} to the illustration-gen service's URL ` +
          `(or set illustrationGenMode to "stub" in infra/config/${name}.ts to mean it).`,
      );
    }
  }

  // The spec's "External Services": the same bucket, region and role for everyone.
  private publish(): void {
    const path = ssmParameterPath(this.config.name);
    const published = [
      {
        id: 'BucketName',
        name: SSM_PARAMETER_NAMES.bucketName,
        value: this.storage.bucket.bucketName,
        description: 'S3_BUCKET_NAME: the one bucket of this environment.',
      },
      {
        id: 'BucketRegion',
        name: SSM_PARAMETER_NAMES.region,
        value: this.region,
        description: 'S3_CLIENT_REGION: the region of the bucket.',
      },
      {
        id: 'IllustrationGenRoleArn',
        name: SSM_PARAMETER_NAMES.illustrationGenRoleArn,
        value: this.illustrationGen.role.roleArn,
        description:
          'The role the illustration-gen service assumes to read subjects and write generated images.',
      },
    ];
    for (const { id, name, value, description } of published) {
      new StringParameter(this, `${id}Parameter`, {
        parameterName: `${path}/${name}`,
        stringValue: value,
        description,
      });
      new CfnOutput(this, id, { value, description });
    }
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'The storage HTTP API: send requests with Authorization: Bearer <JWT>.',
    });
    if (this.cdn) {
      new CfnOutput(this, 'CdnDomainName', {
        value: this.cdn.distribution.distributionDomainName,
        description:
          'CloudFront domain serving generated illustrations: https://<domain>/<key>, signed URLs only.',
      });
    }
    if (this.replicaBucket && this.config.replication) {
      new CfnOutput(this, 'ReplicaBucketName', {
        value: this.replicaBucket.bucketName,
        description: `The replica bucket, in ${this.config.replication.region}.`,
      });
    }
    if (this.config.transferAcceleration) {
      new CfnOutput(this, 'TransferAccelerationEndpoint', {
        value: `${this.storage.bucket.bucketName}.s3-accelerate.amazonaws.com`,
        description: 'Use with the SDK option useAccelerateEndpoint for uploads from far away.',
      });
    }
  }
}
