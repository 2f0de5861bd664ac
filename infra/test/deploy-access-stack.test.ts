import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  DEPLOY_ACCESS_STACK_NAME,
  DeployAccessStack,
  type DeployAccessStackProps,
  deployAccessPropsFromContext,
} from '../lib/deploy-access-stack.ts';
import { InfraConfigError } from '../lib/index.ts';
import { CDK_JSON_CONTEXT, logicalIdOf, newApp, SKIP_BUNDLING } from './helpers/app.ts';

const REPO = 'my-org/autobio-storage';

function deployAccess(props: Partial<DeployAccessStackProps> = {}) {
  const app = newApp();
  const stack = new DeployAccessStack(app, DEPLOY_ACCESS_STACK_NAME, {
    githubRepo: REPO,
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** `arn:<partition>:iam::<account>:role/cdk-<qualifier>-<role>-<account>-<region>`, as CDK renders it. */
function bootstrapRoleArn(
  role: string,
  region: unknown = { Ref: 'AWS::Region' },
  qualifier = 'hnb659fds',
) {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':iam::',
        { Ref: 'AWS::AccountId' },
        `:role/cdk-${qualifier}-${role}-`,
        { Ref: 'AWS::AccountId' },
        ...(typeof region === 'string' ? [`-${region}`] : ['-', region]),
      ],
    ],
  };
}

/** The role's trust policy and every policy statement attached to it. */
function roleOf(
  { stack, template }: ReturnType<typeof deployAccess>,
  which: 'deployRole' | 'diffRole',
) {
  const role = stack[which];
  if (!role) throw new Error(`The stack has no ${which}.`);
  const logicalId = logicalIdOf(stack, role);
  const { Properties } = template.findResources('AWS::IAM::Role')[logicalId]!;
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === logicalId),
  );
  return {
    trust: Properties.AssumeRolePolicyDocument,
    managedPolicies: Properties.ManagedPolicyArns,
    inlinePolicies: Properties.Policies,
    statements: policies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
    ),
  };
}

function githubTrust(subjects: string[], federated: unknown = { Ref: 'GitHubOidcA2A496A3' }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: federated },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': subjects,
          },
        },
      },
    ],
  };
}

describe('DeployAccessStack', () => {
  it("creates the account's GitHub OIDC provider for the STS audience", () => {
    const { template } = deployAccess();

    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it("lets only the repository's dev and prod environment jobs assume the deploy role", () => {
    const built = deployAccess();

    expect(roleOf(built, 'deployRole').trust).toEqual(
      githubTrust([`repo:${REPO}:environment:dev`, `repo:${REPO}:environment:prod`]),
    );
  });

  it('adds the environments and refs it is given to the deploy trust, and nothing else', () => {
    const built = deployAccess({
      deployEnvironments: ['staging'],
      deployRefs: ['refs/heads/release'],
    });

    expect(roleOf(built, 'deployRole').trust).toEqual(
      githubTrust([`repo:${REPO}:environment:staging`, `repo:${REPO}:ref:refs/heads/release`]),
    );
  });

  it('gives the deploy role only sts:AssumeRole on the CDK bootstrap roles of its account and region', () => {
    const built = deployAccess();

    const role = roleOf(built, 'deployRole');

    expect(role.managedPolicies).toBeUndefined();
    expect(role.inlinePolicies).toBeUndefined();
    expect(role.statements).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Resource: [
          bootstrapRoleArn('deploy-role'),
          bootstrapRoleArn('file-publishing-role'),
          bootstrapRoleArn('image-publishing-role'),
          bootstrapRoleArn('lookup-role'),
        ],
      },
    ]);
  });

  it('covers the bootstrap roles of every region and the qualifier it is given', () => {
    const built = deployAccess({
      bootstrapRegions: ['us-east-1', 'us-west-2'],
      bootstrapQualifier: 'autobio1',
    });

    const resources = roleOf(built, 'deployRole').statements.flatMap(
      (statement) => (statement as { Resource: unknown[] }).Resource,
    );

    // IAM's policy minimization may reorder the list: compare it as a set.
    const sorted = (arns: unknown[]) => arns.map((arn) => JSON.stringify(arn)).sort();
    expect(sorted(resources)).toEqual(
      sorted(
        ['us-east-1', 'us-west-2'].flatMap((region) =>
          ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map(
            (role) => bootstrapRoleArn(role, region, 'autobio1'),
          ),
        ),
      ),
    );
  });

  it('lets jobs on main assume the diff role, which may only assume the read-only lookup role', () => {
    const built = deployAccess();

    const role = roleOf(built, 'diffRole');

    expect(role.trust).toEqual(githubTrust([`repo:${REPO}:ref:refs/heads/main`]));
    expect(role.managedPolicies).toBeUndefined();
    expect(role.inlinePolicies).toBeUndefined();
    expect(role.statements).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Resource: bootstrapRoleArn('lookup-role') },
    ]);
  });

  it('creates no diff role when no ref may diff', () => {
    const { template } = deployAccess({ diffRefs: [] });

    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(Object.keys(template.findOutputs('*'))).toEqual(['DeployRoleArn']);
  });

  it('trusts an existing OIDC provider instead of creating one', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

    const built = deployAccess({ oidcProviderArn: arn });

    built.template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(roleOf(built, 'deployRole').trust).toEqual(
      githubTrust([`repo:${REPO}:environment:dev`, `repo:${REPO}:environment:prod`], arn),
    );
  });

  it('outputs the role ARNs the workflows need', () => {
    const { template } = deployAccess();

    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['DeployRoleArn', 'DiffRoleArn']);
  });

  it('passes the AwsSolutions and Serverless cdk-nag packs with nothing acknowledged', () => {
    const { app } = deployAccess({ bootstrapRegions: ['us-east-1', 'us-west-2'] });

    const violations = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap(
      (pack) => pack.validateScope(app).violations,
    );

    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });

  it.each([
    ['a repository that is not owner/name', { githubRepo: 'autobio-storage' }, 'githubRepo'],
    ['an environment name with a colon', { deployEnvironments: ['prod:x'] }, 'deployEnvironments'],
    ['a ref that is not a full ref', { deployRefs: ['main'] }, 'deployRefs'],
    ['a diff ref with a wildcard', { diffRefs: ['refs/heads/*'] }, 'diffRefs'],
    ['a region that is not one', { bootstrapRegions: ['us-east'] }, 'bootstrapRegions'],
    ['nothing may assume the deploy role', { deployEnvironments: [] }, 'deployEnvironments'],
    [
      'the OIDC provider is not GitHub',
      { oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com' },
      'oidcProviderArn',
    ],
  ])('throws when given %s, naming the context key', (_, props, setting) => {
    expect(() => deployAccess(props)).toThrow(InfraConfigError);
    expect(() => deployAccess(props)).toThrow(`deployAccess:${setting}: `);
  });
});

describe('deployAccessPropsFromContext', () => {
  it('gives nothing when no repository is set, so the app has no such stack', () => {
    expect(deployAccessPropsFromContext({ 'autobio:dev:cdn': true })).toBeUndefined();
  });

  it('reads the repository and comma-separated lists as -c gives them', () => {
    const props = deployAccessPropsFromContext({
      'deployAccess:githubRepo': REPO,
      'deployAccess:deployEnvironments': 'dev,prod',
      'deployAccess:diffRefs': '',
      'deployAccess:bootstrapRegions': 'us-east-1, us-west-2',
    });

    expect(props).toEqual({
      githubRepo: REPO,
      deployEnvironments: ['dev', 'prod'],
      deployRefs: undefined,
      diffRefs: [],
      bootstrapRegions: ['us-east-1', 'us-west-2'],
      bootstrapQualifier: undefined,
      oidcProviderArn: undefined,
    });
  });

  it('throws when a list is not a list, naming the key', () => {
    expect(() =>
      deployAccessPropsFromContext({ 'deployAccess:githubRepo': REPO, 'deployAccess:diffRefs': 3 }),
    ).toThrow('deployAccess:diffRefs: must be a list of strings');
  });
});

describe('the CDK app entry point with deployAccess:githubRepo', () => {
  it('adds AutoBio-deploy-access next to the environments, and synth passes cdk-nag', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'autobio-cdk-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/autobio-storage.ts'], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({
            ...CDK_JSON_CONTEXT,
            ...SKIP_BUNDLING,
            // Prod's settings, so its synth warnings don't hide ours.
            'autobio:prod:corsOrigins': ['https://app.example.com'],
            'autobio:prod:jwtIssuer':
              'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
            'autobio:prod:jwtAudience': ['1example23456789'],
            'autobio:prod:illustrationGenUrl': 'https://illustration-gen.example.com/generate',
            'autobio:prod:illustrationGenPrincipal':
              'arn:aws:iam::210987654321:role/illustration-gen',
            'deployAccess:githubRepo': REPO,
          }),
          CDK_DEFAULT_ACCOUNT: '',
          CDK_DEFAULT_REGION: '',
        },
      });

      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(
        readdirSync(outdir)
          .filter((f) => f.endsWith('.template.json'))
          .sort(),
      ).toEqual([
        'AutoBio-deploy-access.template.json',
        'AutoBio-dev.template.json',
        'AutoBio-local.template.json',
        'AutoBio-prod.template.json',
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
