import type { TaskDefinition } from '@autobio/functions';
import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { bindDeletionTargets, type DeletionTargets } from './deletion-targets.ts';
import { acknowledgeGuardRule, acknowledgeRule, wildcardResourceRuleId } from './nag.ts';
import type { StorageBucket } from './storage-bucket.ts';
import { StorageFunction } from './storage-function.ts';

/**
 * How long one run may last. A run that does not finish leaves its work (markers) to the next,
 * five minutes later (the sweep's period), so it stays under that: runs never overlap.
 */
export const TASK_TIMEOUT_SECONDS = 240;

/** Props of {@link ScheduledTask}. */
export interface ScheduledTaskProps extends DeletionTargets {
  /** The task of `@autobio/functions`' table: its handler, grants and schedule. */
  readonly task: TaskDefinition;
  /** The bucket the task works in. */
  readonly storage: StorageBucket;
  /** How long the function's logs are kept. */
  readonly logRetention: RetentionDays;
  /** What happens to its log group on stack deletion. */
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * A task of the functions' table on a recurring EventBridge Scheduler schedule: its function,
 * granted exactly the table's storage, replica and CDN needs, and the schedule that invokes it.
 *
 * The sweep of pending deletions runs on one recurring schedule rather than a one-time schedule
 * per deletion: the marker in the bucket is the one record of a deletion, so a crash between
 * writing it and scheduling cannot strand it, and the API's function needs no scheduler rights
 * or `iam:PassRole`. The cost is a run every five minutes that mostly finds nothing due.
 */
export class ScheduledTask extends Construct {
  /** The task's function. */
  public readonly function: StorageFunction;
  /** The schedule that invokes it. */
  public readonly schedule: Schedule;
  /** In alarm when every run of the last 15 minutes failed; give it an action (SNS) to be told. */
  public readonly failures: Alarm;

  public constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id);
    const { task } = props;
    this.function = new StorageFunction(this, 'Function', {
      entry: task.entry,
      handlerExport: task.handlerExport,
      description: `Scheduled, ${task.schedule}: ${task.description}`,
      invokedBy: 'scheduler',
      timeoutSeconds: TASK_TIMEOUT_SECONDS,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      readsEnvironment: task.environment,
    });
    // EventBridge Scheduler invokes asynchronously, and Lambda would retry a failed run twice on
    // its own: the next scheduled run is the retry (and ends before the one after it starts).
    this.function.function.configureAsyncInvoke({ retryAttempts: 0 });
    acknowledgeRule(
      this.function,
      'Serverless-LambdaAsyncFailureDestination',
      "The schedule's event carries nothing to keep: what a failed run leaves is in S3 (the " +
        'markers), the next run takes it up, and the Failures alarm tells of repeated failures.',
    );
    this.function.bindStorage(props.storage, task.storage);
    this.failures = new Alarm(this, 'Failures', {
      alarmDescription:
        `${task.name} failed in each of the last three runs: the accounts it names in its log ` +
        'are not deleted for good until it succeeds (see its DeletionSweepError lines).',
      metric: this.function.function.metricErrors({ period: Duration.minutes(15) }),
      threshold: 3,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    acknowledgeGuardRule(
      this.failures,
      'CT.CLOUDWATCH.PR.1',
      "Who is told (an SNS topic, a chat channel, a pager) is the operator's choice: add it with " +
        'failures.addAlarmAction; until then the alarm shows in the console.',
    );
    bindDeletionTargets(this.function, task, props);
    // A role of its own rather than the stack-wide one LambdaInvoke would create, so that the
    // acknowledgement below covers this function alone.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `EventBridge Scheduler invokes ${task.name} with this role.`,
    });
    acknowledgeRule(
      role,
      wildcardResourceRuleId(role, `${this.function.function.functionArn}:*`),
      "grantInvoke names the function's versions and aliases too (<arn>:*): the role may " +
        'invoke this one function and nothing else.',
    );
    this.schedule = new Schedule(this, 'Schedule', {
      description: `Runs ${task.name}: ${task.description}`,
      schedule: ScheduleExpression.expression(task.schedule),
      target: new LambdaInvoke(this.function.function, {
        role,
        // The next run is the retry: an event older than the period is of no use.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(5),
      }),
    });
  }
}
