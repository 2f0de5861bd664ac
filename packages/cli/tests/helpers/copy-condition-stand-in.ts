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
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

/*
 * A TEST STAND-IN, not an S3 server. versitygw (v1.8.0) checks If-None-Match and If-Match on
 * PutObject and CompleteMultipartUpload, but on CopyObject it honours only the copy-source
 * conditions (x-amz-copy-source-if-*) and ignores the destination's, which S3 checks "before
 * creating it or copying it to the destination bucket". migrate relies on that check for its
 * single-request copies, so this proxy sits in front of versitygw and supplies it: for a
 * CopyObject carrying If-None-Match or If-Match it takes a lock on the destination key, HEADs
 * the destination, and either answers 412 PreconditionFailed as S3 does or forwards the request
 * while still holding the lock. Every other request passes through untouched. The Host header
 * is kept, so versitygw still verifies every signature.
 *
 * Its guarantee holds among requests that go through it: a write sent to versitygw directly can
 * still race a conditional copy (the tests only write directly before or after one).
 * Path-style requests only, as the tests' clients send them.
 */

/** What the stand-in needs to reach the real server. */
export interface CopyConditionStandInOptions {
  /** The real server: `http://127.0.0.1:PORT`. */
  readonly upstream: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A running stand-in. */
export interface CopyConditionStandIn {
  /** Where clients send requests: `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** CopyObject requests whose destination condition it evaluated, and how many it refused. */
  readonly stats: { readonly evaluated: number; readonly refused: number };
  stop(): Promise<void>;
}

/** Headers that belong to one connection, not to the request (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  // Never signed by SigV4; Node has already answered it with "100 Continue".
  'expect',
]);

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
  );
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/"/g, '');

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An error answer in S3's shape: the status, and the XML body the SDK parses. */
function answerError(
  response: ServerResponse,
  status: number,
  fields: Record<string, string>,
): void {
  const requestId = randomUUID();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    Object.entries({ ...fields, RequestId: requestId })
      .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
      .join('') +
    '</Error>';
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  response.end(body);
}

/** The whole body of a request, or undefined when the client hung up before sending it all. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('close', () => {
      if (!request.complete) resolve(undefined);
    });
  });
}

/** A CopyObject (not an UploadPartCopy) with a condition on its destination. */
function conditionalCopy(request: IncomingMessage):
  | {
      bucket: string;
      key: string;
      ifNoneMatch: string | undefined;
      ifMatch: string | undefined;
    }
  | undefined {
  if (request.method !== 'PUT' || !request.headers['x-amz-copy-source']) return undefined;
  const url = new URL(request.url ?? '/', 'http://stand-in');
  if (url.searchParams.has('partNumber') || url.searchParams.has('uploadId')) return undefined;
  const ifNoneMatch = headerValue(request.headers, 'if-none-match');
  const ifMatch = headerValue(request.headers, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const [, bucket = '', ...rest] = url.pathname.split('/');
  return {
    bucket: decodeURIComponent(bucket),
    key: decodeURIComponent(rest.join('/')),
    ifNoneMatch,
    ifMatch,
  };
}

/**
 * Starts the stand-in on a free loopback port, in front of `options.upstream`.
 */
export async function startCopyConditionStandIn(
  options: CopyConditionStandInOptions,
): Promise<CopyConditionStandIn> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  // Its own client: the destination's state is read straight from the real server.
  const client = new S3Client({
    region: options.region,
    endpoint: options.upstream,
    forcePathStyle: true,
    credentials: options.credentials,
    maxAttempts: 1,
  });
  const stats = { evaluated: 0, refused: 0 };
  /** The tail of each destination key's queue of conditional copies. */
  const locks = new Map<string, Promise<void>>();

  async function withKeyLock<T>(lockKey: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    locks.set(lockKey, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (locks.get(lockKey) === tail) locks.delete(lockKey);
    }
  }

  /**
   * Sends the request on to the real server. Resolves once the server has answered in full,
   * even when the client has gone away meanwhile (a killed migration): the key stays locked
   * until the write it let through is over, and no longer.
   */
  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    body?: Buffer,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const outgoing = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          // The client's Host header, which its signature covers, goes through as it was.
          headers: forwardedHeaders(request.headers),
          agent,
        },
        (answer) => {
          answer.once('close', resolve);
          if (response.destroyed) {
            answer.resume();
            return;
          }
          response.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
          answer.pipe(response);
          // A client that hung up reads nothing more: drain the answer so it ends.
          response.once('close', () => {
            if (!answer.complete) answer.resume();
          });
        },
      );
      outgoing.once('error', (error) => {
        if (!response.headersSent && !response.destroyed) {
          answerError(response, 502, { Code: 'BadGateway', Message: error.message });
        } else {
          response.destroy();
        }
        resolve();
      });
      if (body) {
        outgoing.end(body);
        return;
      }
      // A client that hangs up while still sending its body would leave the server waiting.
      request.once('close', () => {
        if (!request.complete) outgoing.destroy(new Error('the client hung up mid-request'));
      });
      request.pipe(outgoing);
    });
  }

  /** The destination's ETag, or undefined when it has no current version. */
  async function currentEtag(bucket: string, key: string): Promise<string | undefined> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.ETag ?? '';
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const copy = conditionalCopy(request);
    if (!copy) {
      await forward(request, response);
      return;
    }
    // Read now, not once the key is free: by then a client that hung up has taken its request
    // with it (a killed migration's copy arrives whole, and S3 would still carry it out).
    const body = await readBody(request);
    if (!body) return;
    const resource = `/${copy.bucket}/${copy.key}`;
    await withKeyLock(`${copy.bucket}/${copy.key}`, async () => {
      stats.evaluated++;
      // S3 accepts only '*' here, and not both conditions at once (versitygw's PutObject agrees).
      if (
        (copy.ifNoneMatch !== undefined && copy.ifNoneMatch.trim() !== '*') ||
        (copy.ifNoneMatch !== undefined && copy.ifMatch !== undefined)
      ) {
        answerError(response, 501, {
          Code: 'NotImplemented',
          Message: 'A header you provided implies functionality that is not implemented.',
          Resource: resource,
        });
        return;
      }
      const etag = await currentEtag(copy.bucket, copy.key);
      if (copy.ifNoneMatch !== undefined && etag !== undefined) {
        stats.refused++;
        answerError(response, 412, {
          Code: 'PreconditionFailed',
          Message: 'At least one of the pre-conditions you specified did not hold',
          Condition: 'If-None-Match',
          Resource: resource,
        });
        return;
      }
      if (copy.ifMatch !== undefined && etag === undefined) {
        // As S3 and versitygw's own PutObject answer an If-Match on a key with no object.
        stats.refused++;
        answerError(response, 404, {
          Code: 'NoSuchKey',
          Message: 'The specified key does not exist.',
          Key: copy.key,
          Resource: resource,
        });
        return;
      }
      if (copy.ifMatch !== undefined && unquote(copy.ifMatch) !== unquote(etag ?? '')) {
        stats.refused++;
        answerError(response, 412, {
          Code: 'PreconditionFailed',
          Message: 'At least one of the pre-conditions you specified did not hold',
          Condition: 'If-Match',
          Resource: resource,
        });
        return;
      }
      // The condition holds: copy while still holding the key, so no other copy slips between.
      await forward(request, response, body);
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        answerError(response, 500, { Code: 'InternalError', Message: String(error) });
      } else {
        response.destroy();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      client.destroy();
    },
  };
}
