import { connect } from 'node:net';

/** An HTTP answer as it came off the socket. */
export interface RawAnswer {
  /** The status code, or `undefined` when the server closed without a status line. */
  readonly status: number | undefined;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, de-chunked, as Latin-1. */
  readonly body: string;
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Parses the first answer of a socket's bytes (it may be cut short by a close). */
export function parseAnswer(raw: Buffer): RawAnswer {
  const text = raw.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd === -1 ? text : text.slice(0, headEnd);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rawBody = headEnd === -1 ? '' : text.slice(headEnd + 4);
  const body = /chunked/i.test(headers['transfer-encoding'] ?? '') ? dechunk(rawBody) : rawBody;
  return { status: status === undefined ? undefined : Number(status), headers, body };
}

/**
 * Sends `request` byte for byte on a new connection to 127.0.0.1 and reads until the server
 * closes it: a fetch would refuse, or fix, most of what these tests send. Requests should ask
 * for `Connection: close`, or the server keeps the socket open until `timeoutMs`.
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  timeoutMs = 5_000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
    });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer was written (the server closed with our body unread) is no failure.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)));
    });
  });
}
