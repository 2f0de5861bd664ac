import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteDefinition } from '@autobio/functions';
import { toApiEvent } from './api-event.ts';
import { devUserFromAuthorization } from './auth.ts';
import { urlHost } from './config.ts';
import { API_BASE_PATH, DEV_TOKEN_PREFIX, LOOPBACK, MAX_BODY_BYTES } from './constants.ts';
import {
  clientErrorAnswer,
  type DevErrorAnswer,
  sendError,
  writeRawError,
} from './error-answer.ts';
import { DevStartError } from './errors.ts';
import { type HandlerHost, inProcessHandlers } from './handler-host.ts';
import {
  decodeSegment,
  isErrorAnswer,
  parseRequestTarget,
  type RequestTarget,
} from './request-target.ts';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The host name in {@link DevServer.url}: what browsers call this machine. @default 'localhost' */
  readonly publicHost?: string;
  /** Folder of the page's static files. @default - this package's public/ */
  readonly publicDir?: string;
  /** Receives one line per request. @default - nothing is logged */
  readonly log?: (line: string) => void;
  /** Where the routes and handlers come from. @default - loaded once, in this process */
  readonly handlers?: HandlerHost;
}

/** A running dev server. */
export interface DevServer {
  readonly port: number;
  /** `http://localhost:PORT` (or the public host's): the page. */
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

/** The longest piece of a request echoed in an error message. */
const ECHO_LIMIT = 200;

function echo(text: string): string {
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}...` : text;
}

function compile(route: RouteDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames };
}

// Compiled once per route table: in watch mode a reload brings a new one.
const compiledTables = new WeakMap<readonly RouteDefinition[], readonly CompiledRoute[]>();
function compiled(routes: readonly RouteDefinition[]): readonly CompiledRoute[] {
  let table = compiledTables.get(routes);
  if (!table) {
    table = routes.map(compile);
    compiledTables.set(routes, table);
  }
  return table;
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

const TOO_LARGE: DevErrorAnswer = {
  statusCode: 413,
  code: 'RequestTooLarge',
  message: `The request body is over ${MAX_BODY_BYTES} bytes: send only the JSON fields the route takes.`,
  // The rest of the body is not read: the connection cannot carry another request.
  headers: { connection: 'close' },
};

/** The body, or `undefined` once it passes the limit (the rest is left unread). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.off('data', onData);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function unauthorized(header: string | undefined): DevErrorAnswer {
  return {
    statusCode: 401,
    code: 'Unauthorized',
    message:
      header === undefined
        ? `No token: sign in locally with the header Authorization: Bearer ${DEV_TOKEN_PREFIX}<userId>, for example Bearer ${DEV_TOKEN_PREFIX}alice.`
        : `The Authorization header is not a usable dev token: send Authorization: Bearer ${DEV_TOKEN_PREFIX}<userId>, where <userId> is a user id such as alice (no /, no control characters).`,
    headers: { 'www-authenticate': 'Bearer realm="autobio-dev"' },
  };
}

async function serveOpenApi(
  request: IncomingMessage,
  response: ServerResponse,
  handlers: HandlerHost,
  apiUrl: string,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendError(response, {
      statusCode: 405,
      code: 'MethodNotAllowed',
      message: `${request.method} is not a method of ${API_BASE_PATH}/openapi.json: use GET.`,
      headers: { allow: 'GET, HEAD' },
    });
    return;
  }
  sendJson(response, 200, { ...handlers.openApiDocument(), servers: [{ url: apiUrl }] });
}

async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  target: RequestTarget,
  handlers: HandlerHost,
  apiUrl: string,
): Promise<void> {
  const path = target.path.slice(API_BASE_PATH.length) || '/';
  if (path === '/openapi.json') return serveOpenApi(request, response, handlers, apiUrl);
  const method = request.method ?? 'GET';
  const candidates = compiled(handlers.routes()).filter((c) => c.pattern.test(path));
  if (candidates.length === 0) {
    sendError(response, {
      statusCode: 404,
      code: 'NotFound',
      message: `No route matches ${method} ${echo(target.path)}: the routes are listed in ${API_BASE_PATH}/openapi.json.`,
    });
    return;
  }
  const match = candidates.find((c) => c.route.method === method);
  if (!match) {
    const allow = candidates.map((c) => c.route.method).join(', ');
    sendError(response, {
      statusCode: 405,
      code: 'MethodNotAllowed',
      message: `${method} is not a method of ${echo(target.path)}: use ${allow}.`,
      headers: { allow },
    });
    return;
  }
  const values = match.pattern.exec(path)!.slice(1);
  const pathParameters: Record<string, string> = {};
  for (const [i, name] of match.parameterNames.entries()) {
    const decoded = decodeSegment(values[i]!);
    if (isErrorAnswer(decoded)) {
      sendError(response, decoded);
      return;
    }
    pathParameters[name] = decoded;
  }
  const userId = devUserFromAuthorization(request.headers.authorization);
  if (!userId) {
    sendError(response, unauthorized(request.headers.authorization));
    return;
  }
  const body = await readBody(request);
  if (!body) {
    sendError(response, TOO_LARGE);
    return;
  }
  const event = toApiEvent({
    request,
    routeKey: match.route.routeKey,
    path,
    query: target.query,
    pathParameters,
    userId,
    body,
  });
  const result = await handlers.invoke(match.route, event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

const NO_FILE = (path: string): DevErrorAnswer => ({
  statusCode: 404,
  code: 'NotFound',
  message: `No file ${echo(path)} on the page: open / for the page, or ${API_BASE_PATH}/openapi.json for the API.`,
});

async function serveStatic(
  request: IncomingMessage,
  response: ServerResponse,
  target: RequestTarget,
  publicDir: string,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendError(response, {
      statusCode: 405,
      code: 'MethodNotAllowed',
      message: `${request.method} is not a method of the page's files: use GET. The API is under ${API_BASE_PATH}.`,
      headers: { allow: 'GET, HEAD' },
    });
    return;
  }
  const segments: string[] = [];
  for (const raw of (target.path === '/' ? '/index.html' : target.path).split('/').slice(1)) {
    const segment = decodeSegment(raw);
    if (isErrorAnswer(segment)) {
      sendError(response, segment);
      return;
    }
    // Only plain names: no empty segment (//), no dot segments, nothing that leaves the folder.
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
      sendError(response, NO_FILE(target.path));
      return;
    }
    segments.push(segment);
  }
  let file: Buffer;
  try {
    file = await readFile(join(publicDir, ...segments));
  } catch {
    sendError(response, NO_FILE(target.path));
    return;
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(segments.at(-1)!)] ?? 'application/octet-stream',
    'content-length': String(file.length),
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : file);
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  publicDir: string,
  handlers: HandlerHost,
  apiUrl: string,
): Promise<void> {
  // Node's own check would answer 400 with no body; this one answers in the error shape.
  if (request.httpVersion === '1.1' && request.headers.host === undefined) {
    sendError(response, {
      statusCode: 400,
      code: 'BadRequest',
      message: 'An HTTP/1.1 request needs a Host header: send Host: <host>:<port>.',
    });
    return;
  }
  const target = parseRequestTarget(request.url ?? '');
  if (isErrorAnswer(target)) {
    sendError(response, target);
    return;
  }
  if (target.path === API_BASE_PATH || target.path.startsWith(`${API_BASE_PATH}/`)) {
    await serveApi(request, response, target, handlers, apiUrl);
  } else {
    await serveStatic(request, response, target, publicDir);
  }
}

/**
 * Serves the page and, under `/api`, the HTTP API's routes by invoking the same Lambda
 * handlers with API Gateway v2 events, and `/api/openapi.json`. Local sign-in:
 * `Authorization: Bearer dev-user:<id>`. No request takes it down: whatever Node's parser
 * refuses, and whatever a handler throws, is answered in the API's error shape.
 * @throws DevStartError when the port is in use.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const publicDir = options.publicDir ?? fileURLToPath(new URL('../public/', import.meta.url));
  const handlers = options.handlers ?? inProcessHandlers();
  let apiUrl = API_BASE_PATH;
  const server: Server = createServer({ requireHostHeader: false }, (request, response) => {
    const started = Date.now();
    serve(request, response, publicDir, handlers, apiUrl)
      .catch((error: unknown) => {
        console.error(error);
        if (!response.headersSent) {
          sendError(response, {
            statusCode: 500,
            code: 'InternalError',
            message: `The dev server failed on this request: ${(error as Error).message ?? error}. The stack is in its terminal.`,
          });
        } else {
          response.destroy();
        }
      })
      .finally(() =>
        options.log?.(
          `${request.method} ${JSON.stringify(echo(request.url ?? ''))} ${response.statusCode} ${Date.now() - started} ms`,
        ),
      );
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    writeRawError(socket, clientErrorAnswer(error));
  });
  // Without a listener Node drops a CONNECT's socket with no answer.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    writeRawError(socket, {
      statusCode: 405,
      code: 'MethodNotAllowed',
      message: 'CONNECT is not served: this server is no proxy.',
      headers: { allow: 'GET, HEAD, POST, DELETE' },
    });
  });
  const host = options.host ?? LOOPBACK;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new DevStartError(
              `Port ${options.port} is in use, so the page and API cannot start. Stop what uses it, ` +
                'or pick another port: DEV_PORT=3001 pnpm dev.',
              { cause: error },
            )
          : error.code === 'EADDRNOTAVAIL'
            ? new DevStartError(
                `The address ${host} is not one of this machine's, so the page and API cannot listen ` +
                  'on it: use --host 0.0.0.0, or an address `ip addr` lists.',
                { cause: error },
              )
            : error,
      );
    });
    server.listen(options.port, host, resolve);
  });
  server.on('error', (error) => console.error('The dev server:', error));
  const port = (server.address() as { port: number }).port;
  const url = `http://${urlHost(options.publicHost ?? 'localhost')}:${port}`;
  apiUrl = `${url}${API_BASE_PATH}`;
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
