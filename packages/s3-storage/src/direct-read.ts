import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { SignedGet } from './presigner.ts';

/** Limits of one direct read. */
export interface DirectReadOptions {
  /** Largest body accepted; a larger Content-Length ends the read before the body. */
  readonly maxSizeBytes: number;
  readonly connectionTimeoutMs: number;
  /** Time to the response's first byte, and the longest silence in the body. */
  readonly requestTimeoutMs: number;
}

/**
 * How a direct read ended. Only `read` and `too-large` are answers: on `fallback` the caller
 * repeats the request through the SDK, which retries and turns S3's error into a typed one.
 */
export type DirectReadResult =
  | { readonly outcome: 'read'; readonly body: Buffer }
  | { readonly outcome: 'too-large'; readonly sizeBytes: number }
  | {
      readonly outcome: 'fallback';
      readonly reason: string;
      /** S3's answer, when it was an error status (the SDK will name the error). */
      readonly status?: number;
    };

/** S3's response heads are a few hundred bytes; user metadata is limited to 2 KB. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;
const DIGITS = /^\d{1,15}$/;

type Head =
  | { readonly contentLength: number }
  | { readonly reason: string; readonly status?: number };

/**
 * What the head of a response says about its body. Anything but a 200 with one plain
 * Content-Length is left to the SDK: error statuses, chunked or otherwise framed bodies, and
 * heads this strict reading does not understand.
 */
export function parseResponseHead(head: string): Head {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) return { reason: 'the response does not start with an HTTP/1.1 status line' };
  if (status[1] !== '200')
    return { reason: `S3 answered HTTP ${status[1]}`, status: Number(status[1]) };
  let contentLength: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon < 1 || /\s/.test(name)) return { reason: 'the response has a malformed header' };
    const value = line.slice(colon + 1).trim();
    if (name === 'transfer-encoding') return { reason: `the body is sent ${value}` };
    if (name === 'content-length') {
      if (!DIGITS.test(value) || (contentLength !== undefined && contentLength !== value)) {
        return { reason: 'the response has an invalid Content-Length' };
      }
      contentLength = value;
    }
  }
  if (contentLength === undefined) return { reason: 'the response has no Content-Length' };
  return { contentLength: Number(contentLength) };
}

/** The last TLS session of each endpoint, so the next connection resumes it (as `https` does). */
const tlsSessions = new Map<string, Buffer>();
const MAX_TLS_SESSIONS = 16;

/** The request head: the signed headers, nothing that could end a line early. */
function requestHead(request: SignedGet): string {
  let head = `GET ${request.target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(request.headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new TypeError(`The signed header ${JSON.stringify(name)} holds a line break.`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}accept-encoding: identity\r\nconnection: close\r\n\r\n`;
}

/**
 * GETs one object with a signed request on a connection of its own and has the socket write
 * the body straight into one buffer of the body's size (`onread` with a buffer per read): no
 * chunk is allocated per read, so a read of N bytes grows memory by N, not by N plus the
 * chunks the garbage collector has yet to free. The SDK's HTTP handler cannot do this: Node's
 * HTTP parser copies every body chunk into a new buffer.
 *
 * TLS is verified as `https` verifies it (the default CAs and NODE_EXTRA_CA_CERTS, the host name
 * sent as SNI and checked against the certificate), and sessions are resumed. The request asks
 * for `Connection: close`, so each socket carries one request.
 */
export function readObjectDirect(
  request: SignedGet,
  options: DirectReadOptions,
): Promise<DirectReadResult> {
  return new Promise((resolve, reject) => {
    const head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
    // Where reads land once the body is complete (a server that sends more is ignored).
    const spare = Buffer.allocUnsafe(64);
    let headLength = 0;
    let body: Buffer | undefined;
    let received = 0;
    let settled = false;
    let socket: Socket | undefined;
    let connectTimer: NodeJS.Timeout | undefined;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(connectTimer);
      socket?.destroy();
      return true;
    };
    const finish = (result: DirectReadResult): void => {
      if (settle()) resolve(result);
    };
    const fail = (error: unknown): void => {
      if (settle()) reject(error);
    };
    const fallback = (reason: string, status?: number): void =>
      finish({ outcome: 'fallback', reason, ...(status === undefined ? {} : { status }) });

    const onHeadBytes = (): void => {
      const end = head.subarray(0, headLength).indexOf(HEAD_END);
      if (end === -1) {
        if (headLength === MAX_HEAD_BYTES) fallback('the response head is over 16 KiB');
        return;
      }
      const parsed = parseResponseHead(head.toString('latin1', 0, end));
      if ('reason' in parsed) {
        fallback(parsed.reason, parsed.status);
        return;
      }
      if (parsed.contentLength > options.maxSizeBytes) {
        finish({ outcome: 'too-large', sizeBytes: parsed.contentLength });
        return;
      }
      const early = head.subarray(end + HEAD_END.length, headLength);
      if (early.length > parsed.contentLength) {
        fallback('the response has more bytes than its Content-Length');
        return;
      }
      body = Buffer.allocUnsafe(parsed.contentLength);
      received = early.copy(body);
      if (received === body.length) finish({ outcome: 'read', body });
    };

    const secure = request.protocol === 'https:';
    const endpoint = `${request.hostname}:${request.port}`;
    const connectOptions = {
      host: request.hostname,
      port: request.port,
      onread: {
        // Called before each read: the rest of the head buffer, then the rest of the body.
        buffer: (): Uint8Array => {
          if (settled) return spare;
          if (body) return received < body.length ? body.subarray(received) : spare;
          return head.subarray(headLength);
        },
        // Runs inside the socket's read: a throw here (a buffer too large to allocate) would be
        // uncaught, so it rejects the read instead. Returning false stops reading.
        callback: (bytes: number): boolean => {
          if (settled) return false;
          try {
            if (body) {
              received += bytes;
              if (received === body.length) finish({ outcome: 'read', body });
            } else {
              headLength += bytes;
              onHeadBytes();
            }
          } catch (error) {
            fail(error);
          }
          return !settled;
        },
      },
    };
    try {
      const requestText = requestHead(request);
      socket = secure
        ? connectTls({
            ...connectOptions,
            // Like https: SNI for a host name (never for an address), and the last session.
            ...(isIP(request.hostname) ? {} : { servername: request.hostname }),
            ...(tlsSessions.has(endpoint) ? { session: tlsSessions.get(endpoint) } : {}),
          })
        : connectTcp(connectOptions);
      socket.write(requestText, 'latin1');
    } catch (error) {
      fail(error);
      return;
    }
    const connected = socket;
    connectTimer = setTimeout(
      () => fallback(`no connection within ${options.connectionTimeoutMs} ms`),
      options.connectionTimeoutMs,
    );
    // The connection timeout covers the TCP connection, as the SDK's does; the TLS handshake
    // and the answer then share the request timeout.
    connected.once('connect', () => {
      clearTimeout(connectTimer);
      connected.setTimeout(options.requestTimeoutMs, () =>
        fallback(`no data for ${options.requestTimeoutMs} ms`),
      );
    });
    if (secure) {
      connected.on('session', (session: Buffer) => {
        tlsSessions.delete(endpoint);
        tlsSessions.set(endpoint, session);
        if (tlsSessions.size > MAX_TLS_SESSIONS) {
          tlsSessions.delete(tlsSessions.keys().next().value as string);
        }
      });
    }
    connected.on('error', (error) => {
      // As https does: a session a failed connection used is not offered again.
      if (secure) tlsSessions.delete(endpoint);
      fallback(error.message);
    });
    connected.on('close', () => fallback('the connection closed before the whole body arrived'));
  });
}
