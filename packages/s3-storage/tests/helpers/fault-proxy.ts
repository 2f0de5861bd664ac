import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to one request. Faults "before the answer" never reach the server;
 * the others take the server's real answer and spoil how it is delivered.
 */
export type Fault =
  /** An S3 error document with this status and code (and `Retry-After`, when given). */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly code: string;
      readonly retryAfterSeconds?: number;
    }
  /** The connection is reset (RST) as soon as the request arrives. */
  | { readonly kind: 'reset-before-answer' }
  /** The server's head and half its body, then a reset. */
  | { readonly kind: 'reset-mid-body' }
  /** Nothing is ever answered; the connection stays open. */
  | { readonly kind: 'stall-before-answer' }
  /** The server's head and half its body, then silence with the connection open. */
  | { readonly kind: 'stall-mid-body' }
  /** The server's answer, one byte every `intervalMs`. */
  | { readonly kind: 'trickle'; readonly intervalMs: number }
  /** Half the body, with a Content-Length that says so: well framed, but not the object. */
  | { readonly kind: 'short-body' }
  /** The whole body with a Content-Length larger than it, then the connection is closed. */
  | { readonly kind: 'oversize-length' }
  /** The body with one byte changed, its length and headers kept. */
  | { readonly kind: 'corrupt-body' }
  /** A 200 whose XML document stops half-way. */
  | { readonly kind: 'truncated-xml' }
  /** A response head no HTTP parser accepts (Node's fails with an HPE_* code). */
  | { readonly kind: 'malformed-http' }
  /** A DeleteObjects answered, never forwarded, with an AccessDenied error for every key. */
  | { readonly kind: 'refuse-deletes' };

/** A request as the proxy received it. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  /** When it arrived (performance.now()). */
  readonly receivedAt: number;
}

/** Picks the fault for a request (`index` counts from 0), or `undefined` to pass it through. */
export type FaultPlan = (request: ProxiedRequest, index: number) => Fault | undefined;

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the endpoint to give the storage client instead of the server's. */
  readonly endpoint: string;
  /** Every request received, faulted or not. */
  readonly requests: readonly ProxiedRequest[];
  /** Requests received with this method whose path contains `pathPart`. */
  count(method: string, pathPart?: string): number;
  /** Replaces the plan and forgets the requests received so far. */
  reset(plan: FaultPlan): void;
  stop(): Promise<void>;
}

/** Per connection, never forwarded; the proxy sets each answer's framing itself. */
const REQUEST_HOP_BY_HOP = new Set(['connection', 'keep-alive']);
const ANSWER_FRAMING = new Set([...REQUEST_HOP_BY_HOP, 'transfer-encoding', 'content-length']);

async function refuseDeletes(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const keys = [
    ...Buffer.concat(chunks)
      .toString('utf8')
      .matchAll(/<Key>([^<]*)<\/Key>/g),
  ];
  const errors = keys
    .map(
      ([, key]) =>
        `<Error><Key>${key}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
    )
    .join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${errors}</DeleteResult>`;
  outgoing.writeHead(200, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  outgoing.end(body);
}

function errorDocument(code: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>Injected by the fault proxy.</Message><RequestId>fault-proxy</RequestId></Error>`
  );
}

/** The server's answer, whole: test objects are small. */
interface Upstream {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

function forward(incoming: IncomingMessage, target: URL): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (!REQUEST_HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers,
        setHost: false,
        agent: false,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          const kept: OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (!ANSWER_FRAMING.has(name) && value !== undefined) kept[name] = value;
          }
          resolve({ status: answer.statusCode ?? 502, headers: kept, body: Buffer.concat(chunks) });
        });
      },
    );
    upstream.on('error', reject);
    incoming.pipe(upstream);
  });
}

function deliver(
  fault: Fault | undefined,
  answer: Upstream,
  outgoing: ServerResponse,
  socket: Socket,
): void {
  const { status, headers, body } = answer;
  const half = body.subarray(0, Math.floor(body.length / 2));
  const head = (length: number) =>
    outgoing.writeHead(status, { ...headers, 'content-length': length });
  switch (fault?.kind) {
    case 'reset-mid-body':
      head(body.length);
      outgoing.write(half, () => setTimeout(() => socket.resetAndDestroy(), 20));
      return;
    case 'stall-mid-body':
      head(body.length);
      outgoing.write(half);
      return;
    case 'trickle': {
      head(body.length);
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || sent >= body.length) {
          clearInterval(timer);
          if (!socket.destroyed) outgoing.end();
          return;
        }
        outgoing.write(body.subarray(sent, sent + 1));
        sent += 1;
      }, fault.intervalMs);
      socket.once('close', () => clearInterval(timer));
      return;
    }
    case 'short-body':
      head(half.length);
      outgoing.end(half);
      return;
    case 'oversize-length':
      head(body.length + 100);
      outgoing.write(body, () => setTimeout(() => socket.end(), 20));
      return;
    case 'corrupt-body': {
      const corrupt = Buffer.from(body);
      const middle = Math.floor(corrupt.length / 2);
      corrupt[middle] = (corrupt[middle] ?? 0) ^ 0xff;
      head(corrupt.length);
      outgoing.end(corrupt);
      return;
    }
    case 'truncated-xml': {
      const xml = Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><Contents><Key>',
      );
      outgoing.writeHead(200, { 'content-type': 'application/xml', 'content-length': xml.length });
      outgoing.end(xml);
      return;
    }
    default:
      head(body.length);
      outgoing.end(body);
  }
}

/**
 * An HTTP proxy between the storage client and a real S3 server that spoils the answers a
 * plan picks, as a failing S3 or network would: error statuses, resets, silences, trickles,
 * short, long, corrupt and malformed answers. Every request is recorded, so a test can count
 * the attempts the client made.
 */
export async function startFaultProxy(target: string, initialPlan: FaultPlan): Promise<FaultProxy> {
  const upstream = new URL(target);
  let plan = initialPlan;
  let requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    const received: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      receivedAt: performance.now(),
    };
    requests.push(received);
    const fault = plan(received, requests.length - 1);
    const socket = incoming.socket;
    switch (fault?.kind) {
      case 'status': {
        incoming.resume();
        const body = errorDocument(fault.code);
        outgoing.writeHead(fault.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
          ...(fault.retryAfterSeconds !== undefined
            ? { 'retry-after': String(fault.retryAfterSeconds) }
            : {}),
        });
        outgoing.end(incoming.method === 'HEAD' ? undefined : body);
        return;
      }
      case 'reset-before-answer':
        socket.resetAndDestroy();
        return;
      case 'stall-before-answer':
        incoming.resume();
        return;
      case 'malformed-http':
        incoming.resume();
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n');
        return;
      case 'refuse-deletes':
        refuseDeletes(incoming, outgoing).catch(() => socket.destroy());
        return;
    }
    forward(incoming, upstream).then(
      (answer) => deliver(fault, answer, outgoing, socket),
      () => socket.destroy(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    count: (method, pathPart = '') =>
      requests.filter((r) => r.method === method && r.url.includes(pathPart)).length,
    reset(next) {
      plan = next;
      requests = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
