import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One CreateInvalidation request the fake received. */
export interface InvalidationRequest {
  readonly distributionId: string;
  readonly callerReference: string;
  readonly paths: readonly string[];
  /** Whether the request was SigV4-signed for the cloudfront service in us-east-1. */
  readonly signed: boolean;
}

/** A CloudFront API endpoint on 127.0.0.1 that answers CreateInvalidation as the service does. */
export interface FakeCloudFront {
  /** `http://127.0.0.1:<port>`: the client's `endpoint`, or AWS_ENDPOINT_URL_CLOUDFRONT. */
  readonly endpoint: string;
  /**
   * Refuses every invalidation with a path that contains `pathPart`, with the service's 400
   * TooManyInvalidationsInProgress; `undefined` accepts them all again.
   */
  refuseFor(pathPart: string | undefined): void;
  /** Every invalidation request since the last call, oldest first, refused ones included. */
  take(): InvalidationRequest[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ROUTE = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/;

/**
 * Starts a server speaking CloudFront's REST-XML protocol for CreateInvalidation only
 * (`POST /2020-05-31/distribution/{Id}/invalidation`): 201 with the Invalidation, as the
 * service answers, or the refusal set with {@link FakeCloudFront.refuseFor}.
 */
export async function startFakeCloudFront(): Promise<FakeCloudFront> {
  let requests: InvalidationRequest[] = [];
  let refused: string | undefined;
  let next = 1;
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    const route = ROUTE.exec(request.url ?? '');
    const answer = (status: number, xml: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/xml', ...headers });
      response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    if (request.method !== 'POST' || !route) {
      answer(
        400,
        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidArgument</Code><Message>Not faked: ${escapeXml(`${request.method} ${request.url}`)}</Message></Error></ErrorResponse>`,
      );
      return;
    }
    const distributionId = decodeURIComponent(route[1]!);
    const callerReference = unescapeXml(
      /<CallerReference>([^<]*)<\/CallerReference>/.exec(body)?.[1] ?? '',
    );
    const paths = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((match) =>
      unescapeXml(match[1]!),
    );
    const signed = /Credential=[^,]+\/us-east-1\/cloudfront\/aws4_request/.test(
      String(request.headers.authorization ?? ''),
    );
    requests.push({ distributionId, callerReference, paths, signed });
    if (refused !== undefined && paths.some((path) => path.includes(refused!))) {
      answer(
        400,
        '<ErrorResponse><Error><Type>Sender</Type><Code>TooManyInvalidationsInProgress</Code>' +
          '<Message>Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.</Message></Error></ErrorResponse>',
      );
      return;
    }
    const id = `I${String(next++).padStart(13, '0')}`;
    answer(
      201,
      `<Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>${id}</Id>` +
        `<Status>InProgress</Status><CreateTime>${new Date().toISOString()}</CreateTime>` +
        `<InvalidationBatch><Paths><Quantity>${paths.length}</Quantity><Items>` +
        paths.map((path) => `<Path>${escapeXml(path)}</Path>`).join('') +
        `</Items></Paths><CallerReference>${escapeXml(callerReference)}</CallerReference>` +
        '</InvalidationBatch></Invalidation>',
      {
        location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${id}`,
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refuseFor(pathPart) {
      refused = pathPart;
    },
    take() {
      const taken = requests;
      requests = [];
      return taken;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
