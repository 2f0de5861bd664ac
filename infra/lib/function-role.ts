import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeLogGroupControls } from './nag.ts';

/** Props of {@link FunctionRole}. */
export interface FunctionRoleProps {
  /** How long the function's log group keeps logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when the stack deletes it. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** The role's description. @default - none */
  readonly description?: string;
}

/**
 * The execution role and log group of one Lambda function, without AWS managed policies: the
 * role may only create streams and put events in its own log group, which has a retention.
 * Pass both to the function (`role`, `logGroup`), then grant storage access with
 * `StorageBucket.grantArea(fn, ...)`.
 */
export class FunctionRole extends Construct {
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  public constructor(scope: Construct, id: string, props: FunctionRoleProps = {}) {
    super(scope, id);
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledgeLogGroupControls(
      this.logGroup,
      retention,
      "the function's lines name the caller (a user id), kept only as long as debugging needs; " +
        'the retention comes from logRetention (the API passes apiLogRetentionDays), and 365 ' +
        'days or more meets this control.',
    );
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
  }
}
