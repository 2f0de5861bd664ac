import { TASKS } from '@autobio/functions';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { environmentStacks, logicalIdOf } from './helpers/app.ts';

describe('the deletion sweep', () => {
  const [sweep] = TASKS;
  const stacks = environmentStacks('prod', {
    'autobio:prod:replication': true,
  });
  const template = Template.fromStack(stacks.storage);
  const task = stacks.storage.tasks['sweep-deletions']!;
  const functionId = logicalIdOf(stacks.storage, task.function.function);

  it('is the one task of the functions table', () => {
    expect(TASKS.map((t) => t.name)).toEqual(['sweep-deletions']);
    expect(Object.keys(stacks.storage.tasks)).toEqual(['sweep-deletions']);
  });

  it('runs on a recurring EventBridge Scheduler schedule, at the table schedule, never late', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: sweep!.schedule,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RoleArn: {
          'Fn::GetAtt': [logicalIdOf(stacks.storage, task.node.findChild('SchedulerRole')), 'Arn'],
        },
        // The next run is the retry.
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
      },
    });
    expect(sweep!.schedule).toBe('rate(5 minutes)');
  });

  it('leaves retries to the next run: Lambda retries no asynchronous invocation', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('raises an alarm when three runs in a row fail', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      Period: 900,
      Threshold: 3,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('expires the replica copies of deletion markers too, as a backstop', () => {
    const replica = Template.fromStack(stacks.replica!);
    replica.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          {
            Id: 'expire-deletion-markers',
            Prefix: 'deletions/',
            ExpirationInDays: 30,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          },
        ]),
      },
    });
  });

  it('lets only EventBridge Scheduler of this account assume the schedule role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
          },
        ],
      },
    });
  });

  it('runs on Node.js 24 for at most 240 s, shorter than its period, with the replica named', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 240,
      Environment: {
        Variables: Match.objectLike({
          S3_BUCKET_NAME: Match.anyValue(),
          S3_DELETIONS_PREFIX: 'deletions/',
          S3_REPLICA_BUCKET_NAME: Match.anyValue(),
          S3_REPLICA_REGION: 'us-west-2',
        }),
      },
    });
    const fn = template.toJSON().Resources[functionId];
    expect(fn.Properties.Timeout).toBe(240);
    expect(fn.Properties.Environment.Variables.CDN_DISTRIBUTION_ID).toBeUndefined();
  });
});
