import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to each S3 request. */
export type S3Fault =
  /** Forwards it after `delayMs`: an S3 that is slow but answers. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Never answers. */
  | { readonly kind: 'stall' }
  /** Answers 503 SlowDown. */
  | { readonly kind: 'slow-down' };

export interface FaultyS3Proxy {
  readonly endpoint: string;
  /** Requests received since the last `set`. */
  readonly requests: number;
  /** The fault for the requests from now on; `undefined` forwards them as they are. */
  set(fault: S3Fault | undefined): void;
  stop(): Promise<void>;
}

/** An HTTP proxy in front of a local S3 that makes it slow, silent or throttling on demand. */
export async function startFaultyS3Proxy(target: string): Promise<FaultyS3Proxy> {
  const upstream = new URL(target);
  let fault: S3Fault | undefined;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    requests += 1;
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'slow-down') {
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
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      proxied.on('error', () => outgoing.destroy());
      incoming.pipe(proxied);
    };
    if (fault?.kind === 'slow') setTimeout(forward, fault.delayMs);
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
    set(next) {
      fault = next;
      requests = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
