import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, type RouteDefinition } from '@autobio/functions';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext, toApiEvent } from './api-event.ts';
import { devUserFromAuthorization } from './auth.ts';
import { API_BASE_PATH, MAX_BODY_BYTES } from './constants.ts';
import { DevStartError } from './errors.ts';

type Handler = (
  event: ReturnType<typeof toApiEvent>,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Folder of the page's static files. @default - this package's public/ */
  readonly publicDir?: string;
  /** Receives one line per request. @default - nothing is logged */
  readonly log?: (line: string) => void;
}

/** A running dev server. */
export interface DevServer {
  readonly port: number;
  /** `http://localhost:PORT`: the page. */
  readonly url: string;
  close(): Promise<void>;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function compile(route: RouteDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames };
}

const COMPILED = ROUTES.map(compile);
const handlers = new Map<string, Promise<Handler>>();

/** The route's handler, imported once from the same source file the Lambda bundles. */
function loadHandler(route: RouteDefinition): Promise<Handler> {
  let handler = handlers.get(route.name);
  if (!handler) {
    handler = import(route.entry).then(
      (module: Record<string, Handler>) => module[route.handlerExport]!,
    );
    handlers.set(route.name, handler);
  }
  return handler;
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname.slice(API_BASE_PATH.length) || '/';
  const method = (request.method ?? 'GET').toUpperCase();
  const candidates = COMPILED.filter((c) => c.pattern.test(path));
  const match = candidates.find((c) => c.route.method === method);
  if (!match) {
    // API Gateway's own answers for an unknown route.
    sendJson(response, 404, { message: 'Not Found' });
    return;
  }
  const userId = devUserFromAuthorization(request.headers.authorization);
  if (!userId) {
    sendJson(response, 401, { message: 'Unauthorized' });
    return;
  }
  const body = await readBody(request);
  if (!body) {
    sendJson(response, 413, { message: 'Request Entity Too Large' });
    return;
  }
  const values = match.pattern.exec(path)!.slice(1);
  const pathParameters = Object.fromEntries(
    match.parameterNames.map((name, i) => [name, decodeURIComponent(values[i]!)]),
  );
  const event = toApiEvent({
    request,
    routeKey: match.route.routeKey,
    path,
    query: url.searchParams,
    pathParameters,
    userId,
    body,
  });
  const handler = await loadHandler(match.route);
  const result = await handler(
    event,
    lambdaContext(`autobio-local-${match.route.name}`, event.requestContext.requestId),
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

async function serveStatic(response: ServerResponse, url: URL, publicDir: string): Promise<void> {
  const relative = normalize(
    decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname),
  );
  if (relative.includes('..')) {
    sendJson(response, 404, { message: 'Not Found' });
    return;
  }
  try {
    const file = await readFile(join(publicDir, relative));
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(relative)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    response.end(file);
  } catch {
    sendJson(response, 404, { message: 'Not Found' });
  }
}

/**
 * Serves the page and, under `/api`, the HTTP API's routes by invoking the same Lambda
 * handlers with API Gateway v2 events. Local sign-in: `Authorization: Bearer dev-user:<id>`.
 * @throws DevStartError when the port is in use.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const publicDir = options.publicDir ?? fileURLToPath(new URL('../public/', import.meta.url));
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const started = Date.now();
    const work =
      url.pathname === API_BASE_PATH || url.pathname.startsWith(`${API_BASE_PATH}/`)
        ? serveApi(request, response, url)
        : serveStatic(response, url, publicDir);
    work
      .catch((error: unknown) => {
        console.error(error);
        if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
        else response.end();
      })
      .finally(() =>
        options.log?.(
          `${request.method} ${url.pathname} ${response.statusCode} ${Date.now() - started} ms`,
        ),
      );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new DevStartError(
              `Port ${options.port} is in use, so the page and API cannot start. Stop what uses it, ` +
                'or pick another port: DEV_PORT=3001 pnpm dev.',
              { cause: error },
            )
          : error,
      );
    });
    server.listen(options.port, host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
