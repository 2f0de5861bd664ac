import { getRoute, ROUTES } from '@autobio/functions';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_NAMES,
  type EnvironmentName,
  FunctionSettingsError,
  StorageApi,
  type StorageApiProps,
  StorageBucket,
} from '../lib/index.ts';
import { environmentStacks, logicalIdOf, newApp } from './helpers/app.ts';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';
const SERVICE_URL = 'https://illustration-gen.example.com/generate';
const CONFIGURED_PROD = {
  'autobio:prod:jwtIssuer': ISSUER,
  'autobio:prod:jwtAudience': ['client-a', 'client-b'],
  'autobio:prod:corsOrigins': ['https://app.example.com'],
  'autobio:prod:illustrationGenUrl': SERVICE_URL,
  'autobio:prod:illustrationGenTimeoutMs': 27_000,
  'autobio:prod:apiThrottleRateLimit': 200,
  'autobio:prod:apiThrottleBurstLimit': 400,
};

type Variant = EnvironmentName | 'prod configured';
const VARIANTS: readonly Variant[] = [...ENVIRONMENT_NAMES, 'prod configured'];

// One synth per variant, shared by the assertions below.
const built = Object.fromEntries(
  VARIANTS.map((variant) => {
    const stacks =
      variant === 'prod configured'
        ? environmentStacks('prod', CONFIGURED_PROD)
        : environmentStacks(variant);
    return [variant, { ...stacks, template: Template.fromStack(stacks.storage) }];
  }),
) as Record<Variant, ReturnType<typeof environmentStacks> & { template: Template }>;

/** The route keys of the issue, and the handler that serves each. */
const ROUTE_TABLE = {
  'POST /uploads/subject': 'create-subject-upload',
  'POST /uploads/avatar': 'create-avatar-upload',
  'GET /images/subject': 'get-subject-image',
  'GET /images/avatar': 'get-avatar-image',
  'GET /illustrations/{kind}': 'list-illustrations',
  'POST /illustrations/{kind}': 'generate-illustration',
  'DELETE /me/data': 'delete-my-data',
} as const;

type RouteKey = keyof typeof ROUTE_TABLE;

const GENERATED = ['generated/memory/*', 'generated/subject/*'];

/**
 * Everything each function may do on the bucket, written out: "<action> <resource>" for object
 * actions on `<bucket>/<resource>`, the `s3:prefix` each `s3:ListBucket` is limited to, and
 * likewise for `s3:ListBucketVersions`.
 */
const EXPECTED_ACCESS: Record<
  RouteKey,
  { objects: string[]; listPrefixes: string[]; versionListPrefixes?: string[] }
> = {
  // Each route that stores anything first looks for the caller's pending-deletion marker.
  'POST /uploads/subject': {
    objects: ['s3:PutObject subjects/*', 's3:GetObject deletions/*'],
    listPrefixes: ['deletions/*'],
  },
  'POST /uploads/avatar': {
    objects: ['s3:PutObject avatars/*', 's3:GetObject deletions/*'],
    listPrefixes: ['deletions/*'],
  },
  'GET /images/subject': {
    objects: ['s3:GetObject subjects/*'],
    listPrefixes: ['subjects/*'],
  },
  'GET /images/avatar': { objects: ['s3:GetObject avatars/*'], listPrefixes: ['avatars/*'] },
  'GET /illustrations/{kind}': {
    objects: GENERATED.map((r) => `s3:GetObject ${r}`),
    listPrefixes: GENERATED,
  },
  'POST /illustrations/{kind}': {
    objects: [
      ...['subjects/*', 'stubs/*', 'deletions/*', ...GENERATED].map((r) => `s3:GetObject ${r}`),
      ...GENERATED.map((r) => `s3:PutObject ${r}`),
      // The output key of a failed generate, in either mode.
      ...GENERATED.map((r) => `s3:DeleteObject ${r}`),
    ],
    listPrefixes: ['subjects/*', 'stubs/*', 'deletions/*', ...GENERATED],
  },
  'DELETE /me/data': {
    objects: [
      ...['subjects/*', 'avatars/*', ...GENERATED].flatMap((r) => [
        `s3:DeleteObject ${r}`,
        `s3:DeleteObjectVersion ${r}`,
      ]),
      // The pending-deletion marker: read if there is one, else written.
      's3:GetObject deletions/*',
      's3:PutObject deletions/*',
    ],
    listPrefixes: ['subjects/*', 'avatars/*', 'deletions/*', ...GENERATED],
    versionListPrefixes: ['subjects/*', 'avatars/*', ...GENERATED],
  },
};

/** The function behind each route key, followed through the template: route → integration → function. */
function functionsByRouteKey(variant: Variant) {
  const { template } = built[variant];
  const resources = template.toJSON().Resources;
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
  return Object.fromEntries(
    routes.map((route) => {
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const functionId = resources[integrationId].Properties.IntegrationUri['Fn::GetAtt'][0];
      return [route.Properties.RouteKey as string, { functionId, fn: resources[functionId] }];
    }),
  );
}

/** The statements of a role's policies as "<action> <resource>" lines, failing on anything else. */
function bucketAccessOf(variant: Variant, roleId: string) {
  const { storage, template } = built[variant];
  const bucketId = logicalIdOf(storage, storage.storage.bucket);
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  );
  const objects: string[] = [];
  const listPrefixes: string[] = [];
  const versionListPrefixes: string[] = [];
  const other: unknown[] = [];
  for (const statement of policies.flatMap((p) => p.Properties.PolicyDocument.Statement)) {
    const actions: string[] = [statement.Action].flat();
    const targets: unknown[] = [statement.Resource].flat();
    const keys = Object.keys(statement).sort().join(',');
    const onBucket =
      JSON.stringify(targets) === JSON.stringify([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
    if (
      keys === 'Action,Condition,Effect,Resource' &&
      onBucket &&
      actions.length > 0 &&
      actions.every((a) => a === 's3:ListBucket' || a === 's3:ListBucketVersions') &&
      Object.keys(statement.Condition).join() === 'StringLike' &&
      Object.keys(statement.Condition.StringLike).join() === 's3:prefix'
    ) {
      const prefixes: string[] = [statement.Condition.StringLike['s3:prefix']].flat();
      if (actions.includes('s3:ListBucket')) listPrefixes.push(...prefixes);
      if (actions.includes('s3:ListBucketVersions')) versionListPrefixes.push(...prefixes);
      continue;
    }
    const suffixes = targets.map((target) => {
      const join = (target as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      const [head, tail] = join?.[1] ?? [];
      return JSON.stringify(head) === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] }) &&
        typeof tail === 'string' &&
        tail.startsWith('/')
        ? tail.slice(1)
        : undefined;
    });
    if (
      keys === 'Action,Effect,Resource' &&
      actions.every((a) => a.startsWith('s3:')) &&
      suffixes.every(Boolean)
    ) {
      for (const action of actions)
        for (const suffix of suffixes) objects.push(`${action} ${suffix}`);
    } else {
      other.push(statement);
    }
  }
  return {
    objects: objects.sort(),
    listPrefixes: listPrefixes.sort(),
    versionListPrefixes: versionListPrefixes.sort(),
    other,
  };
}

describe.each(VARIANTS)('the %s API', (variant) => {
  const { storage, template } = built[variant];
  const name: EnvironmentName = variant === 'prod configured' ? 'prod' : variant;
  const byRouteKey = functionsByRouteKey(variant);
  const apiId = logicalIdOf(storage, storage.api.httpApi);
  const configured = variant === 'prod configured';

  it('is one HTTP API with the default stage only', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      Name: `AutoBio-${name}-storage-api`,
    });
  });

  it('has a JWT authorizer with the configured issuer and audience', () => {
    const authorizers = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));

    expect(authorizers.map((a) => a.Properties)).toEqual([
      {
        ApiId: { Ref: apiId },
        AuthorizerType: 'JWT',
        Name: 'jwt',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: configured
          ? { Issuer: ISSUER, Audience: ['client-a', 'client-b'] }
          : {
              Issuer: `https://jwt-issuer-not-configured.invalid/autobio-${name}`,
              Audience: ['autobio-storage-api'],
            },
      },
    ]);
  });

  it('has exactly the routes of the issue, each behind the JWT authorizer', () => {
    const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      Object.keys(ROUTE_TABLE).sort(),
    );
    for (const route of routes) {
      expect(route.Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it('has one function per route, the one of that route', () => {
    const functionIds = Object.values(byRouteKey).map((f) => f.functionId);

    expect(new Set(functionIds).size).toBe(ROUTES.length);
    for (const [routeKey, handler] of Object.entries(ROUTE_TABLE)) {
      expect(byRouteKey[routeKey]!.fn.Properties.Description).toBe(
        `${routeKey}: ${getRoute(handler).description}`,
      );
      expect(logicalIdOf(storage, storage.api.functions[handler]!.function)).toBe(
        byRouteKey[routeKey]!.functionId,
      );
    }
  });

  it('lets API Gateway invoke each function from its own route only', () => {
    for (const [routeKey, { functionId }] of Object.entries(byRouteKey)) {
      const permissions = Object.values(
        template.findResources('AWS::Lambda::Permission', {
          Properties: { FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] } },
        }),
      );
      const path = routeKey.split(' ')[1];

      expect(permissions.map((p) => p.Properties)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
          Principal: 'apigateway.amazonaws.com',
          SourceArn: {
            'Fn::Join': [
              '',
              [
                'arn:aws:execute-api:us-east-1:',
                { Ref: 'AWS::AccountId' },
                ':',
                { Ref: apiId },
                `/*/*${path}`,
              ],
            ],
          },
        },
      ]);
    }
  });

  it.each(Object.keys(ROUTE_TABLE) as RouteKey[])(
    'grants %s exactly its storage access, its logging and tracing',
    (routeKey) => {
      const { fn } = byRouteKey[routeKey]!;
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      const access = bucketAccessOf(variant, roleId);

      expect({
        objects: access.objects,
        listPrefixes: access.listPrefixes,
        versionListPrefixes: access.versionListPrefixes,
      }).toEqual({
        objects: [...EXPECTED_ACCESS[routeKey].objects].sort(),
        listPrefixes: [...EXPECTED_ACCESS[routeKey].listPrefixes].sort(),
        versionListPrefixes: [...(EXPECTED_ACCESS[routeKey].versionListPrefixes ?? [])].sort(),
      });
      expect(access.other).toEqual([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
        {
          Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Effect: 'Allow',
          Resource: '*',
        },
      ]);
      expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    },
  );

  it('runs every function on Node.js 24, ARM64, 29 s, with its memory and variables', () => {
    const bucketId = logicalIdOf(storage, storage.storage.bucket);
    for (const [routeKey, { fn }] of Object.entries(byRouteKey)) {
      const generate = routeKey === 'POST /illustrations/{kind}';
      const illustrationGen = configured
        ? {
            ILLUSTRATION_GEN_MODE: 'service',
            ILLUSTRATION_GEN_URL: SERVICE_URL,
            ILLUSTRATION_GEN_TIMEOUT_MS: '27000',
          }
        : { ILLUSTRATION_GEN_MODE: 'stub', ILLUSTRATION_GEN_TIMEOUT_MS: '25000' };

      expect({ routeKey, ...fn.Properties, Environment: undefined }).toMatchObject({
        routeKey,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 29,
        MemorySize: generate ? 1024 : 512,
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.Properties.Environment.Variables).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        S3_BUCKET_NAME: { Ref: bucketId },
        S3_CLIENT_REGION: 'us-east-1',
        S3_SUBJECT_PREFIX: 'subjects/',
        S3_AVATAR_PREFIX: 'avatars/',
        S3_GENERATED_PREFIX: 'generated/',
        S3_STUBS_PREFIX: 'stubs/',
        S3_DELETIONS_PREFIX: 'deletions/',
        ...(generate ? illustrationGen : {}),
      });
    }
  });

  it('keeps function logs and access logs for the environment retention', () => {
    const days = { local: 7, dev: 30, prod: 90 }[name];
    const policy = name === 'prod' ? 'Retain' : 'Delete';
    const logGroupIds = [
      ...Object.values(byRouteKey).map((f) => f.fn.Properties.LoggingConfig.LogGroup.Ref),
      logicalIdOf(storage, storage.api.accessLogs),
    ];

    expect(new Set(logGroupIds).size).toBe(ROUTES.length + 1);
    for (const id of logGroupIds) {
      expect(template.toJSON().Resources[id]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: days },
        DeletionPolicy: policy,
      });
    }
  });

  it('writes JSON access logs and throttles its default stage', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);

    expect(stage.Properties).toMatchObject({
      ApiId: { Ref: apiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: configured
        ? { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }
        : { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalIdOf(storage, storage.api.accessLogs), 'Arn'] },
      },
    });
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      authorizerError: '$context.authorizer.error',
    });
    expect(JSON.stringify(format)).not.toMatch(/header|body/i);
  });

  it('allows the same browser origins as the bucket', () => {
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const origins = storage.corsOrigins;

    if (origins.length === 0) {
      expect(api.Properties.CorsConfiguration).toBeUndefined();
    } else {
      expect(api.Properties.CorsConfiguration).toEqual({
        AllowOrigins: [...origins],
        AllowMethods: ['DELETE', 'GET', 'POST'],
        AllowHeaders: ['authorization', 'content-type'],
        MaxAge: 3600,
      });
    }
    expect(origins).toEqual(storage.storage.corsOrigins);
  });

  it('outputs the API URL', () => {
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { Ref: apiId }, '.execute-api.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/'],
        ],
      },
    });
  });
});

describe('the API warnings', () => {
  function warnings(variant: Variant) {
    return Annotations.fromStack(built[variant].storage)
      .findWarning('*', Match.anyValue())
      .map((w) => String(w.entry.data));
  }

  it('tell prod that the API refuses every request and makes stubs until configured', () => {
    expect(warnings('prod')).toEqual(
      expect.arrayContaining([
        expect.stringContaining('The prod API has no JWT issuer, so it refuses every request'),
        expect.stringContaining('The prod API copies stub images'),
      ]),
    );
  });

  it('are gone once prod is configured', () => {
    expect(warnings('prod configured')).toEqual([]);
  });

  it('do not warn local and dev, whose placeholder issuer is only noted', () => {
    expect([...warnings('local'), ...warnings('dev')]).toEqual([]);
    expect(
      Annotations.fromStack(built.dev.storage).findInfo(
        '*',
        Match.stringLikeRegexp('no JWT issuer'),
      ),
    ).toHaveLength(1);
  });
});

describe('StorageApi', () => {
  function build(props: Partial<StorageApiProps> = {}) {
    const stack = new Stack(newApp(), 'Api');
    const storage = new StorageBucket(stack, 'Storage');
    return new StorageApi(stack, 'Api', {
      storage,
      routes: ROUTES,
      jwtIssuer: ISSUER,
      jwtAudience: ['client-a'],
      illustrationGen: { mode: 'stub', timeoutMs: 25_000 },
      ...props,
    });
  }

  it('builds the functions of the routes it is given only', () => {
    const api = build({ routes: [getRoute('get-avatar-image')] });

    expect(Object.keys(api.functions)).toEqual(['get-avatar-image']);
  });

  it('throws when the illustration-gen timeout leaves the function no time to answer', () => {
    expect(() => build({ illustrationGen: { mode: 'stub', timeoutMs: 28_500 } })).toThrow(
      /use at most 28000/,
    );
  });

  it('throws when service mode has no URL', () => {
    expect(() => build({ illustrationGen: { mode: 'service', timeoutMs: 25_000 } })).toThrow(
      FunctionSettingsError,
    );
  });

  it('throws when given no routes', () => {
    expect(() => build({ routes: [] })).toThrow(/at least one route/);
  });

  it('throws when a route is listed twice', () => {
    const route = getRoute('delete-my-data');

    expect(() => build({ routes: [route, route] })).toThrow(/"delete-my-data" is listed twice/);
  });
});
