import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { IntrinsicValues } from './cfn-intrinsics.ts';
import type { CfnTemplate } from './validated-synth.ts';

/** The result iam-simulate gives a request. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A request the way the expectations see it. */
export type ProbeRequest =
  | {
      readonly kind: 'object';
      readonly action: string;
      readonly bucketArn: string;
      readonly key: string;
    }
  | {
      readonly kind: 'bucket';
      readonly action: string;
      readonly bucketArn: string;
      /** The request's `s3:prefix`. @default - none: a listing with no prefix */
      readonly prefix?: string;
    }
  | { readonly kind: 'other'; readonly action: string; readonly resource: string };

/** The transport a request arrives over. */
export interface Transport {
  readonly secure: boolean;
  readonly tlsVersion: string;
}

/** One row of the matrix: a request, how it travels and the decision it must get. */
export interface Probe {
  readonly request: ProbeRequest;
  readonly transport: Transport;
  readonly expected: 'Allowed' | 'Denied' | 'ExplicitlyDenied';
}

/**
 * What a role may do, as allow rules. Actions may end in `*` (as aws-cdk-lib's own grants do);
 * everything no rule allows must be denied.
 */
export type AccessRule =
  | {
      readonly kind: 'object';
      readonly bucketArn: string;
      /** Keys starting with this ('' for every key). */
      readonly keyPrefix: string;
      readonly actions: readonly string[];
    }
  | {
      readonly kind: 'bucket';
      readonly bucketArn: string;
      readonly actions: readonly string[];
      /** Only with an `s3:prefix` starting with this. @default - any prefix, or none */
      readonly listPrefix?: string;
    }
  | {
      readonly kind: 'other';
      readonly actions: readonly string[];
      /** Resources starting with this (`*` for any). */
      readonly resourcePrefix: string;
    };

function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? action.startsWith(pattern.slice(0, -1)) : pattern === action,
  );
}

/** Whether the rules allow a request (over TLS 1.2 or later). */
export function rulesAllow(rules: readonly AccessRule[], request: ProbeRequest): boolean {
  return rules.some((rule) => {
    if (rule.kind !== request.kind || !actionMatches(rule.actions, request.action)) return false;
    if (rule.kind === 'object' && request.kind === 'object') {
      return rule.bucketArn === request.bucketArn && request.key.startsWith(rule.keyPrefix);
    }
    if (rule.kind === 'bucket' && request.kind === 'bucket') {
      return (
        rule.bucketArn === request.bucketArn &&
        (rule.listPrefix === undefined || request.prefix?.startsWith(rule.listPrefix) === true)
      );
    }
    if (rule.kind === 'other' && request.kind === 'other') {
      return rule.resourcePrefix === '*' || request.resource.startsWith(rule.resourcePrefix);
    }
    return false;
  });
}

/** The request as ARN and context keys. */
export function describeRequest(request: ProbeRequest, transport: Transport) {
  const context: Record<string, string> = {
    'aws:SecureTransport': String(transport.secure),
  };
  if (request.kind !== 'other') context['s3:TlsVersion'] = transport.tlsVersion;
  if (request.kind === 'bucket' && request.prefix !== undefined) {
    context['s3:prefix'] = request.prefix;
  }
  const resource =
    request.kind === 'object'
      ? `${request.bucketArn}/${request.key}`
      : request.kind === 'bucket'
        ? request.bucketArn
        : request.resource;
  return { action: request.action, resource, context };
}

/** A role of a template with the identity policies attached to it, intrinsics resolved. */
export interface SimulatedRole {
  readonly logicalId: string;
  readonly arn: string;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: unknown }[];
}

/**
 * Every role of a template whose intrinsics are resolved, with its inline policies and the `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` resources attached to it.
 * @throws Error for a role with AWS managed policies, whose statements the simulation cannot see.
 */
export function rolesOf(template: CfnTemplate, values: IntrinsicValues): SimulatedRole[] {
  // By role name, as the resolved AWS::IAM::Policy resources name the roles they attach to.
  const roles = new Map<string, SimulatedRole>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const properties = resource.Properties ?? {};
    const managed = (properties.ManagedPolicyArns as unknown[] | undefined) ?? [];
    if (managed.length > 0) {
      throw new Error(
        `Role ${logicalId} has managed policies ${JSON.stringify(managed)}: the simulation sees ` +
          'only the policies in the template. Give the role inline policies instead.',
      );
    }
    const inline = (properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ?? [];
    roles.set(values.refs[logicalId] as string, {
      logicalId,
      arn: values.attributes[`${logicalId}.Arn`] as string,
      identityPolicies: inline.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
    });
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') {
      continue;
    }
    const properties = resource.Properties ?? {};
    const attachedTo = (properties.Roles as string[] | undefined) ?? [];
    for (const attached of attachedTo) {
      const role = roles.get(attached);
      if (!role) {
        throw new Error(`${logicalId} is attached to ${JSON.stringify(attached)}, no role here.`);
      }
      (role.identityPolicies as { name: string; policy: unknown }[]).push({
        name: logicalId,
        policy: properties.PolicyDocument,
      });
    }
  }
  return [...roles.values()];
}

/** A probe whose decision was not the expected one. */
export interface Mismatch {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  readonly expected: Probe['expected'];
  readonly got: Decision | string;
}

/** Everything a simulation needs besides the request. */
export interface SimulationSubject {
  readonly role: SimulatedRole;
  readonly accountId: string;
  /** A bucket's resolved policy, by bucket ARN. @default - none for a bucket not listed */
  readonly bucketPolicies: ReadonlyMap<string, unknown>;
}

function bucketArnOf(request: ProbeRequest): string | undefined {
  return request.kind === 'other' ? undefined : request.bucketArn;
}

/** Runs every probe with iam-simulate and returns those whose decision differs. */
export async function simulate(
  subject: SimulationSubject,
  probes: readonly Probe[],
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const probe of probes) {
    const { action, resource, context } = describeRequest(probe.request, probe.transport);
    const bucketArn = bucketArnOf(probe.request);
    const simulation: Simulation = {
      request: {
        principal: subject.role.arn,
        action,
        resource: { resource, accountId: subject.accountId },
        contextVariables: context,
      },
      identityPolicies: [...subject.role.identityPolicies],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bucketArn === undefined ? undefined : subject.bucketPolicies.get(bucketArn),
    };
    const response = await runSimulation(simulation, {});
    const got: Decision | string =
      response.resultType === 'error'
        ? `error: ${response.errors.message}`
        : (response.overallResult as Decision);
    const ok =
      probe.expected === 'Allowed'
        ? got === 'Allowed'
        : probe.expected === 'ExplicitlyDenied'
          ? got === 'ExplicitlyDenied'
          : got === 'ExplicitlyDenied' || got === 'ImplicitlyDenied';
    if (!ok) mismatches.push({ action, resource, context, expected: probe.expected, got });
  }
  return mismatches;
}
