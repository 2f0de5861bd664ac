import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to each S3 request. */
export type S3Fault =
  /** Forwards it after `delayMs`: an S3 that is slow but answers. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Never answers. */
  | { readonly kind: 'stall' }
  /** Answers 503 SlowDown. */
  | { readonly kind: 'slow-down' }
  /**
   * Forwards it and lets the server answer in full, then loses that answer: a reset (RST) by
   * default, or `silence` with the connection left open. The server has done the request; only
   * the client does not know it.
   */
  | { readonly kind: 'drop-answer'; readonly as?: 'reset' | 'silence' };

/** A request as the proxy received it, for choosing the ones a fault applies to. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Picks a request's fault, or `undefined` to forward it as it is. */
export type S3FaultPlan = (request: ProxiedRequest) => S3Fault | undefined;

/** Which requests a fault applies to; the others are forwarded as they are. */
export interface FaultScope {
  /** @default - every request */
  readonly only?: (request: ProxiedRequest) => boolean;
  /** How many of the requests `only` picks get the fault. @default - all of them */
  readonly times?: number;
}

export interface FaultyS3Proxy {
  readonly endpoint: string;
  /** Requests received since the last `set`. */
  readonly requests: number;
  /** Requests the fault was applied to since the last `set`. */
  readonly faulted: number;
  /**
   * The fault for the requests from now on, or a plan that picks one per request; `undefined`
   * forwards them as they are.
   */
  set(fault: S3Fault | S3FaultPlan | undefined, scope?: FaultScope): void;
  stop(): Promise<void>;
}

/** CopyObject: a PUT that names its source in `x-amz-copy-source`. */
export const isCopyObject = (r: ProxiedRequest): boolean =>
  r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined;

/** DeleteObject (DeleteObjects is a POST). */
export const isDeleteObject = (r: ProxiedRequest): boolean => r.method === 'DELETE';

/** A ListObjectsV2 whose prefix starts with `prefix`. */
export function isListUnder(prefix: string): (r: ProxiedRequest) => boolean {
  return (r) => {
    const query = new URL(r.url, 'http://proxy.invalid').searchParams;
    return (
      r.method === 'GET' &&
      query.get('list-type') === '2' &&
      (query.get('prefix') ?? '').startsWith(prefix)
    );
  };
}

/**
 * An HTTP proxy in front of a local S3 that makes it slow, silent or throttling on demand, or
 * loses its answers after it has acted on them. It forwards any HTTP, so it can stand in front
 * of another service too.
 */
export async function startFaultyS3Proxy(target: string): Promise<FaultyS3Proxy> {
  const upstream = new URL(target);
  let fault: S3Fault | S3FaultPlan | undefined;
  let scope: FaultScope = {};
  let requests = 0;
  let faulted = 0;
  const sockets = new Set<Socket>();
  const faultFor = (received: ProxiedRequest): S3Fault | undefined => {
    if (!fault || (scope.only && !scope.only(received))) return undefined;
    if (scope.times !== undefined && faulted >= scope.times) return undefined;
    const picked = typeof fault === 'function' ? fault(received) : fault;
    if (picked) faulted += 1;
    return picked;
  };
  const server = createServer((incoming, outgoing) => {
    requests += 1;
    const applied = faultFor({
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      headers: incoming.headers,
    });
    if (applied?.kind === 'stall') return;
    if (applied?.kind === 'slow-down') {
      incoming.resume();
      const body =
        '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
      outgoing.writeHead(503, { 'content-type': 'application/xml', 'content-length': body.length });
      outgoing.end(incoming.method === 'HEAD' ? undefined : body);
      return;
    }
    const forward = () => {
      const { connection: _connection, ...headers } = incoming.headers;
      const proxied = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers,
          setHost: false,
          agent: false,
        },
        (answer) => {
          if (applied?.kind === 'drop-answer') {
            // Only once the whole answer is in is the request surely done upstream.
            answer.resume();
            answer.once('end', () => {
              if (applied.as !== 'silence') incoming.socket.resetAndDestroy();
            });
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      proxied.on('error', () => outgoing.destroy());
      incoming.pipe(proxied);
    };
    if (applied?.kind === 'slow') setTimeout(forward, applied.delayMs);
    else forward();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    get faulted() {
      return faulted;
    },
    set(next, nextScope = {}) {
      fault = next;
      scope = nextScope;
      requests = 0;
      faulted = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
