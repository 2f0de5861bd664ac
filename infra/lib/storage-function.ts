import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { wholeNumber } from '@autobio/s3-storage/settings';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { type IGrantable, type IPrincipal, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { type LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  MAX_FUNCTION_TIMEOUT_SECONDS,
  MAX_SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
} from './constants.ts';
import { FunctionSettingsError } from './errors.ts';
import { FUNCTION_BUNDLE_SETTINGS, FUNCTION_NODE_OPTIONS } from './function-bundling.ts';
import { FunctionRole } from './function-role.ts';
import { acknowledgeGuardRule, acknowledgeRule } from './nag.ts';
import type { StorageBucket } from './storage-bucket.ts';
import type { StorageAreaGrant } from './types/area-access.ts';

/** The Lambda runtime of every function: the newest Node.js runtime aws-cdk-lib knows. */
export const FUNCTION_RUNTIME: Runtime = Runtime.NODEJS_24_X;

/** The architecture of every function (Graviton: cheaper per GB-second than x86_64). */
export const FUNCTION_ARCHITECTURE: Architecture = Architecture.ARM_64;

/** Memory of a function unless its props say otherwise, in MB. */
export const DEFAULT_FUNCTION_MEMORY_SIZE_MB = 512;

/** Variables the construct sets itself, on every function. */
const CONSTRUCT_VARIABLES = ['NODE_OPTIONS'] as const;

/** What a function that answers CloudFront signed URLs is given (see `StorageFunction#bindCdn`). */
export interface CdnBindingProps {
  /** The distribution's domain name, `d111111abcdef8.cloudfront.net`. */
  readonly domainName: string;
  /** The id of the CloudFront public key the URLs are signed for (their `Key-Pair-Id`). */
  readonly keyPairId: string;
  /** The name of the Secrets Manager secret, in the stack's account and region, holding the private key PEM. */
  readonly privateKeySecretName: string;
}

/** Props of {@link StorageFunction}. */
export interface StorageFunctionProps {
  /** Absolute path of the handler's TypeScript (or JavaScript) source. */
  readonly entry: string;
  /** The handler's export name. @default 'handler' */
  readonly handlerExport?: string;
  /** The function's description. @default - none */
  readonly description?: string;
  /** Memory, in MB (128–10240); CPU grows with it. @default 512 */
  readonly memorySizeMb?: number;
  /**
   * Timeout, in seconds: 1–29 behind the API (API Gateway answers the caller within 30 s
   * whatever the function does, so a longer run would only be billed), 1–900 when scheduled.
   * @default 29
   */
  readonly timeoutSeconds?: number;
  /**
   * Who invokes the function: API Gateway, synchronously, or EventBridge Scheduler, whose next
   * run retries what this one left (the function keeps its work in S3).
   * @default 'api'
   */
  readonly invokedBy?: 'api' | 'scheduler';
  /** How long the function's log group keeps logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when the stack deletes it. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Environment variables, beyond the storage binding. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Every variable the handler reads. Setting any other one throws, so a misspelt variable
   * fails synth instead of being ignored at run time.
   * @default - any variable may be set
   */
  readonly readsEnvironment?: readonly string[];
  /**
   * The directory esbuild runs in; `entry` and the lock file must be under it.
   * @default - the directory of the nearest pnpm-lock.yaml above `entry`
   */
  readonly projectRoot?: string;
}

/**
 * One Lambda function of the project, with everything that must not differ between functions
 * fixed once: the newest Node.js runtime, ARM64, ESM bundling with the AWS SDK bundled and
 * minified (see `FUNCTION_BUNDLE_SETTINGS`) by the local esbuild, source maps, X-Ray tracing, a
 * role without AWS managed policies and a log group with a retention. `bindStorage` sets the
 * storage package's variables and grants exactly the given access to the bucket, together.
 *
 * ```ts
 * const fn = new StorageFunction(this, 'ListIllustrations', { entry: route.entry });
 * fn.bindStorage(stack.storage, [{ area: 'generated/memory', actions: ['s3:ListBucket', 's3:GetObject'] }]);
 * ```
 */
export class StorageFunction extends Construct implements IGrantable {
  /** The function. */
  public readonly function: NodejsFunction;
  /** Its execution role (no AWS managed policy). */
  public readonly role: Role;
  /** Its log group. */
  public readonly logGroup: LogGroup;
  public readonly grantPrincipal: IPrincipal;
  private readonly readsEnvironment?: ReadonlySet<string>;
  private storage?: StorageBucket;
  private cdnBound = false;

  public constructor(scope: Construct, id: string, props: StorageFunctionProps) {
    super(scope, id);
    const memorySizeMb = props.memorySizeMb ?? DEFAULT_FUNCTION_MEMORY_SIZE_MB;
    const timeoutSeconds = props.timeoutSeconds ?? MAX_FUNCTION_TIMEOUT_SECONDS;
    checkWholeNumber('memorySizeMb', memorySizeMb, 128, 10_240, 'MB');
    const scheduled = props.invokedBy === 'scheduler';
    checkWholeNumber(
      'timeoutSeconds',
      timeoutSeconds,
      1,
      scheduled ? MAX_SCHEDULED_FUNCTION_TIMEOUT_SECONDS : MAX_FUNCTION_TIMEOUT_SECONDS,
      's',
    );
    if (props.readsEnvironment) this.readsEnvironment = new Set(props.readsEnvironment);

    const logging = new FunctionRole(this, 'Logging', {
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      description: props.description,
    });
    this.role = logging.role;
    this.logGroup = logging.logGroup;
    this.grantPrincipal = this.role;

    const projectRoot = props.projectRoot ?? projectRootOf(props.entry);
    ensureLocalEsbuild();
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handlerExport ?? 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: memorySizeMb,
      timeout: Duration.seconds(timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'pnpm-lock.yaml'),
      bundling: functionBundlingOptions(),
      environment: { NODE_OPTIONS: FUNCTION_NODE_OPTIONS },
    });
    for (const [name, value] of Object.entries(props.environment ?? {})) {
      this.addEnvironment(name, value);
    }
    // Lambda's active tracing needs these two X-Ray actions, which take no resource ARN.
    acknowledgeRule(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no ' +
        'resource-level permissions, so Lambda active tracing grants them on "*".',
    );
    // Only an asynchronous invocation can go to a dead-letter queue; API Gateway invokes
    // synchronously and the caller receives the failure.
    acknowledgeRule(
      this.function,
      'Serverless-LambdaDLQ',
      scheduled
        ? 'Run by a recurring schedule whose event carries nothing: the work left is in S3, and ' +
            'the next run retries it; a queued copy of an empty event would restore nothing.'
        : 'Invoked synchronously by API Gateway only: a failure is answered to the caller, and a ' +
            'dead-letter queue would never receive an event.',
    );
    acknowledgeGuardRule(
      this.function,
      'CT.LAMBDA.PR.3',
      'The function reaches only public AWS endpoints (S3, X-Ray, Secrets Manager) and the illustration-gen ' +
        'service over HTTPS, nothing private. A VPC would add NAT gateways or endpoints and their ' +
        'cost for no isolation its role does not already give.',
    );
  }

  /**
   * Sets an environment variable of the function.
   * @throws FunctionSettingsError when the handler does not read `name` (see `readsEnvironment`),
   * or the construct sets it itself.
   */
  public addEnvironment(name: string, value: string): this {
    if ((CONSTRUCT_VARIABLES as readonly string[]).includes(name)) {
      throw new FunctionSettingsError(
        `${this.node.path}: ${name} is set by StorageFunction for every function ` +
          `("${FUNCTION_NODE_OPTIONS}"); remove it from the environment.`,
      );
    }
    if (this.readsEnvironment && !this.readsEnvironment.has(name)) {
      throw new FunctionSettingsError(
        `${this.node.path}: the handler does not read ${name}. It reads ` +
          `${[...this.readsEnvironment].join(', ')}; fix the name, or add it to the route's ` +
          'environment list if the handler now reads it.',
      );
    }
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Binds the function to the environment's bucket: sets `S3_BUCKET_NAME`, `S3_CLIENT_REGION`
   * and the four `S3_*_PREFIX` variables, and grants exactly `grants` (each an area of the key
   * layout and its actions) through `StorageBucket.grantArea`, nothing else.
   * @throws StorageGrantError for an empty list, a wildcard or an unknown action.
   * @throws FunctionSettingsError when the function is already bound.
   */
  public bindStorage(storage: StorageBucket, grants: readonly StorageAreaGrant[]): void {
    if (this.storage !== undefined) {
      throw new FunctionSettingsError(
        `${this.node.path} is already bound to ${this.storage.node.path}: bind a function once, ` +
          'with all its grants.',
      );
    }
    if (grants.length === 0) {
      throw new FunctionSettingsError(
        `${this.node.path}: bindStorage needs at least one grant, for example ` +
          "[{ area: 'subjects', actions: ['s3:GetObject'] }]; a function without storage " +
          'access needs no binding.',
      );
    }
    this.storage = storage;
    for (const [name, value] of Object.entries(storage.storageEnvironment)) {
      this.addEnvironment(name, value);
    }
    for (const grant of grants) storage.grantArea(this.role, grant.area, grant.actions);
  }

  /**
   * Lets the function sign CloudFront URLs: sets `CDN_DOMAIN_NAME`, `CDN_KEY_PAIR_ID` and
   * `CDN_PRIVATE_KEY_SECRET_ID`, and grants exactly `secretsmanager:GetSecretValue` on that one
   * secret (`<name>-??????`: Secrets Manager ends its ARN with six random characters). A secret
   * encrypted with the default key, aws/secretsmanager, needs no KMS grant.
   * @throws FunctionSettingsError when the handler does not read those variables, the name is
   *   not a secret name, or the function is already bound.
   */
  public bindCdn(props: CdnBindingProps): void {
    if (this.cdnBound) {
      throw new FunctionSettingsError(
        `${this.node.path} is already bound to a CDN: bind a function once.`,
      );
    }
    const name = props.privateKeySecretName;
    if (!Token.isUnresolved(name) && !/^[\w/+=.@-]{1,512}$/.test(name)) {
      throw new FunctionSettingsError(
        `${this.node.path}: "${name}" is not a Secrets Manager secret name (1-512 letters, ` +
          'digits and / _ + = . @ -); give the name, not an ARN or a pattern.',
      );
    }
    this.addEnvironment('CDN_DOMAIN_NAME', props.domainName);
    this.addEnvironment('CDN_KEY_PAIR_ID', props.keyPairId);
    this.addEnvironment('CDN_PRIVATE_KEY_SECRET_ID', name);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          Stack.of(this).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    this.cdnBound = true;
  }
}

/** NodejsFunction's bundling for {@link FUNCTION_BUNDLE_SETTINGS}. */
export function functionBundlingOptions(): BundlingOptions {
  const s = FUNCTION_BUNDLE_SETTINGS;
  return {
    target: s.target,
    format: OutputFormat.ESM,
    mainFields: [...s.mainFields],
    minify: s.minify,
    keepNames: s.keepNames,
    sourceMap: s.sourcemap,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: s.sourcesContent,
    banner: s.banner,
    bundleAwsSDK: true,
    externalModules: [...s.external],
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  };
}

function checkWholeNumber(prop: string, value: number, min: number, max: number, unit: string) {
  const result = wholeNumber(min, max).safeParse(value);
  if (!result.success) {
    throw new FunctionSettingsError(
      `${prop} ${result.error.issues[0]?.message} ${unit}, got ${value}.` +
        (prop === 'timeoutSeconds'
          ? ' API Gateway answers within 30 s, so a function behind it never needs more than 29.'
          : ''),
    );
  }
}

function projectRootOf(entry: string): string {
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-lock.yaml'))) return dir;
    if (dirname(dir) === dir) {
      throw new FunctionSettingsError(
        `No pnpm-lock.yaml above ${entry}: give the function an entry inside the workspace, ` +
          'or set projectRoot.',
      );
    }
  }
}

let esbuildOnPath = false;

/**
 * Puts this package's esbuild (a devDependency) first on PATH, once, so NodejsFunction finds it
 * and bundles locally whatever the package manager hoisted: without an esbuild it would build a
 * Docker image instead, and there is no Docker engine here.
 */
function ensureLocalEsbuild(): void {
  if (esbuildOnPath) return;
  let binDir: string;
  try {
    const manifest = createRequire(import.meta.url).resolve('esbuild/package.json');
    binDir = join(dirname(manifest), 'bin');
  } catch (error) {
    throw new FunctionSettingsError(
      'esbuild is not installed: the functions are bundled with the local esbuild (a ' +
        'devDependency of @autobio/infra). Run `pnpm install`.',
      { cause: error },
    );
  }
  const path = process.env.PATH ?? '';
  if (!path.split(delimiter).includes(binDir)) {
    process.env.PATH = path ? `${binDir}${delimiter}${path}` : binDir;
  }
  esbuildOnPath = true;
}
