import { Duration } from 'aws-cdk-lib';
import { Bucket, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeRule } from './nag.ts';
import { bucketRemovalProps, secureBucketProps } from './secure-bucket.ts';
import type { BucketRemoval } from './types/config.ts';

/** Props of {@link LogBucket}. */
export interface LogBucketProps {
  /** Days a log object is kept before it expires. */
  readonly retentionDays: number;
  /** What happens to the bucket on stack deletion. @default 'retain' */
  readonly removal?: BucketRemoval;
  /**
   * Enable ACLs (bucket owner preferred), which CloudFront standard logging needs.
   * @default false - ACLs disabled; S3 server access logs arrive through the bucket policy
   */
  readonly aclLogDelivery?: boolean;
  /**
   * Where this bucket's own server access logs go.
   * @default - none: this bucket is a log destination itself
   */
  readonly serverAccessLogsBucket?: IBucket;
  /** Key prefix of this bucket's own access logs. @default - none */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Days a deleted or expired log object stays recoverable as a noncurrent version.
   * @default 7
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * A private, encrypted, versioned bucket that receives logs and expires them after a retention.
 * Versioning keeps a deleted log object recoverable for a few days (log keys are never
 * overwritten, so only deletions and expiry make noncurrent versions).
 */
export class LogBucket extends Construct {
  public readonly bucket: Bucket;

  public constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps(),
      ...bucketRemovalProps(props.removal ?? 'retain'),
      ...(props.aclLogDelivery ? { objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED } : {}),
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix,
      versioned: true,
      lifecycleRules: [
        // Expiry leaves a delete marker and a noncurrent version; S3 removes the marker itself
        // once that version has expired too (an expiration in days cleans up expired markers).
        {
          id: 'expire-logs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 7),
        },
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    if (props.serverAccessLogsBucket === undefined) {
      acknowledgeRule(
        this.bucket,
        'AwsSolutions-S1',
        'This bucket is the destination of the server access logs; logging it into itself would loop.',
      );
      acknowledgeGuardRule(
        this.bucket,
        'CT.S3.PR.2',
        'This bucket is the destination of the server access logs; logging it into itself would loop.',
      );
    }
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.10',
      'S3 delivers server access logs only to a bucket whose default encryption is SSE-S3; ' +
        'every log bucket keeps that one baseline.',
    );
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.4',
      'Log objects are read by people when needed; nothing reacts to their arrival.',
    );
    acknowledgeGuardRule(
      this.bucket,
      'CT.S3.PR.9',
      'Logs expire by lifecycle after their retention, and a throwaway environment deletes its ' +
        'log bucket with the stack; Object Lock would refuse both. Versioning keeps a deleted ' +
        'log object recoverable for noncurrentVersionExpirationDays instead.',
    );
  }
}
