import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { ApiHandler } from '../../src/internal/http.ts';

/** What an API Gateway event of a test request is made from. */
export interface TestRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** The route, with `{parameters}`, e.g. `/illustrations/{kind}`. */
  readonly route: string;
  /** The JWT's `sub`; `null` leaves the claim out. */
  readonly sub: string | null;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** A value is sent as JSON; a string as it is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
}

/** An HTTP API payload 2.0 event as API Gateway sends it after a JWT authorizer accepted the token. */
export function apiEvent(request: TestRequest): APIGatewayProxyEventV2WithJWTAuthorizer {
  const rawPath = request.route.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(request.pathParameters?.[name] ?? ''),
  );
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  const body =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const now = new Date();
  const claims: Record<string, string | number> = {
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST',
    aud: 'autobio-web',
    token_use: 'access',
    iat: Math.floor(now.getTime() / 1000) - 60,
    exp: Math.floor(now.getTime() / 1000) + 3600,
  };
  if (request.sub !== null) claims.sub = request.sub;
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.route}`,
    rawPath,
    rawQueryString,
    headers: {
      accept: 'application/json',
      authorization: 'Bearer eyJ.test.token',
      host: 'api.example.test',
      'user-agent': 'vitest',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...request.headers,
    },
    ...(request.query ? { queryStringParameters: { ...request.query } } : {}),
    ...(request.pathParameters ? { pathParameters: { ...request.pathParameters } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      authorizer: { jwt: { claims, scopes: null } },
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'vitest',
      },
      requestId: `req-${randomUUID()}`,
      routeKey: `${request.method} ${request.route}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'autobio-test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:autobio-test-function',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/autobio-test-function',
    logStreamName: '2026/01/01/[$LATEST]test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A parsed JSON answer: tests read it field by field, and the assertions check each field. */
// biome-ignore lint/suspicious/noExplicitAny: see above; typing every answer would only restate the assertions.
export type Json = any;

/** A handler's answer with its body parsed. */
export interface InvokeResult<T = Json> {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly rawBody: string;
  readonly json: T;
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** Invokes a handler as Lambda would, with an event built from `request`. */
export async function invoke<T = Json>(
  handler: ApiHandler,
  request: TestRequest,
  context: Context = lambdaContext(),
): Promise<InvokeResult<T>> {
  const event = apiEvent(request);
  const result = await handler(event, context);
  const rawBody = result.body ?? '';
  return {
    statusCode: result.statusCode ?? 0,
    headers: result.headers ?? {},
    rawBody,
    json: JSON.parse(rawBody) as T,
    event,
  };
}
