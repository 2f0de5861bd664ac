import { KeyLayout } from '@autobio/s3-storage/key-layout';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  areaAccessStatements,
  grantAreaAccess,
  type StorageAction,
  StorageBucket,
  StorageGrantError,
} from '../lib/index.ts';
import { arnWithSuffix, logicalIdOf, newApp } from './helpers/app.ts';

function fixture() {
  const app = newApp();
  const stack = new Stack(app, 'Grants');
  const bucket = new Bucket(stack, 'Bucket');
  const role = new Role(stack, 'Fn', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  return { app, stack, bucket, role, bucketId: logicalIdOf(stack, bucket) };
}

function policyStatements(stack: Stack): unknown[] {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  return policies.flatMap(
    (p) => (p.Properties as { PolicyDocument: { Statement: unknown[] } }).PolicyDocument.Statement,
  );
}

describe('areaAccessStatements', () => {
  it('grants object actions on the area prefix only', () => {
    const { stack, bucket, bucketId } = fixture();

    const statements = areaAccessStatements(bucket, 'generated/memory', [
      's3:PutObject',
      's3:GetObject',
    ]);

    expect(statements.map((s) => stack.resolve(s.toStatementJson()))).toEqual([
      {
        Action: ['s3:GetObject', 's3:PutObject'],
        Effect: 'Allow',
        Resource: arnWithSuffix(bucketId, '/generated/memory/*'),
      },
    ]);
  });

  it('grants s3:ListBucket on the bucket only with an s3:prefix condition for the area', () => {
    const { stack, bucket, bucketId } = fixture();

    const statements = areaAccessStatements(bucket, 'generated/subject', ['s3:ListBucket']);

    expect(statements.map((s) => stack.resolve(s.toStatementJson()))).toEqual([
      {
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['generated/subject/*'] } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
      },
    ]);
  });

  it('splits object and listing actions into two statements', () => {
    const { bucket } = fixture();

    const statements = areaAccessStatements(bucket, 'subjects', [
      's3:ListBucket',
      's3:DeleteObject',
    ]);

    expect(statements.map((s) => s.actions)).toEqual([['s3:DeleteObject'], ['s3:ListBucket']]);
  });

  it('follows a key layout with other prefixes', () => {
    const { stack, bucket, bucketId } = fixture();
    const layout = new KeyLayout({ generated: 'art/' });

    const [statement] = areaAccessStatements(bucket, 'generated/memory', ['s3:GetObject'], {
      layout,
    });

    expect(stack.resolve(statement!.toStatementJson()).Resource).toEqual(
      arnWithSuffix(bucketId, '/art/memory/*'),
    );
  });

  it('throws when no action is given', () => {
    const { bucket } = fixture();

    expect(() => areaAccessStatements(bucket, 'subjects', [])).toThrow(
      new StorageGrantError(
        `A grant on area "subjects" needs at least one action: name them, for example ['s3:GetObject'].`,
      ),
    );
  });

  it.each([['s3:*'], ['s3:Get*'], ['*']])('throws when the action %s has a wildcard', (action) => {
    const { bucket } = fixture();

    expect(() => areaAccessStatements(bucket, 'subjects', [action as StorageAction])).toThrow(
      /has a wildcard; grants on the bucket name exact actions only/,
    );
  });

  it('throws when the action is not one the helper grants', () => {
    const { bucket } = fixture();

    expect(() =>
      areaAccessStatements(bucket, 'subjects', ['s3:PutBucketPolicy' as StorageAction]),
    ).toThrow(/Action "s3:PutBucketPolicy" cannot be granted on area "subjects"/);
  });

  it('throws when the area is not part of the layout', () => {
    const { bucket } = fixture();

    expect(() =>
      areaAccessStatements(bucket, 'generated/portrait' as 'generated', ['s3:GetObject']),
    ).toThrow(/Unknown storage area "generated\/portrait"/);
  });
});

describe('grantAreaAccess', () => {
  it('adds exactly the area statements to the grantee policy', () => {
    const { stack, bucket, role, bucketId } = fixture();

    grantAreaAccess(role, bucket, 'avatars', ['s3:GetObject', 's3:ListBucket']);

    expect(policyStatements(stack)).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arnWithSuffix(bucketId, '/avatars/*') },
      {
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['avatars/*'] } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
      },
    ]);
  });

  it('leaves no unacknowledged cdk-nag finding for the area wildcard', () => {
    const { app, bucket, role } = fixture();

    grantAreaAccess(role, bucket, 'generated/memory', ['s3:GetObject', 's3:ListBucket']);

    const iamFindings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM'));
    expect(iamFindings).toEqual([]);
  });

  it('acknowledges only the area it grants, not a wider resource', () => {
    const { app, stack, bucket, role, bucketId } = fixture();
    grantAreaAccess(role, bucket, 'stubs', ['s3:GetObject']);

    role.addToPolicy(areaAccessStatements(bucket, 'subjects', ['s3:GetObject'])[0]!);

    const findings = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(findings).toContain(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/subjects/*]`);
    expect(findings).not.toContain(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/stubs/*]`);
    expect(stack.resolve(bucket.bucketArn)).toEqual({ 'Fn::GetAtt': [bucketId, 'Arn'] });
  });

  it('throws when the grantee has no identity policy', () => {
    const { bucket } = fixture();

    expect(() =>
      grantAreaAccess(new AccountRootPrincipal(), bucket, 'subjects', ['s3:GetObject']),
    ).toThrow(/the grantee has no identity policy/);
  });

  it('is what StorageBucket.grantArea does, with the bucket layout', () => {
    const app = newApp();
    const stack = new Stack(app, 'Grants');
    const storage = new StorageBucket(stack, 'Storage', {
      keyLayout: new KeyLayout({ stubs: 'samples/' }),
    });
    const role = new Role(stack, 'Fn', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    storage.grantArea(role, 'stubs', ['s3:GetObject']);

    expect(policyStatements(stack)).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: arnWithSuffix(logicalIdOf(stack, storage.bucket), '/samples/*'),
      },
    ]);
  });
});
