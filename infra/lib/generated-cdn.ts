import { createHash } from 'node:crypto';
import type { StorageArea } from '@autobio/s3-storage';
import { Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  KeyGroup,
  type OriginBindConfig,
  type OriginBindOptions,
  PriceClass,
  PublicKey,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACCESS_LOG_PREFIXES, CDN_LOG_PREFIX } from './constants.ts';
import { LogBucket } from './log-bucket.ts';
import { acknowledgeGuardRule, acknowledgeRule } from './nag.ts';
import type { StorageBucket } from './storage-bucket.ts';
import type { BucketRemoval } from './types/config.ts';

/**
 * An S3 origin with origin access control whose bucket policy lets the distribution read one
 * key prefix only (the stock OAC origin grants the whole bucket).
 */
class PrefixOacOrigin extends S3BucketOrigin {
  private readonly originBucket: IBucket;
  private readonly objectsArn: string;

  public constructor(bucket: IBucket, objectsArn: string) {
    super(bucket);
    this.originBucket = bucket;
    this.objectsArn = objectsArn;
  }

  public override bind(scope: Construct, options: OriginBindOptions): OriginBindConfig {
    const oac = new S3OriginAccessControl(scope, 'S3OriginAccessControl', {
      signing: Signing.SIGV4_ALWAYS,
    });
    this.originBucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.objectsArn],
        conditions: {
          StringEquals: {
            'AWS:SourceArn': Stack.of(scope).formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: options.distributionId,
            }),
          },
        },
      }),
    );
    const config = super.bind(scope, options);
    if (config.originProperty === undefined) {
      throw new Error('S3BucketOrigin.bind returned no origin property; aws-cdk-lib changed.');
    }
    return {
      ...config,
      originProperty: {
        ...config.originProperty,
        originAccessControlId: oac.originAccessControlId,
      },
    };
  }
}

/** Props of {@link GeneratedCdn}. */
export interface GeneratedCdnProps {
  /** The bucket whose generated illustrations are served. */
  readonly storage: StorageBucket;
  /**
   * The PEM (`-----BEGIN PUBLIC KEY-----`) of the RSA 2048 public key of the signing key pair:
   * the key group's one key. A request without a URL signed by its private key answers 403.
   */
  readonly publicKeyPem: string;
  /** The part of the key layout served; everything else answers 403. @default 'generated' */
  readonly area?: StorageArea;
  /** Days the CDN log bucket keeps CloudFront logs. @default 365 */
  readonly logRetentionDays?: number;
  /** What happens to the CDN log bucket on stack deletion. @default 'retain' */
  readonly removal?: BucketRemoval;
  /** Edge locations used. @default PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: PriceClass;
}

/**
 * A CloudFront distribution in front of the generated illustrations, reading the bucket through
 * origin access control; the bucket stays private and only the area's keys are readable through
 * it, and only with a signed URL (the key group of `publicKeyPem`). URLs are
 * `https://<domain>/<generated prefix>...?Expires=...&Signature=...&Key-Pair-Id=<publicKeyId>`,
 * the key as path.
 */
export class GeneratedCdn extends Construct {
  public readonly distribution: Distribution;
  /** The signing key's public key; its `publicKeyId` is the URLs' `Key-Pair-Id`. */
  public readonly publicKey: PublicKey;
  /** The key group the distribution trusts: the public key alone. */
  public readonly keyGroup: KeyGroup;
  /** The bucket with CloudFront's standard logs (which need ACLs, unlike S3's access logs). */
  public readonly logBucket: IBucket;

  public constructor(scope: Construct, id: string, props: GeneratedCdnProps) {
    super(scope, id);
    const { storage } = props;
    const area = props.area ?? 'generated';
    this.logBucket = new LogBucket(this, 'Logs', {
      retentionDays: props.logRetentionDays ?? 365,
      removal: props.removal ?? 'retain',
      aclLogDelivery: true,
      serverAccessLogsBucket: storage.logBucket,
      serverAccessLogsPrefix: storage.logBucket ? ACCESS_LOG_PREFIXES.cdnLogBucket : undefined,
    }).bucket;
    const objectsArn = storage.bucket.arnForObjects(`${storage.keyLayout.areaPrefix(area)}*`);
    // CloudFront cannot change a public key's encoded key, so a new key is a new resource: its
    // id carries the key's fingerprint, and the key group moves to it in the same deploy.
    const fingerprint = createHash('sha256').update(props.publicKeyPem.trim()).digest('hex');
    this.publicKey = new PublicKey(this, `SigningKey${fingerprint.slice(0, 12)}`, {
      encodedKey: props.publicKeyPem.trim(),
      comment: `AutoBio ${area} signed URLs, key sha256:${fingerprint.slice(0, 12)}`,
    });
    this.keyGroup = new KeyGroup(this, 'KeyGroup', {
      items: [this.publicKey],
      comment: `The key that signs AutoBio ${area} URLs`,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `AutoBio ${area} illustrations`,
      defaultBehavior: {
        origin: new PrefixOacOrigin(storage.bucket, objectsArn),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        trustedKeyGroups: [this.keyGroup],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: CDN_LOG_PREFIX,
    });
    acknowledgeRule(
      this.distribution,
      'AwsSolutions-CFR1',
      'Illustrations are served to users wherever they are; there is no country to exclude.',
    );
    acknowledgeRule(
      this.distribution,
      'AwsSolutions-CFR2',
      'Read-only cached images behind OAC, served only with signed URLs, no application logic to ' +
        'protect; attach a WAF web ACL if abuse shows up in the CloudFront logs.',
    );
    acknowledgeRule(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront ' +
        'fixes; a custom domain with its own certificate (and TLSv1.2_2021) is a later addition.',
    );
    const defaultCertificate =
      'The distribution uses the default *.cloudfront.net certificate, whose TLS policy and SNI ' +
      'CloudFront fixes; a custom domain brings its own ACM certificate with SNI and ' +
      'TLSv1.2_2021 (as for AwsSolutions-CFR4).';
    for (const control of [
      'CT.CLOUDFRONT.PR.6',
      'CT.CLOUDFRONT.PR.7',
      'CT.CLOUDFRONT.PR.9',
    ] as const) {
      acknowledgeGuardRule(this.distribution, control, defaultCertificate);
    }
    acknowledgeGuardRule(
      this.distribution,
      'CT.CLOUDFRONT.PR.1',
      `Only keys under the ${area} area are served: a request for / answers 403, since the ` +
        'bucket policy lets CloudFront neither list the bucket nor read outside the area, so ' +
        'there is no root object to name.',
    );
    acknowledgeGuardRule(
      this.distribution,
      'CT.CLOUDFRONT.PR.4',
      'One S3 origin in one region, and images are cached at the edge; failing over to the ' +
        'replica (when replication is on) would need its bucket policy to admit the distribution ' +
        'too, a later addition.',
    );
  }
}
