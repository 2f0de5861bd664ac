import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionRole, StorageBucket } from '../lib/index.ts';
import { arnWithSuffix, logicalIdOf, newApp } from './helpers/app.ts';

function fixture(props: ConstructorParameters<typeof FunctionRole>[2] = {}) {
  const app = newApp();
  const stack = new Stack(app, 'Functions');
  const fn = new FunctionRole(stack, 'Upload', props);
  return { app, stack, fn };
}

describe('FunctionRole', () => {
  it('creates a log group with a one-month retention, retained by default', () => {
    const { stack, fn } = fixture();

    expect(
      Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, fn.logGroup)],
    ).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('takes the retention and removal policy it is given', () => {
    const { stack, fn } = fixture({
      logRetention: RetentionDays.ONE_WEEK,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });

    expect(
      Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, fn.logGroup)],
    ).toMatchObject({
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  it('lets Lambda assume the role and write to its own log group only, with no managed policy', () => {
    const { stack, fn } = fixture();
    const template = Template.fromStack(stack);
    const roleId = logicalIdOf(stack, fn.role);

    expect(template.toJSON().Resources[roleId].Properties).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalIdOf(stack, fn.logGroup), 'Arn'] },
          },
        ],
      },
    });
  });

  it('takes storage grants next to its logging, and passes cdk-nag', () => {
    const { app, stack, fn } = fixture();
    const storage = new StorageBucket(stack, 'Storage');

    storage.grantArea(fn.role, 'generated/memory', ['s3:GetObject', 's3:ListBucket']);

    const bucketId = logicalIdOf(stack, storage.bucket);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, fn.role) }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalIdOf(stack, fn.logGroup), 'Arn'] },
          },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: arnWithSuffix(bucketId, '/generated/memory/*'),
          },
          {
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['generated/memory/*'] } },
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
          },
        ],
      },
    });
    const violations = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap(
      (pack) => pack.validateScope(app).violations,
    );
    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});
