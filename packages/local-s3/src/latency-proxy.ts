import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Options for {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** The server to forward to, such as a local S3's `endpoint` (`http://127.0.0.1:PORT`). */
  readonly target: string;
  /** Milliseconds each request waits before it is forwarded: one round trip to a region. @default 20 */
  readonly delayMs?: number;
  /** Loopback address to bind. @default '127.0.0.1' */
  readonly address?: string;
  /**
   * Share of requests (0 to 1) answered `503 SlowDown` after the delay instead of being
   * forwarded, spread evenly over the requests, to show a client backs off and retries.
   * @default 0
   */
  readonly slowDownShare?: number;
}

/** A running latency proxy. */
export interface LatencyProxy {
  /** `http://ADDRESS:PORT`: point the client here instead of at the target. */
  readonly endpoint: string;
  readonly port: number;
  readonly delayMs: number;
  /** Requests received so far, the ones answered `503 SlowDown` included. */
  readonly requests: number;
  /** Requests answered `503 SlowDown` so far. */
  readonly slowDowns: number;
  /** Client connections accepted so far: fewer than requests when clients keep them alive. */
  readonly connections: number;
  /** Requests received so far, by HTTP method. */
  readonly requestsByMethod: Readonly<Record<string, number>>;
  /** Closes the proxy and its connections, both ways. */
  stop(): Promise<void>;
}

/** A client's round trip to an S3 region nearby: what each request waits unless told otherwise. */
export const DEFAULT_PROXY_DELAY_MS = 20;

// Per connection, not end to end: never forwarded. `expect` is answered by this server already.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/** Raw headers (name, value, name, value...) without the hop-by-hop ones, names kept as sent. */
function endToEnd(rawHeaders: readonly string[]): string[] {
  const headers: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, rawHeaders[i + 1]!);
  }
  return headers;
}

function hasNoBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return incoming.headers['transfer-encoding'] === undefined && (!length || length === '0');
}

function slowDownBody(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
    '<Message>Please reduce your request rate.</Message>' +
    `<RequestId>latency-proxy-${Date.now()}</RequestId></Error>`
  );
}

/**
 * Starts an HTTP proxy in front of a local server that waits `delayMs` before forwarding each
 * request, so a benchmark against a local S3 pays for round trips as a client of a real region
 * does instead of measuring how fast the local server answers. Bodies stream both ways, the
 * `Host` header is kept (SigV4 signatures still verify), connections are kept alive on both
 * sides, and requests are counted.
 */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') {
    throw new Error(`The latency proxy forwards plain HTTP only, not ${options.target}.`);
  }
  const delayMs = options.delayMs ?? DEFAULT_PROXY_DELAY_MS;
  const slowDownShare = options.slowDownShare ?? 0;
  if (!(delayMs >= 0) || !(slowDownShare >= 0 && slowDownShare <= 1)) {
    throw new Error(
      `delayMs must be 0 or more and slowDownShare from 0 to 1 (got ${delayMs} and ${slowDownShare}).`,
    );
  }
  // Unbounded, so the proxy never queues a request the client sent at once.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const byMethod: Record<string, number> = {};
  let requests = 0;
  let slowDowns = 0;
  let connections = 0;
  let owed = 0;

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const upstream = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        // Raw, so each header goes on as the client signed it, the client's `Host` among them.
        headers: endToEnd(incoming.rawHeaders),
        setHost: false,
        agent,
      },
      (answer) => {
        outgoing.writeHead(
          answer.statusCode ?? 502,
          answer.statusMessage,
          endToEnd(answer.rawHeaders),
        );
        answer.on('error', (error) => outgoing.destroy(error));
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => {
      if (outgoing.headersSent) outgoing.destroy(error);
      else outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(error.message);
    });
    // A client that gives up must not leave the upstream request running.
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.on('error', (error) => upstream.destroy(error));
    // Most S3 requests have no body: ending at once spares the stream machinery, which counts
    // when the proxy shares a small machine with the code it measures.
    if (hasNoBody(incoming)) {
      incoming.resume();
      upstream.end();
    } else incoming.pipe(upstream);
  };

  const answerSlowDown = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    slowDowns++;
    // The body is read and dropped, so the connection stays usable for the next request.
    incoming.resume();
    const body = incoming.method === 'HEAD' ? '' : slowDownBody();
    outgoing.writeHead(503, 'Slow Down', {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
    });
    outgoing.end(body);
  };

  const server = createServer((incoming, outgoing) => {
    requests++;
    const method = incoming.method ?? 'GET';
    byMethod[method] = (byMethod[method] ?? 0) + 1;
    let slowDown = false;
    if (slowDownShare > 0) {
      owed += slowDownShare;
      if (owed >= 1) {
        owed -= 1;
        slowDown = true;
      }
    }
    // Until then the body waits in the socket, unread: nothing reaches the target early.
    setTimeout(() => {
      if (incoming.destroyed) return;
      if (slowDown) answerSlowDown(incoming, outgoing);
      else forward(incoming, outgoing);
    }, delayMs);
  });
  // Longer than any client keeps an idle socket, so the proxy never closes one a client reuses.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    connections++;
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${address}:${port}`,
    port,
    delayMs,
    get requests() {
      return requests;
    },
    get slowDowns() {
      return slowDowns;
    },
    get connections() {
      return connections;
    },
    get requestsByMethod() {
      return { ...byMethod };
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      });
      return stopped;
    },
  };
}
