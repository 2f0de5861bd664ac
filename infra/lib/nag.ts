import {
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Stack,
  type Stage,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Options of {@link applyNagPacks}. */
export interface NagPacksOptions {
  /** Print each rule's explanation with its finding. @default false */
  readonly verbose?: boolean;
}

/**
 * Runs cdk-nag's AwsSolutions and Serverless packs on every stack of the app at synth. Any
 * finding that is not acknowledged fails synth (cdk-nag 3 reports through CDK's policy validation).
 * @returns the packs, so tests can also run them directly with `validateScope`.
 */
export function applyNagPacks(app: App | Stage, options: NagPacksOptions = {}): NagPack[] {
  const props = { verbose: options.verbose ?? false };
  const packs: NagPack[] = [new AwsSolutionsChecks(app, props), new ServerlessChecks(app, props)];
  Validations.of(app).addPlugins(...packs);
  return packs;
}

/**
 * Acknowledges one validation finding (a cdk-nag rule, or a CloudFormation Validate one) on a
 * construct and everything under it, with the reason that justifies it.
 */
export function acknowledgeRule(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}

/**
 * The name `@cdklabs/cdk-validator-cfnguard` reports under; CDK's validation framework matches an
 * acknowledgement of its findings as `<name>::<rule>`.
 */
export const CFN_GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/**
 * `plugin` with every finding it reports marked an error. cdk-validator-cfnguard reports findings
 * without a severity, and once any of its findings is acknowledged CDK recomputes the report's
 * outcome from severities alone, so the ones left would no longer fail synth.
 * ```ts
 * Validations.of(app).addPlugins(failOnEveryFinding(new CfnGuardValidator()));
 * ```
 */
export function failOnEveryFinding(plugin: IPolicyValidationPlugin): IPolicyValidationPlugin {
  return {
    name: plugin.name,
    version: plugin.version,
    ruleIds: plugin.ruleIds,
    validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
      const report = plugin.validate(context);
      return {
        ...report,
        violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })),
      };
    },
  };
}

/**
 * The Control Tower proactive controls (cfn-guard rules) this app meets only by acknowledgement,
 * keyed by control id, with the rule name the plugin reports.
 */
export const GUARD_RULES = {
  'CT.CLOUDFRONT.PR.1': 'cloudfront_default_root_object_configured_check',
  'CT.CLOUDFRONT.PR.4': 'cloudfront_origin_failover_enabled_check',
  'CT.CLOUDFRONT.PR.6': 'cloudfront_custom_ssl_certificate_check',
  'CT.CLOUDFRONT.PR.7': 'cloudfront_sni_enabled_check',
  'CT.CLOUDFRONT.PR.9': 'cloudfront_security_policy_check',
  'CT.CLOUDWATCH.PR.1': 'cloudwatch_alarm_action_check',
  'CT.CLOUDWATCH.PR.2': 'cloudwatch_log_group_retention_period_check',
  'CT.CLOUDWATCH.PR.3': 'cloudwatch_log_group_encrypted_check',
  'CT.LAMBDA.PR.2': 'lambda_function_public_access_prohibited_check',
  'CT.LAMBDA.PR.3': 'lambda_inside_vpc_check',
  'CT.S3.PR.2': 's3_bucket_logging_enabled_check',
  'CT.S3.PR.4': 's3_event_notifications_enabled_check',
  'CT.S3.PR.9': 's3_bucket_object_lock_enabled_check',
  'CT.S3.PR.10': 's3_bucket_default_encryption_kms_check',
} as const;

/** A control of {@link GUARD_RULES}. */
export type GuardControl = keyof typeof GUARD_RULES;

/**
 * Acknowledges one cfn-guard finding (a Control Tower control) on a construct and everything
 * under it, with the reason that justifies it.
 */
export function acknowledgeGuardRule(
  scope: IConstruct,
  control: GuardControl,
  reason: string,
): void {
  acknowledgeRule(scope, `${CFN_GUARD_PLUGIN_NAME}::${GUARD_RULES[control]}`, reason);
}

/** The shortest retention CT.CLOUDWATCH.PR.2 accepts, in days. */
export const GUARD_MIN_LOG_RETENTION_DAYS = 365;

/**
 * Acknowledges the two log-group controls a log group of this app meets by design or by its
 * environment's setting: KMS (CT.CLOUDWATCH.PR.3) always, and a year's retention
 * (CT.CLOUDWATCH.PR.2) only when `retentionDays` is shorter, with `retentionReason` (so a setting
 * of a year or more needs no acknowledgement and gets none).
 */
export function acknowledgeLogGroupControls(
  logGroup: IConstruct,
  retentionDays: number,
  retentionReason: string,
): void {
  acknowledgeGuardRule(
    logGroup,
    'CT.CLOUDWATCH.PR.3',
    'CloudWatch Logs encrypts every log group at rest with keys it manages. A customer-managed ' +
      'KMS key would add a key policy for the logs service and a monthly fee for one thing only, ' +
      'revoking access apart from IAM, and these lines hold no secret, header or body.',
  );
  if (retentionDays < GUARD_MIN_LOG_RETENTION_DAYS) {
    acknowledgeGuardRule(
      logGroup,
      'CT.CLOUDWATCH.PR.2',
      `Kept ${retentionDays} days: ${retentionReason}`,
    );
  }
}

// The same rendering cdk-nag gives a resource in a finding id: `<Logical.Arn>/generated/*`.
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (record['Fn::Sub'] !== undefined) return flatten(record['Fn::Sub']);
    if (Array.isArray(record['Fn::GetAtt'])) {
      const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (record['Fn::ImportValue'] !== undefined) return flatten(record['Fn::ImportValue']);
    if (record.Ref !== undefined) return `<${flatten(record.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * The id of the AwsSolutions-IAM5 finding that a `Resource` with a wildcard raises, for
 * acknowledging exactly that resource and nothing wider.
 */
export function wildcardResourceRuleId(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn))}]`;
}
