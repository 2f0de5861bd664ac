import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A proxy in front of a real S3 server that answers chosen requests with an S3 error instead,
 * and records every request it receives: how the tests show what the SDK's retries do on the
 * wire (how many tries, how far apart) without mocking the SDK.
 */

/** A request as the proxy received it. */
export interface SeenRequest {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** When it arrived, from performance.now(). */
  readonly receivedAt: number;
}

/** An S3 error document to answer with. */
export interface InjectedError {
  readonly status: number;
  readonly code: string;
  /** More fields of the error document (`Condition`...). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Send the request on first, so the server carries it out and only its answer is lost. */
  readonly afterForwarding?: boolean;
}

/** The error to answer `request` with, or `undefined` to pass it through. */
export type FaultPlan = (request: SeenRequest) => InjectedError | undefined;

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the endpoint to give clients instead of the server's. */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: readonly SeenRequest[];
  /** Replaces the plan and forgets the requests received so far. */
  reset(plan: FaultPlan): void;
  stop(): Promise<void>;
}

/** S3's 503 SlowDown, as it answers a prefix sent more requests than it sustains. */
export const SLOW_DOWN: InjectedError = { status: 503, code: 'SlowDown' };

/** A CopyObject (not an UploadPartCopy) whose destination key is `key`. */
export function isCopyTo(request: SeenRequest, key: string): boolean {
  const url = new URL(request.url, 'http://proxy');
  return (
    request.method === 'PUT' &&
    request.headers['x-amz-copy-source'] !== undefined &&
    !url.searchParams.has('partNumber') &&
    decodeURIComponent(url.pathname).endsWith(`/${key}`)
  );
}

/** A ListObjectsV2 request on `bucket`. */
export function isListing(request: SeenRequest, bucket: string): boolean {
  const url = new URL(request.url, 'http://proxy');
  return (
    request.method === 'GET' &&
    url.searchParams.get('list-type') === '2' &&
    url.pathname.replace(/\/$/, '') === `/${bucket}`
  );
}

/** Headers of one connection, never forwarded (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function answerError(response: ServerResponse, error: InjectedError): void {
  const fields = { Message: 'Injected by the fault proxy.', ...error.fields };
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code>` +
    Object.entries(fields)
      .map(([name, value]) => `<${name}>${value}</${name}>`)
      .join('') +
    `<RequestId>${randomUUID()}</RequestId></Error>`;
  response.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy on a free loopback port, in front of `upstream` (`http://127.0.0.1:PORT`). */
export async function startFaultProxy(
  upstream: string,
  initialPlan: FaultPlan = () => undefined,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let plan = initialPlan;
  let requests: SeenRequest[] = [];

  /** Sends the request to the server; resolves with its answer, read in full. */
  function forward(request: IncomingMessage, body: Buffer) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const outgoing = httpRequest(
          {
            hostname: target.hostname,
            port: target.port,
            method: request.method,
            path: request.url,
            // The Host header, which the signature covers, goes through as it was.
            headers: forwardable(request.headers),
            agent,
          },
          (answer) => {
            readBody(answer).then(
              (answerBody) =>
                resolve({
                  status: answer.statusCode ?? 502,
                  headers: answer.headers,
                  body: answerBody,
                }),
              reject,
            );
          },
        );
        outgoing.once('error', reject);
        outgoing.end(body);
      },
    );
  }

  const server = createServer(async (request, response) => {
    const seen: SeenRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      receivedAt: performance.now(),
    };
    requests.push(seen);
    const fault = plan(seen);
    try {
      const body = await readBody(request);
      if (fault && !fault.afterForwarding) {
        answerError(response, fault);
        return;
      }
      const answer = await forward(request, body);
      if (fault) {
        answerError(response, fault);
        return;
      }
      response.writeHead(answer.status, forwardable(answer.headers));
      response.end(answer.body);
    } catch {
      response.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    reset(next) {
      plan = next;
      requests = [];
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
