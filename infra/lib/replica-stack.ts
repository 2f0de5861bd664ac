import { DEFAULT_PREFIXES, DELETION_MARKER_EXPIRY_DAYS } from '@autobio/s3-storage';
import { Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, BucketNamespace } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { replaceAutoDeleteManagedPolicy } from './auto-delete-provider.ts';
import { ACCESS_LOG_PREFIXES, PROJECT_TAG } from './constants.ts';
import { LogBucket } from './log-bucket.ts';
import { acknowledgeGuardRule } from './nag.ts';
import { bucketRemovalProps, secureBucketProps } from './secure-bucket.ts';
import type { BucketRemoval, EnvironmentName } from './types/config.ts';

/**
 * The name S3 gives a bucket in the account-regional namespace:
 * `<prefix>-<account>-<region>-an`. Known before deployment, so another stack (in another
 * region) can refer to the bucket without a cross-region reference.
 */
export function accountRegionalBucketName(prefix: string, account: string, region: string): string {
  return `${prefix}-${account}-${region}-an`;
}

/** Props of {@link ReplicaStack}. */
export interface ReplicaStackProps extends StackProps {
  /** The environment the replica belongs to. */
  readonly environmentName: EnvironmentName;
  /** Name prefix of the replica bucket in the account-regional namespace. */
  readonly bucketNamePrefix: string;
  /** What happens to the replica and its log bucket on stack deletion. */
  readonly removal: BucketRemoval;
  /** Days a noncurrent version is kept in the replica. */
  readonly noncurrentVersionExpirationDays: number;
  /** Newest noncurrent versions kept in the replica whatever their age. */
  readonly noncurrentVersionsToRetain: number;
  /** Days the replica's log bucket keeps access logs. */
  readonly accessLogRetentionDays: number;
  /** The key prefix of pending-deletion markers, which replication copies. @default 'deletions/' */
  readonly deletionsPrefix?: string;
}

/**
 * The destination of cross-region replication, in the replica region: a versioned bucket with
 * the same protections as the main one and its own access-log bucket (S3 delivers access logs
 * within a region only). Deploys before the main stack, which replicates into it.
 */
export class ReplicaStack extends Stack {
  public readonly bucket: Bucket;
  /** The replica's name, computable from the main stack too. */
  public readonly replicaBucketName: string;

  public constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    const logs = new LogBucket(this, 'AccessLogs', {
      retentionDays: props.accessLogRetentionDays,
      removal: props.removal,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps(),
      ...bucketRemovalProps(props.removal),
      bucketNamespace: BucketNamespace.ACCOUNT_REGIONAL,
      bucketNamePrefix: props.bucketNamePrefix,
      versioned: true,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIXES.replicaBucket,
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
          noncurrentVersionsToRetain: props.noncurrentVersionsToRetain,
          expiredObjectDeleteMarker: true,
        },
        // The sweep deletes each marker's copy here too; this is the backstop, as in the source.
        {
          id: 'expire-deletion-markers',
          prefix: props.deletionsPrefix ?? DEFAULT_PREFIXES.deletions,
          expiration: Duration.days(DELETION_MARKER_EXPIRY_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.10',
      'SSE-S3 like its source bucket: replicating SSE-KMS objects would need KMS grants for the ' +
        'replication role in both regions, for no reader that IAM does not already limit.',
    );
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.4',
      "Nothing consumes the replica's object events: it is a copy kept for recovery.",
    );
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.9',
      "The replica follows the source's deletions of users' data (delete markers replicate, " +
        'noncurrent versions expire); Object Lock would keep what a user asked to erase.',
    );
    this.replicaBucketName = accountRegionalBucketName(
      props.bucketNamePrefix,
      this.account,
      this.region,
    );
    Tags.of(this).add('project', PROJECT_TAG);
    Tags.of(this).add('environment', props.environmentName);
    replaceAutoDeleteManagedPolicy(this, RetentionDays.ONE_WEEK);
  }
}
