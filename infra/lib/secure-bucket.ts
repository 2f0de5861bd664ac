import { RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockedEncryptionType,
  BlockPublicAccess,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { MINIMUM_TLS_VERSION } from './constants.ts';
import type { BucketRemoval } from './types/config.ts';

/**
 * The baseline of every bucket in the app: SSE-S3 encryption at rest (server access logs can
 * only be delivered to SSE-S3 buckets, and presigned uploads need no KMS grants), SSE-C blocked,
 * all public access blocked, HTTPS with TLS 1.2 or later only, ACLs disabled.
 */
export function secureBucketProps(): BucketProps {
  return {
    encryption: BucketEncryption.S3_MANAGED,
    blockedEncryptionTypes: [BlockedEncryptionType.SSE_C],
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: MINIMUM_TLS_VERSION,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  };
}

/**
 * Removal settings: `retain` keeps the bucket and its objects when the stack is deleted;
 * `destroy` deletes the bucket with every object version in it.
 */
export function bucketRemovalProps(
  removal: BucketRemoval,
): Pick<BucketProps, 'removalPolicy' | 'autoDeleteObjects'> {
  return removal === 'destroy'
    ? { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }
    : { removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: false };
}
