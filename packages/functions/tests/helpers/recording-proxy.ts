import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Action } from '../../src/types/routes.ts';

/** One S3 permission a request needed: an action on a key, or on a listing prefix. */
export interface RecordedAccess {
  /** The bucket of the request (path-style). */
  readonly bucket: string;
  readonly action: S3Action;
  /** The object key, or for s3:ListBucket the listing prefix. */
  readonly key: string;
}

/** A pass-through proxy in front of the embedded S3 that records what each request needed. */
export interface RecordingProxy {
  readonly endpoint: string;
  /** Everything recorded since the last `take()`, which empties the record. */
  take(): RecordedAccess[];
  close(): Promise<void>;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * What a path-style S3 request needs, by the rules of IAM: GET and HEAD of an object
 * s3:GetObject, PUT s3:PutObject (and s3:GetObject on a copy's source), DELETE and a batch
 * delete s3:DeleteObject per key (s3:DeleteObjectVersion with a version id), a listing
 * s3:ListBucket on its prefix (s3:ListBucketVersions for a version listing), a form POST
 * s3:PutObject on the form's key.
 */
function accessesOf(
  method: string,
  url: URL,
  headers: IncomingMessage['headers'],
  body: Buffer,
): Omit<RecordedAccess, 'bucket'>[] {
  const [, , ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (key === '') {
    if (method === 'GET') {
      const action = url.searchParams.has('versions') ? 's3:ListBucketVersions' : 's3:ListBucket';
      return [{ action, key: url.searchParams.get('prefix') ?? '' }];
    }
    if (method === 'POST' && url.searchParams.has('delete')) {
      return [...body.toString('utf8').matchAll(/<Object>(.*?)<\/Object>/gs)].map((match) => ({
        action: /<VersionId>/.test(match[1]!)
          ? ('s3:DeleteObjectVersion' as const)
          : ('s3:DeleteObject' as const),
        key: unescapeXml(/<Key>([^<]*)<\/Key>/.exec(match[1]!)?.[1] ?? ''),
      }));
    }
    if (method === 'POST') {
      const formKey = /name="key"\r\n\r\n([^\r]*)\r\n/.exec(body.toString('latin1'));
      if (formKey) return [{ action: 's3:PutObject', key: formKey[1]! }];
    }
    throw new Error(`The recording proxy does not know what ${method} ${url} needs.`);
  }
  if (method === 'GET' || method === 'HEAD') return [{ action: 's3:GetObject', key }];
  if (method === 'DELETE') return [{ action: 's3:DeleteObject', key }];
  if (method === 'PUT') {
    const source = headers['x-amz-copy-source'];
    const copied =
      typeof source === 'string'
        ? [{ action: 's3:GetObject' as const, key: decodeURI(source.replace(/^\/?[^/]+\//, '')) }]
        : [];
    return [...copied, { action: 's3:PutObject', key }];
  }
  throw new Error(`The recording proxy does not know what ${method} ${url} needs.`);
}

/** Starts a proxy that forwards every request to `target` and records what it needed. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  let recorded: RecordedAccess[] = [];
  const server: Server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(incoming.url ?? '/', target);
    const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    try {
      recorded.push(
        ...accessesOf(incoming.method ?? 'GET', url, incoming.headers, body).map((access) => ({
          bucket,
          ...access,
        })),
      );
    } catch (error) {
      recorded.push({ bucket, action: 'unknown' as S3Action, key: (error as Error).message });
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take() {
      const taken = recorded;
      recorded = [];
      return taken;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
