import { Aws, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import {
  type IOidcProvider,
  OidcProviderNative,
  PolicyStatement,
  Role,
  WebIdentityPrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PROJECT_TAG } from './constants.ts';
import { readContext } from './environment-config.ts';
import { InfraConfigError } from './errors.ts';

/** The stack's id and name: `cdk deploy AutoBio-deploy-access`. */
export const DEPLOY_ACCESS_STACK_NAME = 'AutoBio-deploy-access';

/** The issuer of GitHub Actions' OIDC tokens, and the audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_URL = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The qualifier `cdk bootstrap` uses unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The bootstrap roles a deploy uses: CloudFormation, asset uploads, and reads for lookups and diffs. */
export const BOOTSTRAP_DEPLOY_ROLES = [
  'deploy-role',
  'file-publishing-role',
  'image-publishing-role',
  'lookup-role',
] as const;

/**
 * The context keys that configure this stack. It is outside the `autobio:<environment>:` namespace
 * on purpose: that namespace only holds the environments' settings, and synth rejects anything
 * else in it.
 */
export const DEPLOY_ACCESS_CONTEXT = {
  githubRepo: 'deployAccess:githubRepo',
  deployEnvironments: 'deployAccess:deployEnvironments',
  deployRefs: 'deployAccess:deployRefs',
  diffRefs: 'deployAccess:diffRefs',
  bootstrapRegions: 'deployAccess:bootstrapRegions',
  bootstrapQualifier: 'deployAccess:bootstrapQualifier',
  oidcProviderArn: 'deployAccess:oidcProviderArn',
} as const;

/** Props of {@link DeployAccessStack}. */
export interface DeployAccessStackProps extends StackProps {
  /** The GitHub repository whose workflows may deploy, as `owner/name` (GitHub's spelling). */
  readonly githubRepo: string;
  /**
   * The GitHub environments whose jobs may assume the deploy role (token `sub`
   * `repo:<owner/name>:environment:<name>`). Give them deployment branch rules in GitHub.
   * @default ['dev', 'prod']
   */
  readonly deployEnvironments?: readonly string[];
  /**
   * Git refs whose jobs without an environment may assume the deploy role too (token `sub`
   * `repo:<owner/name>:ref:<ref>`). Any workflow on such a ref could then deploy unreviewed.
   * @default [] - only the environments
   */
  readonly deployRefs?: readonly string[];
  /**
   * Git refs whose jobs may assume the diff role, which may only assume the bootstrap lookup role
   * (read-only): enough for `cdk diff --method template` before a reviewer approves a deploy.
   * @default ['refs/heads/main']; an empty list creates no diff role
   */
  readonly diffRefs?: readonly string[];
  /**
   * The regions whose bootstrap roles may be assumed: every region a deployed stack lives in
   * (add the replica region when replication is on).
   * @default - the region this stack is deployed in
   */
  readonly bootstrapRegions?: readonly string[];
  /** The qualifier the account was bootstrapped with. @default 'hnb659fds' */
  readonly bootstrapQualifier?: string;
  /**
   * The ARN of the account's GitHub OIDC provider, when it already has one (an account holds
   * one provider per issuer).
   * @default - this stack creates the provider
   */
  readonly oidcProviderArn?: string;
}

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
// Environment names and refs go verbatim into a `sub` claim compared with StringEquals: a `:`
// would let one entry read as another kind of subject, a `*` would suggest a wildcard that isn't.
const ENVIRONMENT_NAME = /^[^\s:*?]{1,255}$/;
const GIT_REF = /^refs\/(?:heads|tags)\/[^\s:*?]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const QUALIFIER = /^[A-Za-z0-9_-]{1,10}$/;
const OIDC_PROVIDER_ARN =
  /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

function checkAll(
  key: string,
  values: readonly string[],
  pattern: RegExp,
  expected: string,
): readonly string[] {
  for (const value of values) {
    if (!pattern.test(value)) {
      throw new InfraConfigError(key, value, `${JSON.stringify(value)} is not ${expected}.`);
    }
  }
  return values;
}

/**
 * Reads the stack's props from the app's context.
 * @returns undefined when `deployAccess:githubRepo` is not set: the app then has no such stack.
 * @throws InfraConfigError naming the key when a value is malformed.
 */
export function deployAccessPropsFromContext(
  context: Readonly<Record<string, unknown>>,
): DeployAccessStackProps | undefined {
  const keys = DEPLOY_ACCESS_CONTEXT;
  const githubRepo = readContext(keys.githubRepo, context[keys.githubRepo], 'owner/name');
  if (githubRepo === undefined) return undefined;
  const list = (key: string, example: string[]) => readContext(key, context[key], example);
  return {
    githubRepo,
    deployEnvironments: list(keys.deployEnvironments, ['dev', 'prod']),
    deployRefs: list(keys.deployRefs, ['refs/heads/main']),
    diffRefs: list(keys.diffRefs, ['refs/heads/main']),
    bootstrapRegions: list(keys.bootstrapRegions, ['us-east-1', 'us-west-2']),
    bootstrapQualifier: readContext(
      keys.bootstrapQualifier,
      context[keys.bootstrapQualifier],
      DEFAULT_BOOTSTRAP_QUALIFIER,
    ),
    oidcProviderArn: readContext(
      keys.oidcProviderArn,
      context[keys.oidcProviderArn],
      'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    ),
  };
}

/**
 * What GitHub Actions needs to deploy the app with no stored keys: the account's GitHub OIDC
 * provider, a deploy role that only the repository's approved jobs can assume and that may only
 * assume CDK's bootstrap roles, and a diff role that may only assume the read-only lookup role.
 * Deploy it once per account with admin credentials; the workflows use its outputs.
 */
export class DeployAccessStack extends Stack {
  /** The GitHub OIDC provider the roles trust. */
  public readonly oidcProvider: IOidcProvider;
  /** The role the deploy jobs assume. */
  public readonly deployRole: Role;
  /** The role the diff job assumes. @default - none when `diffRefs` is empty */
  public readonly diffRole?: Role;

  public constructor(scope: Construct, id: string, props: DeployAccessStackProps) {
    super(scope, id, {
      stackName: DEPLOY_ACCESS_STACK_NAME,
      description: 'AutoBio: the GitHub OIDC provider and the roles the deploy workflow assumes.',
      ...props,
    });
    const keys = DEPLOY_ACCESS_CONTEXT;
    if (!GITHUB_REPO.test(props.githubRepo)) {
      throw new InfraConfigError(
        keys.githubRepo,
        props.githubRepo,
        `${JSON.stringify(props.githubRepo)} is not a GitHub repository: use owner/name as GitHub ` +
          'spells it, for example -c deployAccess:githubRepo=my-org/autobio-storage.',
      );
    }
    const environments = checkAll(
      keys.deployEnvironments,
      props.deployEnvironments ?? ['dev', 'prod'],
      ENVIRONMENT_NAME,
      'a GitHub environment name (no spaces, `:`, `*` or `?`)',
    );
    const deployRefs = checkAll(
      keys.deployRefs,
      props.deployRefs ?? [],
      GIT_REF,
      'a full git ref such as refs/heads/main',
    );
    const diffRefs = checkAll(
      keys.diffRefs,
      props.diffRefs ?? ['refs/heads/main'],
      GIT_REF,
      'a full git ref such as refs/heads/main',
    );
    const regions = checkAll(
      keys.bootstrapRegions,
      props.bootstrapRegions ?? [],
      REGION,
      'a region name such as us-east-1',
    );
    const qualifier = props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    checkAll(keys.bootstrapQualifier, [qualifier], QUALIFIER, 'a cdk bootstrap qualifier');
    const subjects = [
      ...environments.map((name) => `repo:${props.githubRepo}:environment:${name}`),
      ...deployRefs.map((ref) => `repo:${props.githubRepo}:ref:${ref}`),
    ];
    if (subjects.length === 0) {
      throw new InfraConfigError(
        keys.deployEnvironments,
        props.deployEnvironments,
        'leaves nothing that may assume the deploy role: name at least one GitHub environment ' +
          '(or a ref in deployAccess:deployRefs).',
      );
    }

    if (props.oidcProviderArn !== undefined) {
      checkAll(
        keys.oidcProviderArn,
        [props.oidcProviderArn],
        OIDC_PROVIDER_ARN,
        "the ARN of an IAM OIDC provider for GitHub's token.actions.githubusercontent.com",
      );
      this.oidcProvider = OidcProviderNative.fromOidcProviderArn(
        this,
        'GitHubOidc',
        props.oidcProviderArn,
      );
    } else {
      // IAM verifies GitHub's certificates through its own trusted CAs: no thumbprint to pin.
      this.oidcProvider = new OidcProviderNative(this, 'GitHubOidc', {
        url: GITHUB_OIDC_URL,
        clientIds: [GITHUB_OIDC_AUDIENCE],
      });
    }

    const bootstrapRoleArns = (roles: readonly string[]) =>
      (regions.length > 0 ? regions : [Aws.REGION]).flatMap((region) =>
        roles.map(
          (role) =>
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${role}-${Aws.ACCOUNT_ID}-${region}`,
        ),
      );
    const trust = (allowed: readonly string[]) =>
      new WebIdentityPrincipal(this.oidcProvider.oidcProviderArn, {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': GITHUB_OIDC_AUDIENCE,
          'token.actions.githubusercontent.com:sub': [...allowed],
        },
      });

    this.deployRole = new Role(this, 'DeployRole', {
      description: `Assumed by ${props.githubRepo}'s deploy jobs; may only assume the CDK bootstrap roles.`,
      assumedBy: trust(subjects),
    });
    this.deployRole.addToPolicy(
      new PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: bootstrapRoleArns(BOOTSTRAP_DEPLOY_ROLES),
      }),
    );
    new CfnOutput(this, 'DeployRoleArn', {
      description: 'AWS_DEPLOY_ROLE_ARN of the GitHub environments that deploy to this account.',
      value: this.deployRole.roleArn,
    });

    if (diffRefs.length > 0) {
      this.diffRole = new Role(this, 'DiffRole', {
        description: `Assumed by ${props.githubRepo}'s diff job; may only assume the CDK lookup role.`,
        assumedBy: trust(diffRefs.map((ref) => `repo:${props.githubRepo}:ref:${ref}`)),
      });
      this.diffRole.addToPolicy(
        new PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: bootstrapRoleArns(['lookup-role']),
        }),
      );
      new CfnOutput(this, 'DiffRoleArn', {
        description: 'AWS_PROD_DIFF_ROLE_ARN, the repository variable of the prod diff job.',
        value: this.diffRole.roleArn,
      });
    }
    Tags.of(this).add('project', PROJECT_TAG);
  }
}
