import { type App, Stack, type Stage, Validations } from 'aws-cdk-lib';
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
