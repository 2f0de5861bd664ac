import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GeneratedCdn, InfraConfigError, StorageBucket } from '../lib/index.ts';
import { arnWithSuffix, logicalIdOf, newApp } from './helpers/app.ts';
import { testCdnKeyPair } from './helpers/cdn-key.ts';

function fixture() {
  const app = newApp();
  return new Stack(app, 'Reuse', { env: { region: 'eu-west-1' } });
}

describe('StorageBucket on its own', () => {
  it('defaults to a retained, logged bucket with 90 days of noncurrent versions and no CORS', () => {
    const stack = fixture();
    const storage = new StorageBucket(stack, 'Storage');

    const bucket = Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, storage.bucket)];

    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.CorsConfiguration).toBeUndefined();
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalIdOf(stack, storage.logBucket!) },
      LogFilePrefix: 'storage-bucket/',
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules[1]).toEqual({
      Id: 'expire-noncurrent-versions',
      ExpiredObjectDeleteMarker: true,
      NoncurrentVersionExpiration: { NoncurrentDays: 90, NewerNoncurrentVersions: 3 },
      Status: 'Enabled',
    });
  });

  it('throws when given both a bucket name and a name prefix', () => {
    const stack = fixture();

    expect(
      () =>
        new StorageBucket(stack, 'Storage', {
          bucketName: 'autobio-images',
          bucketNamePrefix: 'autobio',
        }),
    ).toThrow(InfraConfigError);
  });
});

describe('GeneratedCdn on its own', () => {
  it('serves only the area it is given', () => {
    const stack = fixture();
    const storage = new StorageBucket(stack, 'Storage');
    const cdn = new GeneratedCdn(stack, 'Cdn', {
      storage,
      area: 'generated/memory',
      publicKeyPem: testCdnKeyPair().publicKeyPem,
    });

    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(stack, storage.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Resource: arnWithSuffix(logicalIdOf(stack, storage.bucket), '/generated/memory/*'),
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:aws:cloudfront::',
                      { Ref: 'AWS::AccountId' },
                      ':distribution/',
                      { Ref: logicalIdOf(stack, cdn.distribution) },
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });
});
