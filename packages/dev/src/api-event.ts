import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteDefinition } from '@autobio/functions';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

/** An API Gateway v2 event as the handlers take it. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What a handler answers. */
export type ApiResult = APIGatewayProxyStructuredResultV2;

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** What the dev server knows of a request once it matched a route. */
export interface LocalRequest {
  readonly request: IncomingMessage;
  /** `METHOD /path/{param}` as the HTTP API's route key. */
  readonly routeKey: string;
  /** The path below the API's base path, as API Gateway sees it. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly pathParameters: Record<string, string>;
  readonly userId: string;
  readonly body: Buffer;
}

/** An HTTP API payload 2.0 event, as API Gateway sends one after its JWT authorizer accepted the caller. */
export function toApiEvent(local: LocalRequest): ApiEvent {
  const now = new Date();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(local.request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of local.query) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const isText =
    local.body.length === 0 || /json|text/.test(headers['content-type'] ?? 'application/json');
  const method = (local.request.method ?? 'GET').toUpperCase();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: local.routeKey,
    rawPath: local.path,
    rawQueryString: local.query.toString(),
    headers,
    ...(local.query.size > 0 ? { queryStringParameters } : {}),
    ...(Object.keys(local.pathParameters).length > 0
      ? { pathParameters: local.pathParameters }
      : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: {
        jwt: {
          claims: { sub: local.userId, iss: 'autobio-dev', token_use: 'access' },
          scopes: null,
        },
      } as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'],
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: local.path,
        protocol: 'HTTP/1.1',
        sourceIp: local.request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: local.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(local.body.length > 0
      ? { body: isText ? local.body.toString('utf8') : local.body.toString('base64') }
      : {}),
    isBase64Encoded: !isText,
  };
}

/** A Lambda context for one local invocation, with the deployed functions' 30 s budget. */
export function lambdaContext(
  functionName: string,
  requestId: string,
  timeoutMs = 30_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Runs `event` through the route's handler, imported from the same source file the Lambda
 * bundles (by `import()`, cached by the module loader).
 */
export async function invokeHandler(
  route: Pick<RouteDefinition, 'name' | 'entry' | 'handlerExport'>,
  event: ApiEvent,
): Promise<ApiResult> {
  const module = (await import(route.entry)) as Record<string, Handler>;
  const handler = module[route.handlerExport];
  if (!handler) {
    throw new TypeError(
      `${route.entry} exports no ${route.handlerExport}: the route table and the file disagree.`,
    );
  }
  return handler(
    event,
    lambdaContext(`autobio-local-${route.name}`, event.requestContext.requestId),
  );
}
