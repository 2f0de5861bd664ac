import type { CfnTemplate } from './validated-synth.ts';

/** A template value that names a resource or intrinsic the resolver has no value for. */
export class UnresolvedIntrinsicError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UnresolvedIntrinsicError';
  }
}

/** The concrete values a template's intrinsics stand for. */
export interface IntrinsicValues {
  /** `Ref` of pseudo parameters and resources, by name or logical id. */
  readonly refs: Readonly<Record<string, string>>;
  /** `Fn::GetAtt`, by `<logicalId>.<attribute>`. */
  readonly attributes: Readonly<Record<string, string>>;
}

function ref(name: string, values: IntrinsicValues): string {
  const value = values.refs[name];
  if (value === undefined) {
    throw new UnresolvedIntrinsicError(
      `No value for { Ref: ${JSON.stringify(name)} }: give it in templateValues' naming rules.`,
    );
  }
  return value;
}

function attribute(logicalId: string, name: string, values: IntrinsicValues): string {
  const value = values.attributes[`${logicalId}.${name}`];
  if (value === undefined) {
    throw new UnresolvedIntrinsicError(
      `No value for { "Fn::GetAtt": ["${logicalId}", "${name}"] }: give it in templateValues' ` +
        'naming rules.',
    );
  }
  return value;
}

function sub(text: string, values: IntrinsicValues, variables: Record<string, unknown>): string {
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    if (name in variables) return String(resolveIntrinsics(variables[name], values));
    const dot = name.indexOf('.');
    return dot === -1
      ? ref(name, values)
      : attribute(name.slice(0, dot), name.slice(dot + 1), values);
  });
}

/**
 * Replaces `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub` and `Fn::Select` in a template value with
 * concrete strings, everywhere in it.
 * @throws UnresolvedIntrinsicError for any other intrinsic, or a name without a value.
 */
export function resolveIntrinsics(value: unknown, values: IntrinsicValues): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, values));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) {
    const [key] = keys as [string];
    const argument = record[key];
    switch (key) {
      case 'Ref':
        return ref(String(argument), values);
      case 'Fn::GetAtt': {
        const [logicalId, name] = Array.isArray(argument)
          ? (argument as string[])
          : String(argument).split(/\.(.*)/);
        return attribute(String(logicalId), String(name), values);
      }
      case 'Fn::Join': {
        const [delimiter, items] = argument as [string, unknown[]];
        const resolved = resolveIntrinsics(items, values) as unknown[];
        return resolved.map(String).join(delimiter);
      }
      case 'Fn::Sub':
        return Array.isArray(argument)
          ? sub(String(argument[0]), values, argument[1] as Record<string, unknown>)
          : sub(String(argument), values, {});
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolveIntrinsics(list, values) as unknown[])[Number(index)];
      }
      default:
        throw new UnresolvedIntrinsicError(
          `${key} is not resolved by resolveIntrinsics: ${JSON.stringify(value)}. Extend the resolver.`,
        );
    }
  }
  return Object.fromEntries(
    Object.entries(record).map(([name, item]) => [name, resolveIntrinsics(item, values)]),
  );
}

/** Where a template is deployed, for the pseudo parameters and the names of its resources. */
export interface TemplateEnvironment {
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
}

/**
 * The concrete values of a template's pseudo parameters and resources, named as AWS names them
 * where the template says how (a bucket's `BucketName`, or its account-regional prefix), and
 * after the stack and logical id otherwise, as CloudFormation does: bucket
 * `test-<stack>-<logical id>` (lower case), role, function and log group
 * `<stack>-<logical id>`, CloudFront distribution id `E<LOGICAL ID>`.
 */
export function templateValues(
  template: CfnTemplate,
  environment: TemplateEnvironment,
): IntrinsicValues {
  const { stackName, accountId, region } = environment;
  const generated = (logicalId: string) => `${stackName}-${logicalId}`;
  const refs: Record<string, string> = {
    'AWS::AccountId': accountId,
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
  const attributes: Record<string, string> = {};
  const pseudo: IntrinsicValues = { refs, attributes };
  // First, as a log group may be named after its function: /aws/lambda/<function name>.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    refs[logicalId] = generated(logicalId);
    attributes[`${logicalId}.Arn`] =
      `arn:aws:lambda:${region}:${accountId}:function:${generated(logicalId)}`;
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::Bucket': {
        const name =
          properties.BucketName !== undefined
            ? String(resolveIntrinsics(properties.BucketName, pseudo))
            : properties.BucketNamespace === 'account-regional'
              ? `${properties.BucketNamePrefix}-${accountId}-${region}-an`
              : `test-${generated(logicalId)}`.toLowerCase();
        refs[logicalId] = name;
        attributes[`${logicalId}.Arn`] = `arn:aws:s3:::${name}`;
        break;
      }
      case 'AWS::IAM::Role':
        refs[logicalId] = generated(logicalId);
        attributes[`${logicalId}.Arn`] = `arn:aws:iam::${accountId}:role/${generated(logicalId)}`;
        break;
      case 'AWS::Logs::LogGroup': {
        const name =
          properties.LogGroupName !== undefined
            ? String(resolveIntrinsics(properties.LogGroupName, pseudo))
            : generated(logicalId);
        refs[logicalId] = name;
        attributes[`${logicalId}.Arn`] = `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
        break;
      }
      case 'AWS::CloudFront::Distribution':
        refs[logicalId] = `E${logicalId.toUpperCase()}`;
        break;
    }
  }
  return pseudo;
}
