import { type IncomingHttpHeaders, request } from 'node:http';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

// What the conformance suites of several packages ask a real S3 server, in one place: requests
// sent exactly as given (so nothing is added or fixed on the way), tampered URLs, and every
// version the server keeps.

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
  /** Whether it is the key's current version (or current delete marker). */
  readonly isLatest: boolean;
  /** @default - undefined for a delete marker */
  readonly etag: string | undefined;
  /** @default - undefined for a delete marker */
  readonly sizeBytes: number | undefined;
}

/** An S3 answer as it came over the wire. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The `<Code>` of an S3 error document, when the body is one. */
  readonly errorCode: string | undefined;
}

function errorCodeOf(body: Buffer): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
}

/** Every version and delete marker whose key starts with `prefix`, as the server lists them. */
export async function listVersions(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<StoredVersion[]> {
  const found: StoredVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    for (const version of page.Versions ?? []) {
      found.push({
        key: version.Key!,
        versionId: version.VersionId ?? 'null',
        deleteMarker: false,
        isLatest: version.IsLatest === true,
        etag: version.ETag,
        sizeBytes: version.Size,
      });
    }
    for (const marker of page.DeleteMarkers ?? []) {
      found.push({
        key: marker.Key!,
        versionId: marker.VersionId ?? 'null',
        deleteMarker: true,
        isLatest: marker.IsLatest === true,
        etag: undefined,
        sizeBytes: undefined,
      });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return found;
}

/**
 * Sends one request with exactly these headers (Content-Length is the body's unless given),
 * over node:http so that nothing is added, normalised or checked on the way.
 */
export function sendRaw(
  method: 'GET' | 'PUT' | 'HEAD',
  url: string,
  headers: Readonly<Record<string, string>> = {},
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...headers },
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: data,
          errorCode: errorCodeOf(data),
        });
      });
    });
    req.end(body);
  });
}

/** Posts a presigned form with `file` as its last field, as S3 wants. */
export async function postForm(
  url: string,
  fields: Readonly<Record<string, string>>,
  file: Buffer,
  fileType = 'image/png',
): Promise<{ readonly status: number; readonly errorCode: string | undefined }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: fileType }), 'upload.png');
  const response = await fetch(url, { method: 'POST', body: form });
  return {
    status: response.status,
    errorCode: errorCodeOf(Buffer.from(await response.arrayBuffer())),
  };
}

/** The URL with one hex digit of its X-Amz-Signature changed. */
export function withTamperedSignature(url: string): string {
  const tampered = url.replace(
    /(X-Amz-Signature=[0-9a-f]*)([0-9a-f])(?=&|$)/,
    (_, head: string, last: string) => `${head}${last === '0' ? '1' : '0'}`,
  );
  if (tampered === url) throw new Error(`no X-Amz-Signature to tamper with in ${url}`);
  return tampered;
}

/** The URL with its object path changed from `key` to `otherKey`, the query kept as signed. */
export function withKey(url: string, key: string, otherKey: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith(`/${key}`)) throw new Error(`${url} is not for key ${key}`);
  return `${parsed.origin}${parsed.pathname.slice(0, -key.length)}${otherKey}${parsed.search}`;
}
