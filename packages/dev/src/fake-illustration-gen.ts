import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { IllustrationGenRequest } from '@autobio/functions';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { urlHost } from './config.ts';
import { LOOPBACK } from './constants.ts';

/**
 * How the fake answers: `own-bucket` writes a PNG at the request's `outputKey` and answers its
 * URI, as the real service does; `foreign-bucket` answers the same key in another bucket and
 * writes nothing (the spec's "service returns S3 URIs in a different bucket", which the API
 * refuses with 502 ForeignBucket).
 */
export type FakeIllustrationGenAnswer = 'own-bucket' | 'foreign-bucket';

/** Options for {@link startFakeIllustrationGen}. */
export interface FakeIllustrationGenOptions {
  /**
   * The fake's own S3 client, or its configuration: it writes with credentials of its own, as the
   * real service does (for the embedded S3, the local server's keys).
   */
  readonly s3: S3Client | S3ClientConfig;
  /** @default 'own-bucket' */
  readonly answer?: FakeIllustrationGenAnswer;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 0 */
  readonly port?: number;
}

/** A running fake illustration-gen service. */
export interface FakeIllustrationGen {
  /** `http://127.0.0.1:PORT/generate`: ILLUSTRATION_GEN_URL. */
  readonly url: string;
  readonly answer: FakeIllustrationGenAnswer;
  /** The requests it took, newest last, with `x-request-id`; the subject image left out. */
  readonly requests: readonly (Omit<IllustrationGenRequest, 'subjectImageBase64'> & {
    readonly requestId: string | undefined;
    readonly subjectImageBytes: number;
  })[];
  close(): Promise<void>;
}

/** The bucket a `foreign-bucket` fake names instead of the request's. */
export const FOREIGN_BUCKET_SUFFIX = '-foreign';

const STUB_PNG = fileURLToPath(new URL('../stubs/forest.png', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const REQUIRED_STRINGS = [
  'userId',
  'kind',
  'subjectImageBase64',
  'subjectImageContentType',
  'bucket',
  'region',
  'outputPrefix',
  'outputKey',
] as const satisfies readonly (keyof IllustrationGenRequest)[];

function answer(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** What is wrong with a request by the contract of types/illustration-gen.ts, or `undefined`. */
function contractProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'the body is not a JSON object';
  const request = body as Record<string, unknown>;
  const missing = REQUIRED_STRINGS.filter(
    (field) => typeof request[field] !== 'string' || request[field] === '',
  );
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const { outputKey, outputPrefix } = request as unknown as IllustrationGenRequest;
  if (!outputKey.startsWith(outputPrefix)) return 'outputKey is not under outputPrefix';
  return undefined;
}

/**
 * A stand-in for the illustration-gen service that speaks its contract: it takes the API's POST,
 * "draws" by keeping the subject image when it is a PNG (else a stub image), writes it at
 * `outputKey` with its own S3 client, and answers `{ "s3Uri": "s3://bucket/key" }` with 201.
 * A request that breaks the contract gets a 400, as a strict service would answer.
 */
export async function startFakeIllustrationGen(
  options: FakeIllustrationGenOptions,
): Promise<FakeIllustrationGen> {
  const ownsClient = !(options.s3 instanceof S3Client);
  const s3 = options.s3 instanceof S3Client ? options.s3 : new S3Client(options.s3);
  const mode = options.answer ?? 'own-bucket';
  const requests: FakeIllustrationGen['requests'][number][] = [];
  const stub = await readFile(STUB_PNG);

  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/generate') {
        return answer(response, 404, { message: 'POST /generate is the only route.' });
      }
      let body: unknown;
      try {
        body = await readJson(request);
      } catch {
        return answer(response, 400, { message: 'The body is not JSON.' });
      }
      const problem = contractProblem(body);
      if (problem) return answer(response, 400, { message: `Not a generate request: ${problem}.` });
      const { subjectImageBase64, ...rest } = body as IllustrationGenRequest;
      const subject = Buffer.from(subjectImageBase64, 'base64');
      const requestId = request.headers['x-request-id'];
      requests.push({
        ...rest,
        requestId: typeof requestId === 'string' ? requestId : undefined,
        subjectImageBytes: subject.length,
      });
      if (mode === 'foreign-bucket') {
        return answer(response, 201, {
          s3Uri: `s3://${rest.bucket}${FOREIGN_BUCKET_SUFFIX}/${rest.outputKey}`,
        });
      }
      const image = subject.subarray(0, 8).equals(PNG_SIGNATURE) ? subject : stub;
      await s3.send(
        new PutObjectCommand({
          Bucket: rest.bucket,
          Key: rest.outputKey,
          Body: image,
          ContentType: 'image/png',
        }),
      );
      answer(response, 201, { s3Uri: `s3://${rest.bucket}/${rest.outputKey}` });
    })().catch((error: unknown) => {
      // What a failing service does: a 500 with no detail, the cause in its own log.
      console.error('The fake illustration-gen service failed:', error);
      if (!response.headersSent) answer(response, 500, { message: 'Internal error.' });
    });
  });
  const host = options.host ?? LOOPBACK;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${urlHost(host)}:${port}/generate`,
    answer: mode,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (ownsClient) s3.destroy();
          resolve();
        });
      }),
  };
}
