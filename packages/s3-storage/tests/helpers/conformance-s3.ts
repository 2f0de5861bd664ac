import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { type LocalS3, type LocalS3Engine, startLocalS3 } from '@autobio/local-s3';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { ObjectNotFoundError } from '../../src/errors.ts';
import { createS3Storage, type S3Storage } from '../../src/storage.ts';
import type { S3StorageOptions } from '../../src/types/storage.ts';

export const CONFORMANCE_BUCKET = 'autobio-conformance';

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
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

/** The real S3 server of one test file, and what the tests ask it. */
export interface ConformanceS3 {
  server(): LocalS3;
  /** A storage client for the server, with the package defaults unless told otherwise. */
  storage(options?: Omit<S3StorageOptions, 'config'>): S3Storage;
  /** A fresh user id, so the tests of a file never see each other's keys. */
  newUser(): string;
  /** Every version and delete marker whose key starts with `prefix`, as the server lists them. */
  versionsUnder(prefix: string): Promise<StoredVersion[]>;
  /** Every version and delete marker of exactly `key`. */
  versionsOf(key: string): Promise<StoredVersion[]>;
  /** Whether HEAD finds a current object at `key`. */
  headFinds(key: string): Promise<boolean>;
}

/**
 * Starts a real S3 (versitygw: signatures, POST policies and versions are checked) for the test
 * file with one versioned bucket. `engine` exists so a run can show that s3rver, which checks
 * none of that, fails the suite.
 */
export function useConformanceS3(options: { readonly engine?: LocalS3Engine } = {}): ConformanceS3 {
  let server: LocalS3 | undefined;
  let probe: S3Storage | undefined;

  beforeAll(async () => {
    server = await startLocalS3({
      engine: options.engine ?? 'versitygw',
      buckets: [{ name: CONFORMANCE_BUCKET }],
    });
    probe = storageFor(server);
  });
  afterAll(() => server?.stop());

  const versionsUnder = async (prefix: string): Promise<StoredVersion[]> => {
    const found: StoredVersion[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await probe!.getClient().send(
        new ListObjectVersionsCommand({
          Bucket: CONFORMANCE_BUCKET,
          Prefix: prefix,
          ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
        }),
      );
      for (const version of page.Versions ?? []) {
        found.push({
          key: version.Key!,
          versionId: version.VersionId!,
          deleteMarker: false,
          sizeBytes: version.Size,
        });
      }
      for (const marker of page.DeleteMarkers ?? []) {
        found.push({
          key: marker.Key!,
          versionId: marker.VersionId!,
          deleteMarker: true,
          sizeBytes: undefined,
        });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return found;
  };

  return {
    server: () => server!,
    storage: (storageOptions) => storageFor(server!, storageOptions),
    newUser: () => `user-${randomUUID()}`,
    versionsUnder,
    versionsOf: async (key) => (await versionsUnder(key)).filter((entry) => entry.key === key),
    headFinds: async (key) => {
      try {
        await probe!.headObject(key);
        return true;
      } catch (error) {
        if (error instanceof ObjectNotFoundError) return false;
        throw error;
      }
    },
  };
}

/** A storage client for the server, with the keys it accepts (versitygw refuses any other). */
export function storageFor(
  server: LocalS3,
  options: Omit<S3StorageOptions, 'config'> = {},
): S3Storage {
  return createS3Storage({
    config: {
      bucketName: CONFORMANCE_BUCKET,
      endpoint: server.endpoint,
      region: server.region,
      credentials: { ...server.credentials },
    },
    ...options,
  });
}

/** Bytes that start like a PNG, then random ones, so every upload is told apart by content. */
export function imageBytes(sizeBytes: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const bytes = Buffer.concat([signature, randomBytes(Math.max(0, sizeBytes - signature.length))]);
  return bytes.subarray(0, sizeBytes);
}

function errorCodeOf(body: Buffer): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
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
      headers: {
        ...(body ? { 'content-length': String(body.length) } : {}),
        ...headers,
      },
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

/**
 * Starts a PUT that declares `body.length` bytes, sends the first half and then resets the
 * connection (RST), as a crashed client or a dropped network does.
 * @returns the status if the server answered before the cut, else `undefined`.
 */
export function sendHalfThenReset(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'PUT',
      headers: { ...headers, 'content-length': String(body.length) },
    });
    let settled = false;
    const settle = (status: number | undefined) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    req.on('error', () => settle(undefined));
    req.on('response', (response) => {
      response.resume();
      settle(response.statusCode);
    });
    req.write(body.subarray(0, Math.floor(body.length / 2)), () => {
      // Let the half reach the server before the cut, so it is the cut that is tested.
      setTimeout(() => {
        req.socket?.resetAndDestroy();
        // The server may still be handling what it got: give it a moment before looking.
        setTimeout(() => settle(undefined), 200);
      }, 100);
    });
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
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, errorCode: errorCodeOf(body) };
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
  const path = `${parsed.pathname.slice(0, -key.length)}${otherKey}`;
  return `${parsed.origin}${path}${parsed.search}`;
}
