import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_DEFAULTS, ENVIRONMENT_NAMES, type EnvironmentName } from '../lib/index.ts';
import { arnWithSuffix, CDK_JSON_CONTEXT, environmentStacks, logicalIdOf } from './helpers/app.ts';

// One synth per environment, shared by the assertions below.
const built = Object.fromEntries(
  ENVIRONMENT_NAMES.map((name) => {
    const stacks = environmentStacks(name);
    return [name, { ...stacks, template: Template.fromStack(stacks.storage) }];
  }),
) as Record<EnvironmentName, ReturnType<typeof environmentStacks> & { template: Template }>;

function ids(name: EnvironmentName) {
  const { storage } = built[name];
  return {
    bucket: logicalIdOf(storage, storage.storage.bucket),
    logBucket: logicalIdOf(storage, storage.storage.logBucket!),
    role: logicalIdOf(storage, storage.illustrationGen.role),
  };
}

function bucketProperties(name: EnvironmentName): Record<string, unknown> {
  return built[name].template.toJSON().Resources[ids(name).bucket].Properties;
}

describe.each(ENVIRONMENT_NAMES)('the %s stack', (name) => {
  const { template, storage } = built[name];
  const defaults = ENVIRONMENT_DEFAULTS[name];

  it('is named for cdk deploy and deployed to the default region', () => {
    expect(storage.stackName).toBe(`AutoBio-${name}`);
    expect(storage.region).toBe('us-east-1');
    expect(storage.terminationProtection).toBe(name === 'prod');
  });

  it('has one storage bucket and one log bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  it('names the bucket in the account-regional namespace', () => {
    expect(bucketProperties(name)).toMatchObject({
      BucketNamespace: 'account-regional',
      BucketNamePrefix: `autobio-illustrations-${name}`,
    });
  });

  it('versions the bucket, blocks public access, encrypts and enforces the owner', () => {
    expect(bucketProperties(name)).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          },
        ],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies requests without TLS, or with TLS older than 1.2', () => {
    const resources = [
      { 'Fn::GetAtt': [ids(name).bucket, 'Arn'] },
      arnWithSuffix(ids(name).bucket, '/*'),
    ];
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids(name).bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: resources,
          },
          {
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: resources,
          },
        ]),
      },
    });
  });

  it('writes server access logs to the log bucket', () => {
    expect(bucketProperties(name).LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: ids(name).logBucket },
      LogFilePrefix: 'storage-bucket/',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids(name).logBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:PutObject',
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids(name).bucket, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Resource: arnWithSuffix(ids(name).logBucket, '/storage-bucket/*'),
          },
        ]),
      },
    });
  });

  it('expires access logs after the environment retention', () => {
    const logBucket = template.toJSON().Resources[ids(name).logBucket];

    expect(logBucket.Properties).toMatchObject({
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-logs',
            ExpirationInDays: defaults.accessLogRetentionDays,
            Status: 'Enabled',
          },
          {
            Id: 'abort-incomplete-multipart-uploads',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
        ],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(logBucket.Properties.LoggingConfiguration).toBeUndefined();
  });

  it('has the lifecycle rules of the issue, filtered by the key layout', () => {
    expect(bucketProperties(name).LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'abort-incomplete-multipart-uploads',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
          Status: 'Enabled',
        },
        {
          Id: 'expire-noncurrent-versions',
          ExpiredObjectDeleteMarker: true,
          NoncurrentVersionExpiration: {
            NoncurrentDays: defaults.noncurrentVersionExpirationDays,
            NewerNoncurrentVersions: defaults.noncurrentVersionsToRetain,
          },
          Status: 'Enabled',
        },
        {
          Id: 'expire-deletion-markers',
          Prefix: 'deletions/',
          ExpirationInDays: 30,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        },
        {
          Id: 'intelligent-tiering-subjects',
          Prefix: 'subjects/',
          ObjectSizeGreaterThan: 131071,
          Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
          Status: 'Enabled',
        },
        {
          Id: 'intelligent-tiering-generated',
          Prefix: 'generated/',
          ObjectSizeGreaterThan: 131071,
          Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
          Status: 'Enabled',
        },
      ],
      TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
    });
  });

  it('has no archive tiers, acceleration, replication or CDN unless switched on', () => {
    const properties = bucketProperties(name);

    expect(properties.IntelligentTieringConfigurations).toBeUndefined();
    expect(properties.AccelerateConfiguration).toBeUndefined();
    expect(properties.ReplicationConfiguration).toBeUndefined();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });

  it('allows browser uploads from the environment origins only', () => {
    const cors = bucketProperties(name).CorsConfiguration;

    if (defaults.corsOrigins.length === 0) {
      expect(cors).toBeUndefined();
    } else {
      expect(cors).toEqual({
        CorsRules: [
          {
            AllowedOrigins: defaults.corsOrigins,
            AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
            AllowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
            ExposedHeaders: ['ETag'],
            MaxAge: 3000,
          },
        ],
      });
    }
  });

  it(`${defaults.removal === 'retain' ? 'retains' : 'destroys'} the buckets on stack deletion`, () => {
    const policy = defaults.removal === 'retain' ? 'Retain' : 'Delete';
    for (const id of [ids(name).bucket, ids(name).logBucket]) {
      expect(template.toJSON().Resources[id]).toMatchObject({
        DeletionPolicy: policy,
        UpdateReplacePolicy: policy,
      });
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', defaults.removal === 'destroy' ? 2 : 0);
  });

  it('uses no AWS managed policy in any role', () => {
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      expect({ id, managed: role.Properties.ManagedPolicyArns }).toEqual({
        id,
        managed: undefined,
      });
    }
  });

  it('lets the illustration-gen role read subjects and stubs and write generated, nothing else', () => {
    const role = template.toJSON().Resources[ids(name).role];
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: ids(name).role }] },
      }),
    );

    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        // Prod must name its principal; cdk.json names an example role so that synth runs.
        Principal: {
          AWS:
            name === 'prod'
              ? CDK_JSON_CONTEXT['autobio:prod:illustrationGenPrincipal']
              : { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] },
        },
      },
    ]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: [
            arnWithSuffix(ids(name).bucket, '/stubs/*'),
            arnWithSuffix(ids(name).bucket, '/subjects/*'),
          ],
        },
        {
          Action: 's3:PutObject',
          Effect: 'Allow',
          Resource: arnWithSuffix(ids(name).bucket, '/generated/*'),
        },
      ],
    });
  });

  it('publishes bucket name, region and role ARN in SSM and as outputs', () => {
    const published = {
      'bucket-name': { Ref: ids(name).bucket },
      region: 'us-east-1',
      'illustration-gen-role-arn': { 'Fn::GetAtt': [ids(name).role, 'Arn'] },
    };
    for (const [parameter, value] of Object.entries(published)) {
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/autobio/${name}/storage/${parameter}`,
        Type: 'String',
        Value: value,
      });
    }
    template.hasOutput('BucketName', { Value: published['bucket-name'] });
    template.hasOutput('BucketRegion', { Value: 'us-east-1' });
    template.hasOutput('IllustrationGenRoleArn', { Value: published['illustration-gen-role-arn'] });
  });

  it('tags every bucket with the project and environment', () => {
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'environment', Value: name },
          { Key: 'project', Value: 'autobio' },
        ]),
      );
    }
  });

  it(`${defaults.corsOrigins.length === 0 ? 'warns' : 'does not warn'} about missing CORS origins`, () => {
    const warnings = Annotations.fromStack(storage).findWarning(
      '*',
      Match.stringLikeRegexp('no CORS rules'),
    );

    expect(warnings.length).toBe(defaults.corsOrigins.length === 0 ? 1 : 0);
  });

  it('gives functions the storage package variables for this bucket', () => {
    expect(storage.resolve(storage.storage.storageEnvironment)).toEqual({
      S3_BUCKET_NAME: { Ref: ids(name).bucket },
      S3_CLIENT_REGION: 'us-east-1',
      S3_SUBJECT_PREFIX: 'subjects/',
      S3_AVATAR_PREFIX: 'avatars/',
      S3_GENERATED_PREFIX: 'generated/',
      S3_STUBS_PREFIX: 'stubs/',
      S3_DELETIONS_PREFIX: 'deletions/',
    });
  });
});

describe.each(['local', 'dev'] as const)('the auto-delete provider of %s', (name) => {
  const { template } = built[name];

  it('logs to its own log group with a retention instead of a managed policy', () => {
    // The API's functions are the stack's other Lambda functions.
    const provider = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderHandler'),
    );
    expect(provider).toHaveLength(1);
    const handlerId = provider[0]!;
    const logGroups = Object.entries(
      template.findResources('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: { 'Fn::Join': ['', ['/aws/lambda/', { Ref: handlerId }]] },
        },
      }),
    );
    expect(logGroups).toHaveLength(1);
    const [logGroupId, logGroup] = logGroups[0]!;

    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 7 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          },
        ],
      },
    });
  });

  it('empties the buckets only once its logging exists', () => {
    for (const resource of Object.values(template.findResources('Custom::S3AutoDeleteObjects'))) {
      expect(resource.DependsOn).toEqual(expect.arrayContaining(['AutoDeleteObjectsLogging']));
      expect(
        (resource.DependsOn as string[]).some((id) => id.startsWith('AutoDeleteObjectsLogs')),
      ).toBe(true);
    }
  });
});
