import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { PresignedTarget } from './presigner.ts';

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
      /** S3's answer was an error status: the SDK will name the error. */
      readonly errorStatus: boolean;
    };

/** S3's response heads are a few hundred bytes; user metadata is limited to 2 KB. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;
const DIGITS = /^\d{1,15}$/;

type Head =
  | { readonly contentLength: number }
  | { readonly reason: string; readonly errorStatus?: boolean };

/**
 * What the head of a response says about its body. Anything but a 200 with one plain
 * Content-Length is left to the SDK: error statuses, chunked or otherwise framed bodies, and
 * heads this strict reading does not understand.
 */
export function parseResponseHead(head: string): Head {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) return { reason: 'the response does not start with an HTTP/1.1 status line' };
  if (status[1] !== '200') return { reason: `S3 answered HTTP ${status[1]}`, errorStatus: true };
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

/**
 * GETs one presigned object URL on a connection of its own and has the socket write the body
 * straight into one buffer of the body's size (`onread` with a buffer per read): no chunk is
 * allocated per read, so a read of N bytes grows memory by N, not by N plus the chunks the
 * garbage collector has yet to free. The SDK's HTTP handler cannot do this: Node's HTTP parser
 * copies every body chunk into a new buffer.
 *
 * TLS is verified as for any `https` request (the default CAs, NODE_EXTRA_CA_CERTS, the host
 * name). The request asks for `Connection: close`, so the socket is used once.
 */
export function readObjectDirect(
  request: PresignedTarget,
  options: DirectReadOptions,
): Promise<DirectReadResult> {
  return new Promise((resolve) => {
    const head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
    // Where reads land once the body is complete (a server that sends more is ignored).
    const spare = Buffer.allocUnsafe(64);
    let headLength = 0;
    let body: Buffer | undefined;
    let received = 0;
    let settled = false;

    const finish = (result: DirectReadResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      socket.destroy();
      resolve(result);
    };
    const fallback = (reason: string, errorStatus = false): void =>
      finish({ outcome: 'fallback', reason, errorStatus });

    const onHeadBytes = (): void => {
      const end = head.subarray(0, headLength).indexOf(HEAD_END);
      if (end === -1) {
        if (headLength === MAX_HEAD_BYTES) fallback('the response head is over 16 KiB');
        return;
      }
      const parsed = parseResponseHead(head.toString('latin1', 0, end));
      if ('reason' in parsed) {
        fallback(parsed.reason, parsed.errorStatus);
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
        // Returning false stops reading: once the read is settled nothing more is wanted.
        callback: (bytes: number): boolean => {
          if (settled) return false;
          if (body) {
            received += bytes;
            if (received === body.length) finish({ outcome: 'read', body });
          } else {
            headLength += bytes;
            onHeadBytes();
          }
          return !settled;
        },
      },
    };
    const connectTimer = setTimeout(
      () => fallback(`no connection within ${options.connectionTimeoutMs} ms`),
      options.connectionTimeoutMs,
    );
    const secure = request.protocol === 'https:';
    const socket: Socket = secure ? connectTls(connectOptions) : connectTcp(connectOptions);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      socket.setTimeout(options.requestTimeoutMs, () =>
        fallback(`no data for ${options.requestTimeoutMs} ms`),
      );
    });
    socket.on('error', (error) => fallback(error.message));
    socket.on('close', () => fallback('the connection closed before the whole body arrived'));
    socket.write(
      `GET ${request.target} HTTP/1.1\r\nHost: ${request.host}\r\n` +
        'Accept-Encoding: identity\r\nConnection: close\r\n\r\n',
      'latin1',
    );
  });
}
