import { getRoute } from '@autobio/functions';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  ESM_REQUIRE_BANNER,
  FUNCTION_BUNDLE_SETTINGS,
  FUNCTION_NODE_MAJOR_VERSION,
  FUNCTION_RUNTIME,
  FunctionSettingsError,
  functionBundlingOptions,
  functionEsbuildOptions,
  StorageBucket,
  StorageFunction,
  type StorageFunctionProps,
  StorageGrantError,
} from '../lib/index.ts';
import { arnWithSuffix, logicalIdOf, newApp } from './helpers/app.ts';

const ENTRY = getRoute('get-subject-image').entry;

function fixture(props: Partial<StorageFunctionProps> = {}) {
  const app = newApp();
  const stack = new Stack(app, 'Functions');
  const storage = new StorageBucket(stack, 'Storage');
  const fn = new StorageFunction(stack, 'GetSubjectImage', { entry: ENTRY, ...props });
  return { app, stack, storage, fn };
}

function functionProperties(stack: Stack, fn: StorageFunction): Record<string, unknown> {
  return Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, fn.function)].Properties;
}

function nagFindings(app: ReturnType<typeof newApp>) {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(app).violations.map((v) => v.ruleName),
  );
}

describe('the functions runtime', () => {
  it('is the newest Node.js runtime aws-cdk-lib knows', () => {
    const versions = Object.keys(Runtime)
      .map((name) => /^NODEJS_(\d+)_X$/.exec(name)?.[1])
      .filter((major) => major !== undefined)
      .map(Number);

    expect(Math.max(...versions)).toBe(FUNCTION_NODE_MAJOR_VERSION);
    expect(FUNCTION_RUNTIME.name).toBe(`nodejs${FUNCTION_NODE_MAJOR_VERSION}.x`);
  });
});

describe('the bundle settings', () => {
  it('are the same for NodejsFunction and for esbuild', () => {
    const cdk = functionBundlingOptions();
    const esbuild = functionEsbuildOptions('/src/handler.ts', '/out');

    expect({
      target: cdk.target,
      format: cdk.format,
      mainFields: cdk.mainFields,
      minify: cdk.minify,
      keepNames: cdk.keepNames,
      sourcemap: cdk.sourceMap,
      sourcesContent: cdk.sourcesContent,
      banner: cdk.banner,
      external: cdk.externalModules,
    }).toEqual({
      target: esbuild.target,
      format: OutputFormat.ESM,
      mainFields: esbuild.mainFields,
      minify: esbuild.minify,
      keepNames: esbuild.keepNames,
      sourcemap: esbuild.sourcemap,
      sourcesContent: esbuild.sourcesContent,
      banner: esbuild.banner?.js,
      external: esbuild.external,
    });
    expect(esbuild).toMatchObject({ format: 'esm', outfile: '/out/index.mjs', bundle: true });
  });

  it('bundle the AWS SDK, minified, as ESM with a require for CommonJS dependencies', () => {
    expect(functionBundlingOptions()).toMatchObject({
      bundleAwsSDK: true,
      externalModules: [],
      minify: true,
      format: OutputFormat.ESM,
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      forceDockerBundling: false,
    });
    expect(FUNCTION_BUNDLE_SETTINGS.banner).toMatch(/createRequire.*import\.meta\.url/);
  });
});

describe('StorageFunction', () => {
  it('runs on the newest Node.js runtime, on ARM64, with source maps and tracing', () => {
    const { stack, fn } = fixture();

    expect(functionProperties(stack, fn)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 29,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(stack, fn.logGroup) } },
    });
  });

  it('takes the memory, timeout, handler export and log retention it is given', () => {
    const { stack, fn } = fixture({
      memorySizeMb: 1024,
      timeoutSeconds: 10,
      handlerExport: 'main',
      logRetention: RetentionDays.ONE_WEEK,
    });

    expect(functionProperties(stack, fn)).toMatchObject({
      MemorySize: 1024,
      Timeout: 10,
      Handler: 'index.main',
    });
    expect(
      Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, fn.logGroup)].Properties,
    ).toMatchObject({ RetentionInDays: 7 });
  });

  it('binds the bucket: its variables, and exactly the grants it is given', () => {
    const { stack, storage, fn } = fixture();

    fn.bindStorage(storage, [{ area: 'subjects', actions: ['s3:ListBucket', 's3:GetObject'] }]);

    const bucketId = logicalIdOf(stack, storage.bucket);
    expect(functionProperties(stack, fn)).toMatchObject({
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          S3_BUCKET_NAME: { Ref: bucketId },
          S3_CLIENT_REGION: { Ref: 'AWS::Region' },
          S3_SUBJECT_PREFIX: 'subjects/',
          S3_AVATAR_PREFIX: 'avatars/',
          S3_GENERATED_PREFIX: 'generated/',
          S3_STUBS_PREFIX: 'stubs/',
        },
      },
    });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(stack, fn.role) }] },
    });
    expect(Object.values(policies).map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      [
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalIdOf(stack, fn.logGroup), 'Arn'] },
        },
        {
          Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Effect: 'Allow',
          Resource: '*',
        },
        {
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: arnWithSuffix(bucketId, '/subjects/*'),
        },
        {
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': ['subjects/*'] } },
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        },
      ],
    ]);
  });

  it('uses no AWS managed policy and passes cdk-nag once bound', () => {
    const { app, stack, storage, fn } = fixture();
    fn.bindStorage(storage, [{ area: 'generated/memory', actions: ['s3:PutObject'] }]);

    const role = Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, fn.role)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(nagFindings(app)).toEqual([]);
  });

  it('acknowledges only the X-Ray wildcard: any other wildcard on its role is still flagged', () => {
    const { app, storage, fn } = fixture();
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [storage.bucket.arnForObjects('*')],
      }),
    );

    expect(nagFindings(app)).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Storage/),
    ]);
  });

  it('sets the variables the handler reads', () => {
    const { stack, fn } = fixture({
      readsEnvironment: ['POWERTOOLS_LOG_LEVEL'],
      environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    });

    expect(functionProperties(stack, fn)).toMatchObject({
      Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } },
    });
  });

  it('throws when given a variable the handler does not read', () => {
    expect(() =>
      fixture({
        readsEnvironment: ['ILLUSTRATION_GEN_URL'],
        environment: { ILLUSTRATION_GEN_URI: 'https://x.example.com' },
      }),
    ).toThrow(/does not read ILLUSTRATION_GEN_URI\. It reads ILLUSTRATION_GEN_URL/);
  });

  it('throws when given NODE_OPTIONS, which it sets itself', () => {
    expect(() => fixture({ environment: { NODE_OPTIONS: '--inspect' } })).toThrow(
      FunctionSettingsError,
    );
  });

  it.each([
    [{ timeoutSeconds: 30 }, /timeoutSeconds must be a whole number from 1 to 29 s, got 30/],
    [{ timeoutSeconds: 0.5 }, /timeoutSeconds/],
    [{ memorySizeMb: 64 }, /memorySizeMb must be a whole number from 128 to 10240 MB, got 64/],
  ])('throws when given %o', (props, message) => {
    expect(() => fixture(props)).toThrow(message);
  });

  it('throws when bound twice', () => {
    const { storage, fn } = fixture();
    fn.bindStorage(storage, [{ area: 'avatars', actions: ['s3:PutObject'] }]);

    expect(() => fn.bindStorage(storage, [{ area: 'stubs', actions: ['s3:GetObject'] }])).toThrow(
      /already bound/,
    );
  });

  it('throws when bound with no grant', () => {
    const { storage, fn } = fixture();

    expect(() => fn.bindStorage(storage, [])).toThrow(/needs at least one grant/);
  });

  it('throws when a grant has a wildcard action', () => {
    const { storage, fn } = fixture();

    expect(() =>
      fn.bindStorage(storage, [{ area: 'avatars', actions: ['s3:*' as 's3:GetObject'] }]),
    ).toThrow(StorageGrantError);
  });
});
