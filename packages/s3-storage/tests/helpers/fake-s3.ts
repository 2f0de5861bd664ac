import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';

/** One request the fake server received: its request line and headers. */
export interface FakeRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Over TLS: the server name the client sent (SNI), and whether it resumed a session. */
  readonly tls?: { readonly servername: string | false | null; readonly resumed: boolean };
  /** When the request head arrived (performance.now()). */
  readonly receivedAt: number;
}

/** Writes the raw response to a request; `index` counts requests from 0. */
export type FakeResponder = (socket: Socket, request: FakeRequest, index: number) => void;

export interface FakeS3 {
  readonly endpoint: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * A test-only certificate and key for `localhost` (DNS name only, no IP address), valid for a
 * century, made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
 * -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost`.
 */
export const TLS_FIXTURE = {
  certPath: new URL('../fixtures/tls/localhost.crt', import.meta.url),
  keyPath: new URL('../fixtures/tls/localhost.key', import.meta.url),
};

function parseRequest(head: string): Omit<FakeRequest, 'receivedAt'> {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, target, headers };
}

/**
 * An HTTP/1.1 server that answers GETs however a test scripts it, byte by byte: what a real S3
 * server cannot be made to do (chunked bodies, cut connections, silence). One request per
 * connection; every request is recorded.
 */
export async function startFakeS3(
  respond: FakeResponder,
  options: { tls?: boolean; sniOnly?: boolean } = {},
): Promise<FakeS3> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const parsed = { ...parseRequest(head.slice(0, end)), receivedAt: performance.now() };
      const secure = socket as Partial<TLSSocket>;
      const request = secure.isSessionReused
        ? {
            ...parsed,
            tls: {
              servername: (secure as TLSSocket).servername,
              resumed: secure.isSessionReused(),
            },
          }
        : parsed;
      requests.push(request);
      respond(socket, request, requests.length - 1);
    };
    socket.on('data', onData);
  };
  const identity = () => ({
    cert: readFileSync(TLS_FIXTURE.certPath),
    key: readFileSync(TLS_FIXTURE.keyPath),
  });
  // With `sniOnly`, the certificate is given only to a client that names the host (SNI), as
  // servers that host many names do; without SNI the handshake fails.
  const server: Server = options.sniOnly
    ? createTlsServer(
        {
          SNICallback: (name, done) =>
            name === 'localhost'
              ? done(null, createSecureContext(identity()))
              : done(new Error(`no certificate for ${name}`)),
        },
        onConnection,
      )
    : options.tls
      ? createTlsServer(identity(), onConnection)
      : createTcpServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint:
      options.tls || options.sniOnly ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A complete 200 response with a Content-Length, closing the connection after it. */
export function okResponse(body: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n' +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
    body,
  ]);
}
