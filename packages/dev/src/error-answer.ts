import { randomUUID } from 'node:crypto';
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorResponse } from '@autobio/functions';

/**
 * An answer of the dev server itself, before any handler runs, in the API's own error shape. In
 * AWS, API Gateway answers these (no token, unknown route) as `{"message": ...}` instead.
 */
export interface DevErrorAnswer {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

function errorBody(answer: DevErrorAnswer): string {
  const body: ErrorResponse = {
    error: { code: answer.code, message: answer.message, requestId: randomUUID() },
  };
  return JSON.stringify(body);
}

/** Sends `answer` on a request Node parsed. */
export function sendError(response: ServerResponse, answer: DevErrorAnswer): void {
  response.writeHead(answer.statusCode, { ...JSON_HEADERS, ...answer.headers });
  response.end(errorBody(answer));
}

/**
 * Writes `answer` straight to a socket and closes it: for what Node's parser refused (no
 * request object exists then), and for CONNECT. Skipped when a response is already under way on
 * the socket, where more bytes would corrupt it, and when the peer is gone.
 */
export function writeRawError(socket: Socket, answer: DevErrorAnswer): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = errorBody(answer);
  const headers = {
    ...JSON_HEADERS,
    ...answer.headers,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  socket.end(
    `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? 'Error'}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `\r\n${body}`,
  );
}

/** What a request Node's HTTP parser refused gets: 431 for headers too large, 408, else 400. */
export function clientErrorAnswer(error: NodeJS.ErrnoException): DevErrorAnswer {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        statusCode: 431,
        code: 'RequestHeaderFieldsTooLarge',
        message:
          "The request's target and headers are over 16 KB: send a shorter path, query or headers.",
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        statusCode: 408,
        code: 'RequestTimeout',
        message: 'The request did not arrive in time: send it again, whole.',
      };
    default:
      return {
        statusCode: 400,
        code: 'BadRequest',
        message: `The request is not valid HTTP/1.1 (${error.code ?? 'unparsable'}): check its request line, headers and body framing.`,
      };
  }
}
