import { Duration } from 'aws-cdk-lib';
import { Bucket, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeRule } from './nag.ts';
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
}

/** A private, encrypted bucket that receives logs and expires them after a retention. */
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
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(props.retentionDays) },
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
    }
  }
}
