import { CfnResource, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { acknowledgeGuardRule, acknowledgeLogGroupControls } from './nag.ts';

/** Construct id aws-cdk-lib gives the singleton provider behind `autoDeleteObjects`. */
const PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';
const CUSTOM_RESOURCE_TYPE = 'Custom::S3AutoDeleteObjects';

/**
 * Buckets with `autoDeleteObjects` share a CDK-made Lambda whose role carries the AWS managed
 * policy AWSLambdaBasicExecutionRole. This replaces that policy with an inline one that may only
 * write to the function's own log group, created here with a retention, and makes the
 * auto-delete resources wait for both, so the deletion is logged. Call it once a stack's
 * buckets exist; it does nothing in a stack without such buckets.
 * @throws Error when aws-cdk-lib no longer builds the provider as expected (so an upgrade
 * cannot silently bring the managed policy back).
 */
export function replaceAutoDeleteManagedPolicy(stack: Stack, logRetention: RetentionDays): void {
  const provider = stack.node.tryFindChild(PROVIDER_ID);
  if (provider === undefined) return;
  const role = provider.node.tryFindChild('Role');
  const handler = provider.node.tryFindChild('Handler');
  if (!(role instanceof CfnResource) || !(handler instanceof CfnResource)) {
    throw new Error(
      `${PROVIDER_ID} in ${stack.stackName} has no Role/Handler resources any more: aws-cdk-lib ` +
        'changed how it builds the auto-delete provider. Update replaceAutoDeleteManagedPolicy.',
    );
  }
  role.addPropertyDeletionOverride('ManagedPolicyArns');
  const logGroup = new LogGroup(stack, 'AutoDeleteObjectsLogs', {
    logGroupName: `/aws/lambda/${handler.ref}`,
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeLogGroupControls(
    logGroup,
    logRetention,
    "the lines of the handler that empties a throwaway environment's buckets when its stack is " +
      'deleted; they name buckets only, and the log group goes with the stack.',
  );
  acknowledgeGuardRule(
    provider,
    'CT.LAMBDA.PR.3',
    "aws-cdk-lib's auto-delete handler calls only the public S3 endpoint, once, when the stack is " +
      'deleted; a VPC would add NAT gateways or endpoints for nothing private to reach.',
  );
  const policy = new CfnPolicy(stack, 'AutoDeleteObjectsLogging', {
    policyName: 'write-own-log-group',
    roles: [role.ref],
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: logGroup.logGroupArn,
        },
      ],
    },
  });
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnResource && construct.cfnResourceType === CUSTOM_RESOURCE_TYPE) {
      construct.node.addDependency(policy, logGroup);
    }
  }
}
