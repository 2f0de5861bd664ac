import { ROUTES, TASKS } from '@autobio/functions';
import { type CfnResource, type Stack, Token } from 'aws-cdk-lib';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../lib/index.ts';
import { logicalIdOf } from '../helpers/app.ts';
import {
  type IntrinsicValues,
  resolveIntrinsics,
  templateValues,
} from '../helpers/cfn-intrinsics.ts';
import {
  type AreaGrant,
  areaRules,
  buildProbes,
  logWriteRule,
  otherRequests,
  XRAY_RULE,
} from '../helpers/iam-expectations.ts';
import {
  type AccessRule,
  rolesOf,
  type SimulatedRole,
  simulate,
} from '../helpers/iam-simulation.ts';
import {
  APP_VARIANTS,
  type AppVariant,
  type CfnTemplate,
  type SynthesizedTemplate,
  synthValidatedApp,
  type ValidatedSynth,
} from '../helpers/validated-synth.ts';

/** The account the templates are resolved in when their stack names none. */
const TEST_ACCOUNT_ID = '123456789012';

/** The illustration-gen service's access, as the README gives it: areas, not prefixes. */
const ILLUSTRATION_GEN_GRANTS: readonly AreaGrant[] = [
  { area: 'subjects', actions: ['s3:GetObject'] },
  { area: 'stubs', actions: ['s3:GetObject'] },
  { area: 'generated', actions: ['s3:PutObject'] },
];

/**
 * What aws-cdk-lib's auto-delete handler is granted by each bucket's policy (`s3:DeleteObject*`,
 * `s3:GetBucket*`, `s3:List*`, `s3:PutBucketPolicy` on the bucket and its objects), split by
 * what applies to objects and to the bucket.
 */
const AUTO_DELETE_OBJECT_ACTIONS = ['s3:DeleteObject*', 's3:List*'];
const AUTO_DELETE_BUCKET_ACTIONS = ['s3:GetBucket*', 's3:List*', 's3:PutBucketPolicy'];

/** One role and everything it may do. */
interface RoleCase {
  readonly variant: AppVariant;
  readonly environment: EnvironmentName;
  readonly name: string;
  readonly stackName: string;
  readonly role: SimulatedRole;
  readonly rules: readonly AccessRule[];
  readonly probes: ReturnType<typeof buildProbes>;
  readonly allowed: number;
  readonly denied: number;
  readonly bucketPolicies: ReadonlyMap<string, unknown>;
  readonly accountId: string;
}

/** One template with its intrinsics' values. */
interface ResolvedTemplate extends SynthesizedTemplate {
  readonly stack: Stack;
  readonly accountId: string;
  readonly values: IntrinsicValues;
  /** Roles, policies and bucket policies with every intrinsic resolved. */
  readonly resolved: CfnTemplate;
}

const IAM_TYPES = ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];

function resolveTemplate(synth: ValidatedSynth, t: SynthesizedTemplate): ResolvedTemplate {
  const { storage, replica } = synth.stacks[t.environment];
  const stack = [storage, replica].find((s) => s?.stackName === t.stackName) as Stack;
  const accountId = Token.isUnresolved(stack.account) ? TEST_ACCOUNT_ID : stack.account;
  const values = templateValues(t.template, {
    stackName: t.stackName,
    accountId,
    region: t.region,
  });
  const resources = Object.fromEntries(
    Object.entries(t.template.Resources)
      .filter(([, r]) => [...IAM_TYPES, 'AWS::S3::BucketPolicy'].includes(r.Type))
      .map(([id, r]) => [id, resolveIntrinsics(r, values)]),
  );
  return { ...t, stack, accountId, values, resolved: { Resources: resources } as CfnTemplate };
}

function arnOf(t: ResolvedTemplate, construct: unknown): string {
  const arn = t.values.attributes[`${logicalIdOf(t.stack, construct)}.Arn`];
  if (arn === undefined) throw new Error(`No ARN for ${logicalIdOf(t.stack, construct)}`);
  return arn;
}

function autoDeleteRole(stack: Stack): CfnResource | undefined {
  return stack.node
    .tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider')
    ?.node.tryFindChild('Role') as CfnResource | undefined;
}

/** Every role of one environment's templates with its expected access, or why it has none. */
function roleCases(variant: AppVariant, synth: ValidatedSynth, environment: EnvironmentName) {
  const templates = synth.templates
    .filter((t) => t.environment === environment)
    .map((t) => resolveTemplate(synth, t));
  const { storage: storageStack } = synth.stacks[environment];
  const main = templates.find((t) => t.stack === storageStack) as ResolvedTemplate;
  const layout = storageStack.keyLayout;
  const storageBucketArn = arnOf(main, storageStack.storage.bucket);

  const appBucketArns = templates.flatMap((t) =>
    Object.entries(t.template.Resources)
      .filter(([, r]) => r.Type === 'AWS::S3::Bucket')
      .map(([id]) => t.values.attributes[`${id}.Arn`] as string),
  );
  const bucketPolicies = new Map<string, unknown>();
  for (const t of templates) {
    for (const resource of Object.values(t.resolved.Resources)) {
      if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
      const { Bucket, PolicyDocument } = resource.Properties as {
        Bucket: string;
        PolicyDocument: unknown;
      };
      bucketPolicies.set(`arn:aws:s3:::${Bucket}`, PolicyDocument);
    }
  }

  const expectations = new Map<string, { name: string; rules: AccessRule[] }>();
  const expectAccess = (
    t: ResolvedTemplate,
    construct: unknown,
    name: string,
    rules: AccessRule[],
  ) => expectations.set(`${t.stackName}/${logicalIdOf(t.stack, construct)}`, { name, rules });

  // With the CDN on, the routes with cdn read the signing key's one secret and list only.
  const cdnSecret = storageStack.config.cdn
    ? `arn:aws:secretsmanager:${main.region}:${main.accountId}:secret:${storageStack.config.cdn.privateKeySecretName}-`
    : undefined;
  // Account deletion reaches the replica by area, and the distribution, when they exist.
  const replicaStack = synth.stacks[environment].replica;
  const replicaArn = replicaStack
    ? arnOf(
        templates.find((t) => t.stack === replicaStack) as ResolvedTemplate,
        replicaStack.bucket,
      )
    : undefined;
  const distributionArn = storageStack.cdn
    ? `arn:aws:cloudfront::${main.accountId}:distribution/${main.values.refs[logicalIdOf(main.stack, storageStack.cdn.distribution)]}`
    : undefined;
  const deletionRules = (use: (typeof TASKS)[number] | (typeof ROUTES)[number]): AccessRule[] => [
    ...(use.replica && replicaArn ? areaRules(replicaArn, layout, use.replica.storage) : []),
    ...(use.cdnInvalidation && distributionArn
      ? [
          {
            kind: 'other' as const,
            actions: [...use.cdnInvalidation.actions],
            resourcePrefix: distributionArn,
          },
        ]
      : []),
  ];
  for (const task of TASKS) {
    const scheduled = storageStack.tasks[task.name];
    if (!scheduled) throw new Error(`${environment} has no function for task ${task.name}`);
    const fn = scheduled.function;
    expectAccess(main, fn.role, `${task.name} function`, [
      ...areaRules(storageBucketArn, layout, task.storage),
      ...deletionRules(task),
      logWriteRule(arnOf(main, fn.logGroup)),
      XRAY_RULE,
    ]);
    const schedulerRole = scheduled.node.findChild('SchedulerRole');
    expectAccess(main, schedulerRole, `${task.name} schedule's role`, [
      {
        kind: 'other',
        actions: ['lambda:InvokeFunction'],
        resourcePrefix: arnOf(main, fn.function),
      },
    ]);
  }
  for (const route of ROUTES) {
    const fn = storageStack.api.functions[route.name];
    if (!fn) throw new Error(`${environment} has no function for route ${route.name}`);
    const cdnUse = cdnSecret === undefined ? undefined : route.cdn;
    expectAccess(main, fn.role, `${route.name} function`, [
      ...areaRules(storageBucketArn, layout, cdnUse ? cdnUse.storage : route.storage),
      ...deletionRules(route),
      logWriteRule(arnOf(main, fn.logGroup)),
      XRAY_RULE,
      ...(cdnUse && cdnSecret
        ? [
            {
              kind: 'other' as const,
              actions: ['secretsmanager:GetSecretValue'],
              resourcePrefix: cdnSecret,
            },
          ]
        : []),
    ]);
  }
  expectAccess(
    main,
    storageStack.illustrationGen.role,
    'illustration-gen role',
    areaRules(storageBucketArn, layout, ILLUSTRATION_GEN_GRANTS),
  );
  const { replicationRole } = storageStack.storage;
  if (replicationRole && replicaArn) {
    expectAccess(main, replicationRole, 'replication role', [
      {
        kind: 'bucket',
        bucketArn: storageBucketArn,
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      },
      {
        kind: 'object',
        bucketArn: storageBucketArn,
        keyPrefix: '',
        actions: [
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionTagging',
        ],
      },
      {
        kind: 'object',
        bucketArn: replicaArn,
        keyPrefix: '',
        actions: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
      },
    ]);
  }
  for (const t of templates) {
    const role = autoDeleteRole(t.stack);
    if (!role) continue;
    const buckets = Object.entries(t.template.Resources)
      .filter(([, r]) => r.Type === 'AWS::S3::Bucket')
      .map(([id]) => t.values.attributes[`${id}.Arn`] as string);
    const logs = t.stack.node.findChild('AutoDeleteObjectsLogs') as LogGroup;
    expectAccess(
      t,
      role,
      `${t.stackName === main.stackName ? '' : 'replica '}auto-delete handler`,
      [
        ...buckets.flatMap((bucketArn): AccessRule[] => [
          { kind: 'object', bucketArn, keyPrefix: '', actions: AUTO_DELETE_OBJECT_ACTIONS },
          { kind: 'bucket', bucketArn, actions: AUTO_DELETE_BUCKET_ACTIONS },
        ]),
        logWriteRule(arnOf(t, logs)),
      ],
    );
  }

  const cases: RoleCase[] = [];
  const unexpected: string[] = [];
  for (const t of templates) {
    const logGroupArns = Object.entries(t.template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')
      .map(([id]) => t.values.attributes[`${id}.Arn`] as string);
    const others = [
      ...otherRequests(logGroupArns, t.accountId, t.region),
      // The signing key's secret (Secrets Manager appends six characters to its name), another
      // secret, and what no function may do with the key's.
      ...(cdnSecret && t === main
        ? [
            ['secretsmanager:GetSecretValue', `${cdnSecret}AbC123`],
            ['secretsmanager:GetSecretValue', cdnSecret.replace(/[^/:]+-$/, 'other-key-AbC123')],
            ['secretsmanager:PutSecretValue', `${cdnSecret}AbC123`],
            ['secretsmanager:DescribeSecret', `${cdnSecret}AbC123`],
          ].map(([action, resource]) => ({
            kind: 'other' as const,
            action: action as string,
            resource: resource as string,
          }))
        : []),
      // The distribution (its invalidation is account deletion's), another one, and what no
      // function may do to it; every function's own ARN and another's.
      ...(distributionArn && t === main
        ? [
            ['cloudfront:CreateInvalidation', distributionArn],
            ['cloudfront:CreateInvalidation', `${distributionArn.replace(/[^/]+$/, 'EOTHER')}`],
            ['cloudfront:UpdateDistribution', distributionArn],
          ].map(([action, resource]) => ({
            kind: 'other' as const,
            action: action as string,
            resource: resource as string,
          }))
        : []),
      ...Object.values(storageStack.tasks).flatMap((task) =>
        t === main
          ? [
              {
                kind: 'other' as const,
                action: 'lambda:InvokeFunction',
                resource: arnOf(main, task.function.function),
              },
            ]
          : [],
      ),
    ];
    for (const role of rolesOf(t.resolved, t.values)) {
      const expected = expectations.get(`${t.stackName}/${role.logicalId}`);
      if (!expected) {
        unexpected.push(`${t.stackName}/${role.logicalId}`);
        continue;
      }
      const probes = buildProbes(expected.rules, {
        layout,
        appBucketArns,
        otherRequests: others,
      });
      const allowed = probes.filter((p) => p.expected === 'Allowed').length;
      cases.push({
        variant,
        environment,
        name: expected.name,
        stackName: t.stackName,
        role,
        rules: expected.rules,
        probes,
        allowed,
        denied: probes.length - allowed,
        bucketPolicies,
        accountId: t.accountId,
      });
    }
  }
  return { cases, unexpected, expectedCount: expectations.size };
}

const synths = (Object.keys(APP_VARIANTS) as AppVariant[]).map(
  (variant) => [variant, synthValidatedApp(variant)] as const,
);
afterAll(() => {
  for (const [, synth] of synths) synth.dispose();
});

describe.each(synths)('IAM simulation of every role, app %s,', (variant, synth) => {
  const perEnvironment = ENVIRONMENT_NAMES.map((environment) => ({
    environment,
    ...roleCases(variant, synth, environment),
  }));

  it.each(perEnvironment)(
    'has an expectation for every role of $environment, and a role for each',
    ({ cases, unexpected, expectedCount }) => {
      expect(unexpected).toEqual([]);
      expect(cases).toHaveLength(expectedCount);
    },
  );

  it.each(perEnvironment.flatMap((e) => e.cases))(
    '$environment: the $name is allowed exactly its access ($allowed allowed, $denied denied)',
    async (roleCase) => {
      const mismatches = await simulate(
        {
          role: roleCase.role,
          accountId: roleCase.accountId,
          bucketPolicies: roleCase.bucketPolicies,
        },
        roleCase.probes,
      );

      expect(roleCase.allowed).toBeGreaterThan(0);
      expect(mismatches).toEqual([]);
    },
  );
});
