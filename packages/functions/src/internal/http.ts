import { assertKeySegment, InvalidKeyError } from '@autobio/s3-storage';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import { LAMBDA_TIME_RESERVE_MS, MAX_REQUEST_BODY_BYTES } from '../constants.ts';
import { type ErrorDetail, HttpError } from '../errors.ts';
import type { ErrorResponse } from '../types/api.ts';
import type { RouteName } from '../types/routes.ts';
import { mapError } from './error-response.ts';
import { logger, type RequestLogger, requestLogger } from './logger.ts';

/** An HTTP API (payload 2.0) event with a JWT authorizer. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What a handler returns to API Gateway. */
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** A Lambda handler of one route. */
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** A request, authenticated and validated. */
export interface ApiRequest<Body, Query, Path> {
  /** The JWT's `sub`: the only identity a handler uses. */
  readonly userId: string;
  readonly body: Body;
  readonly query: Query;
  readonly path: Path;
  /** API Gateway's request id, also in every log line and error body. */
  readonly requestId: string;
  readonly context: Context;
  /**
   * Aborts when the Lambda's remaining time, less a reserve to answer, runs out: pass it to
   * every storage call (`{ abortSignal }`), so the whole request ends inside API Gateway's 29 s
   * with a 504 StorageTimeout rather than a gateway timeout.
   */
  readonly abortSignal: AbortSignal;
  /** This request's logger: its lines carry the route, the request id and the caller. */
  readonly log: RequestLogger;
}

/** A handler's successful answer, sent as JSON. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/** A route's validation and logic. */
export interface RouteHandlerOptions<Body, Query, Path> {
  readonly route: RouteName;
  /** Schema of the JSON body. @default - the body is ignored */
  readonly body?: z.ZodType<Body>;
  /** Schema of the query parameters. @default - the query is ignored */
  readonly query?: z.ZodType<Query>;
  /** Schema of the path parameters. @default - the path parameters are ignored */
  readonly path?: z.ZodType<Path>;
  readonly handle: (request: ApiRequest<Body, Query, Path>) => Promise<ApiResponse>;
}

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Answers carry presigned URLs: no cache may keep them.
  'cache-control': 'no-store',
} as const;

/**
 * An error for the log: name, code, message, stack and causes only. SDK errors carry their raw
 * HTTP response, which is large and not for logs.
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  const { code, $metadata } = error as { code?: unknown; $metadata?: { httpStatusCode?: number } };
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...($metadata?.httpStatusCode ? { httpStatusCode: $metadata.httpStatusCode } : {}),
    message: error.message,
    stack: error.stack,
    ...(error.cause !== undefined && depth < 3
      ? { cause: describeError(error.cause, depth + 1) }
      : {}),
  };
}

function json(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): ApiResult {
  return { statusCode, headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) };
}

function authenticate(event: ApiEvent): string {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub.trim() === '') {
    throw new HttpError(
      401,
      'Unauthorized',
      'No user in the request: call the API with a valid bearer token whose "sub" names the user.',
    );
  }
  try {
    // The storage package's one rule for ids decides; no second list of characters here.
    assertKeySegment(sub, 'user id');
  } catch (error) {
    // Whatever the check throws, a sub that fails it is the token's fault: 401, never 500. Its
    // message shows the sub escaped and names the code point and the rule.
    const reason = error instanceof InvalidKeyError ? ` ${error.message}` : '';
    throw new HttpError(
      401,
      'Unauthorized',
      `The token's "sub" cannot name a user here.${reason}`,
      { cause: error },
    );
  }
  return sub;
}

function issuesToDetails(where: string, error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function invalid(details: readonly ErrorDetail[]): HttpError {
  return new HttpError(
    400,
    'InvalidRequest',
    details.map((detail) => `${detail.path}: ${detail.message}`).join('; '),
    { details },
  );
}

/** Validates one part of the request, adding its problems to `problems`. */
function check<T>(
  where: string,
  schema: z.ZodType<T> | undefined,
  value: unknown,
  problems: ErrorDetail[],
): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  problems.push(...issuesToDetails(where, result.error));
  return undefined as T;
}

/** The body as JSON, before validation. @throws HttpError 413, 400 or 415 */
function readJsonBody(schema: z.ZodType<unknown>, event: ApiEvent): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_REQUEST_BODY_BYTES) {
    throw new HttpError(
      413,
      'RequestTooLarge',
      `The request body is over ${MAX_REQUEST_BODY_BYTES} bytes: send only the JSON fields this route takes.`,
    );
  }
  if (text.trim() === '') {
    const empty = schema.safeParse({});
    if (empty.success) return {};
    throw new HttpError(
      400,
      'MissingBody',
      `The request has no body: send JSON with ${issuesToDetails('body', empty.error)
        .map((detail) => detail.path)
        .join(', ')}.`,
      { details: issuesToDetails('body', empty.error) },
    );
  }
  const contentType = event.headers?.['content-type'];
  if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `The body's content type is ${JSON.stringify(contentType)}: send JSON with Content-Type: application/json.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // Node's message quotes the body ("secret-token" is not valid JSON): keep only the position.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new HttpError(
      400,
      'MalformedJson',
      `The body is not valid JSON${position !== undefined ? ` (at position ${position})` : ''}.`,
    );
  }
}

/**
 * Wraps one route's logic in the steps every route shares, in one place: the caller from the
 * JWT, body/query/path validation, JSON answers, error mapping (no stack ever leaves) and one
 * structured log line per request.
 */
export function createRouteHandler<Body = undefined, Query = undefined, Path = undefined>(
  options: RouteHandlerOptions<Body, Query, Path>,
): ApiHandler {
  return async (event, context) => {
    const started = performance.now();
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    // The request's keys go with each line, never onto the shared logger, where a concurrent
    // request (pnpm dev) would pick them up; so does its Lambda request id, over the shared one.
    logger.addContext(context);
    let log = requestLogger({
      route: options.route,
      apiRequestId: requestId,
      function_request_id: context.awsRequestId,
    });
    let result: ApiResult;
    try {
      const userId = authenticate(event);
      log = log.with({ userId });
      const parsedBody = options.body ? readJsonBody(options.body, event) : undefined;
      const problems: ErrorDetail[] = [];
      const request: ApiRequest<Body, Query, Path> = {
        userId,
        path: check('path', options.path, event.pathParameters ?? {}, problems),
        query: check('query', options.query, event.queryStringParameters ?? {}, problems),
        body: check('body', options.body, parsedBody, problems),
        requestId,
        context,
        abortSignal: AbortSignal.timeout(
          Math.max(1, context.getRemainingTimeInMillis() - LAMBDA_TIME_RESERVE_MS),
        ),
        log,
      };
      if (problems.length > 0) throw invalid(problems);
      const response = await options.handle(request);
      result = json(response.statusCode, response.body);
    } catch (error) {
      const mapped = mapError(error);
      const body: ErrorResponse = {
        error: {
          code: mapped.code,
          message: mapped.message,
          requestId,
          ...(mapped.details ? { details: mapped.details } : {}),
        },
      };
      result = json(mapped.statusCode, body, mapped.headers);
      if (mapped.level === 'info') {
        log.info('Request refused', {
          statusCode: mapped.statusCode,
          code: mapped.code,
          reason: mapped.message,
        });
      } else {
        log[mapped.level]('Request failed', {
          statusCode: mapped.statusCode,
          code: mapped.code,
          error: describeError(error),
        });
      }
    }
    log.info('Request handled', {
      routeKey: event.routeKey,
      statusCode: result.statusCode,
      durationMs: Math.round(performance.now() - started),
    });
    return result;
  };
}
