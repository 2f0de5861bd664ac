import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { arnWithSuffix, environmentStacks, logicalIdOf, storageTemplate } from './helpers/app.ts';
import { testCdnKeyPair } from './helpers/cdn-key.ts';

function bucketOf(stacks: ReturnType<typeof environmentStacks>) {
  const { storage } = stacks;
  const template = Template.fromStack(storage);
  const bucketId = logicalIdOf(storage, storage.storage.bucket);
  return { template, bucketId, properties: template.toJSON().Resources[bucketId].Properties };
}

describe('transfer acceleration', () => {
  it('is enabled on the bucket with its endpoint as an output when switched on', () => {
    const { template, bucketId, properties } = bucketOf(
      environmentStacks('prod', { 'autobio:prod:transferAcceleration': true }),
    );

    expect(properties.AccelerateConfiguration).toEqual({ AccelerationStatus: 'Enabled' });
    template.hasOutput('TransferAccelerationEndpoint', {
      Value: { 'Fn::Join': ['', [{ Ref: bucketId }, '.s3-accelerate.amazonaws.com']] },
    });
  });

  it('has every function use the accelerated endpoint when switched on, and none when off', () => {
    const functionsWith = (on: boolean) =>
      Object.values(
        Template.fromStack(
          environmentStacks('prod', { 'autobio:prod:transferAcceleration': on }).storage,
        ).findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { S3_BUCKET_NAME: Match.anyValue() } } },
        }),
      ).map((fn) => fn.Properties.Environment.Variables.S3_USE_ACCELERATE_ENDPOINT);

    // One per route, and the deletion sweep.
    expect(functionsWith(true)).toEqual(Array(8).fill('true'));
    expect(functionsWith(false)).toEqual(Array(8).fill(undefined));
  });

  it('is absent when switched off', () => {
    const { template, properties } = bucketOf(
      environmentStacks('prod', { 'autobio:prod:transferAcceleration': false }),
    );

    expect(properties.AccelerateConfiguration).toBeUndefined();
    expect(template.findOutputs('TransferAccelerationEndpoint')).toEqual({});
  });
});

describe('cross-region replication', () => {
  const stacks = environmentStacks('prod', { 'autobio:prod:replication': true });
  const { template, bucketId, properties } = bucketOf(stacks);
  const replicaName = {
    'Fn::Join': ['', ['autobio-prod-replica-', { Ref: 'AWS::AccountId' }, '-us-west-2-an']],
  };

  it('adds a replica stack in the replica region that deploys first', () => {
    expect(stacks.replica?.stackName).toBe('AutoBio-prod-replica');
    expect(stacks.replica?.region).toBe('us-west-2');
    expect(stacks.replica?.terminationProtection).toBe(true);
    expect(stacks.storage.dependencies).toContain(stacks.replica);
  });

  it('makes the replica a versioned, private, logged bucket in the account-regional namespace', () => {
    const replica = Template.fromStack(stacks.replica!);
    const replicaId = logicalIdOf(stacks.replica!, stacks.replica!.bucket);

    expect(replica.toJSON().Resources[replicaId]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        BucketNamespace: 'account-regional',
        BucketNamePrefix: 'autobio-prod-replica',
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { LogFilePrefix: 'replica-bucket/' },
      },
    });
    replica.resourceCountIs('AWS::S3::Bucket', 2);
    expect(stacks.storage.resolve(stacks.replica!.replicaBucketName)).toEqual(replicaName);
  });

  it('replicates every version and delete marker to the replica with its own role', () => {
    const roleId = logicalIdOf(stacks.storage, stacks.storage.storage.replicationRole!);

    expect(properties.ReplicationConfiguration).toEqual({
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Rules: [
        {
          Id: 'replicate-everything',
          Destination: {
            Bucket: {
              'Fn::Join': [
                '',
                ['arn:aws:s3:::autobio-prod-replica-', { Ref: 'AWS::AccountId' }, '-us-west-2-an'],
              ],
            },
          },
          Filter: { Prefix: '' },
          Priority: 1,
          DeleteMarkerReplication: { Status: 'Enabled' },
          Status: 'Enabled',
        },
      ],
    });
    template.hasOutput('ReplicaBucketName', { Value: replicaName });
  });

  it('gives the replication role only what S3 replication needs', () => {
    const roleId = logicalIdOf(stacks.storage, stacks.storage.storage.replicationRole!);
    const role = template.toJSON().Resources[roleId];
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );

    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
      },
    ]);
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
      },
      {
        Action: [
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionTagging',
        ],
        Effect: 'Allow',
        Resource: arnWithSuffix(bucketId, '/*'),
      },
      {
        Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:aws:s3:::autobio-prod-replica-', { Ref: 'AWS::AccountId' }, '-us-west-2-an/*'],
          ],
        },
      },
    ]);
  });

  it('is absent when switched off', () => {
    const off = environmentStacks('prod', { 'autobio:prod:replication': false });

    expect(off.replica).toBeUndefined();
    expect(bucketOf(off).properties.ReplicationConfiguration).toBeUndefined();
    expect(off.storage.storage.replicationRole).toBeUndefined();
  });
});

describe('the CloudFront distribution for generated illustrations', () => {
  const stacks = environmentStacks('prod', {
    'autobio:prod:cdn': true,
    'autobio:prod:cdnPublicKeyPem': testCdnKeyPair().publicKeyPem,
  });
  const { template, bucketId } = bucketOf(stacks);
  const cdn = stacks.storage.cdn!;
  const distributionId = logicalIdOf(stacks.storage, cdn.distribution);

  it('reads the bucket through origin access control, over HTTPS, with logging', () => {
    const oac = Object.keys(template.findResources('AWS::CloudFront::OriginAccessControl'));
    expect(oac).toHaveLength(1);

    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
            OriginAccessControlId: { 'Fn::GetAtt': [oac[0], 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        }),
        Logging: {
          Bucket: {
            'Fn::GetAtt': [logicalIdOf(stacks.storage, cdn.logBucket), 'RegionalDomainName'],
          },
          Prefix: 'cloudfront/',
        },
        PriceClass: 'PriceClass_100',
      }),
    });
    template.hasOutput('CdnDomainName', {
      Value: { 'Fn::GetAtt': [distributionId, 'DomainName'] },
    });
  });

  it('lets the distribution read generated keys only', () => {
    const bucketPolicy = Object.values(
      template.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: { Ref: bucketId } },
      }),
    )[0]!;
    const cloudfront = (
      bucketPolicy.Properties.PolicyDocument.Statement as { Principal?: unknown }[]
    ).filter((statement) => JSON.stringify(statement.Principal ?? '').includes('cloudfront'));

    expect(cloudfront).toEqual([
      {
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:aws:cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: arnWithSuffix(bucketId, '/generated/*'),
      },
    ]);
  });

  it('keeps CloudFront logs in their own ACL-enabled bucket, itself access-logged', () => {
    const logBucketId = logicalIdOf(stacks.storage, cdn.logBucket);
    const storageLogsId = logicalIdOf(stacks.storage, stacks.storage.storage.logBucket!);

    expect(template.toJSON().Resources[logBucketId].Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: storageLogsId },
        LogFilePrefix: 'cdn-log-bucket/',
      },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'expire-logs', ExpirationInDays: 365, Status: 'Enabled' },
          {
            Id: 'abort-incomplete-multipart-uploads',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
        ],
      },
    });
  });

  it('is absent when switched off', () => {
    const off = environmentStacks('prod', { 'autobio:prod:cdn': false });

    expect(off.storage.cdn).toBeUndefined();
    Template.fromStack(off.storage).resourceCountIs('AWS::CloudFront::Distribution', 0);
  });
});

describe('the intelligent-tiering archive tiers', () => {
  it('are configured per listed area when switched on', () => {
    const { properties } = bucketOf(
      environmentStacks('prod', {
        'autobio:prod:archiveAreas': ['subjects', 'generated/memory'],
        'autobio:prod:archiveAccessDays': 120,
        'autobio:prod:deepArchiveAccessDays': 365,
      }),
    );

    expect(properties.IntelligentTieringConfigurations).toEqual([
      {
        Id: 'archive-subjects',
        Prefix: 'subjects/',
        Status: 'Enabled',
        Tierings: [
          { AccessTier: 'ARCHIVE_ACCESS', Days: 120 },
          { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 365 },
        ],
      },
      {
        Id: 'archive-generated-memory',
        Prefix: 'generated/memory/',
        Status: 'Enabled',
        Tierings: [
          { AccessTier: 'ARCHIVE_ACCESS', Days: 120 },
          { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 365 },
        ],
      },
    ]);
  });

  it('are absent when no area is listed', () => {
    const { properties } = bucketOf(environmentStacks('prod', { 'autobio:prod:archiveAreas': [] }));

    expect(properties.IntelligentTieringConfigurations).toBeUndefined();
  });
});

describe('server access logs', () => {
  it('can be switched off, leaving no log bucket', () => {
    const stacks = environmentStacks('dev', { 'autobio:dev:serverAccessLogs': false });
    const { template, properties } = bucketOf(stacks);

    expect(properties.LoggingConfiguration).toBeUndefined();
    expect(stacks.storage.storage.logBucket).toBeUndefined();
    template.resourceCountIs('AWS::S3::Bucket', 1);
  });
});

describe('configuration that reaches the template', () => {
  it('uses an explicit bucket name in the global namespace', () => {
    const { properties } = bucketOf(
      environmentStacks('prod', { 'autobio:prod:bucketName': 'auto-bio-illustrations' }),
    );

    expect(properties.BucketName).toBe('auto-bio-illustrations');
    expect(properties.BucketNamespace).toBeUndefined();
    expect(properties.BucketNamePrefix).toBeUndefined();
  });

  it('filters lifecycle rules and grants with configured key prefixes', () => {
    const stacks = environmentStacks('dev', {
      'autobio:dev:subjectPrefix': 'people/',
      'autobio:dev:generatedPrefix': 'art/',
      'autobio:dev:stubsPrefix': 'samples/',
      'autobio:dev:deletionsPrefix': 'erasures/',
    });
    const { template, bucketId, properties } = bucketOf(stacks);
    const roleId = logicalIdOf(stacks.storage, stacks.storage.illustrationGen.role);

    expect(
      (properties.LifecycleConfiguration.Rules as { Prefix?: string }[]).map((rule) => rule.Prefix),
    ).toEqual([undefined, undefined, 'erasures/', 'people/', 'art/']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: [arnWithSuffix(bucketId, '/people/*'), arnWithSuffix(bucketId, '/samples/*')],
          },
          { Action: 's3:PutObject', Effect: 'Allow', Resource: arnWithSuffix(bucketId, '/art/*') },
        ],
      },
    });
  });

  it('pins the stack to the configured account and region', () => {
    const stacks = environmentStacks('prod', {
      'autobio:prod:account': '444455556666',
      'autobio:prod:region': 'eu-west-1',
    });

    expect([stacks.storage.account, stacks.storage.region]).toEqual(['444455556666', 'eu-west-1']);
  });

  it('stays account-agnostic with no account configured', () => {
    const stacks = environmentStacks('prod');

    expect(Stack.of(stacks.storage).resolve(stacks.storage.account)).toEqual({
      Ref: 'AWS::AccountId',
    });
  });
});

describe('the illustration-gen trust', () => {
  function trustOf(context: Record<string, unknown>) {
    const stacks = environmentStacks('dev', context);
    const roleId = logicalIdOf(stacks.storage, stacks.storage.illustrationGen.role);
    return Template.fromStack(stacks.storage).toJSON().Resources[roleId].Properties
      .AssumeRolePolicyDocument.Statement;
  }

  it('trusts another account', () => {
    expect(trustOf({ 'autobio:dev:illustrationGenPrincipal': '210987654321' })).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      },
    ]);
  });

  it('trusts one role, with an external id', () => {
    expect(
      trustOf({
        'autobio:dev:illustrationGenPrincipal': 'arn:aws:iam::210987654321:role/illustration-gen',
        'autobio:dev:illustrationGenExternalId': 'autobio-dev',
      }),
    ).toEqual([
      {
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'autobio-dev' } },
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::210987654321:role/illustration-gen' },
      },
    ]);
  });

  it('trusts an AWS service', () => {
    expect(trustOf({ 'autobio:dev:illustrationGenPrincipal': 'ecs-tasks.amazonaws.com' })).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
      },
    ]);
  });
});

it('synthesizes a storage template without the default region when one is given', () => {
  const template = storageTemplate('dev', {}, { CDK_DEFAULT_REGION: 'ap-southeast-2' });

  template.hasOutput('BucketRegion', { Value: 'ap-southeast-2' });
});
