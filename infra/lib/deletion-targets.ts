import type { CdnInvalidationUse, ReplicaUse } from '@autobio/functions';
import type { KeyLayout } from '@autobio/s3-storage/key-layout';
import { Stack } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { grantAreaAccess } from './area-access.ts';
import type { StorageFunction } from './storage-function.ts';

/** Where a deletion reaches beyond the primary bucket, when the environment has them. */
export interface DeletionTargets {
  /** The key layout, the same in the replica as in the primary bucket. */
  readonly keyLayout: KeyLayout;
  /** The replica bucket. @default - no replication: the primary bucket only */
  readonly replicaBucket?: IBucket;
  /** The replica's region; required with `replicaBucket`. @default - none */
  readonly replicaRegion?: string;
  /** The CDN whose cache a deletion invalidates. @default - no CDN */
  readonly distribution?: IDistribution;
}

/** What a route or task of `@autobio/functions` asks for beyond the primary bucket. */
export interface DeletionUse {
  readonly replica?: ReplicaUse;
  readonly cdnInvalidation?: CdnInvalidationUse;
}

/**
 * Gives a function the replica and CDN parts of its route's or task's needs, from the table:
 * exactly the listed actions, by area, on the replica bucket, with `S3_REPLICA_BUCKET_NAME` and
 * `S3_REPLICA_REGION`; exactly the listed CloudFront actions on the one distribution, with
 * `CDN_DISTRIBUTION_ID`. A need the environment has no target for is given nothing.
 */
export function bindDeletionTargets(
  fn: StorageFunction,
  use: DeletionUse,
  targets: DeletionTargets,
): void {
  if (use.replica && targets.replicaBucket && targets.replicaRegion) {
    for (const grant of use.replica.storage) {
      grantAreaAccess(fn.role, targets.replicaBucket, grant.area, grant.actions, {
        layout: targets.keyLayout,
      });
    }
    fn.addEnvironment('S3_REPLICA_BUCKET_NAME', targets.replicaBucket.bucketName);
    fn.addEnvironment('S3_REPLICA_REGION', targets.replicaRegion);
  }
  if (use.cdnInvalidation && targets.distribution) {
    const { distributionId } = targets.distribution;
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...use.cdnInvalidation.actions],
        // CloudFront is global: its ARNs name no region.
        resources: [
          Stack.of(fn).formatArn({
            service: 'cloudfront',
            region: '',
            resource: 'distribution',
            resourceName: distributionId,
          }),
        ],
      }),
    );
    fn.addEnvironment('CDN_DISTRIBUTION_ID', distributionId);
  }
}
