import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
  }
}
