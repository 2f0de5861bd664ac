import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { type LocalS3, type LocalS3Engine, startLocalS3 } from '@autobio/local-s3';
import { listVersions, type StoredVersion } from '@autobio/local-s3/conformance';
import { afterAll, beforeAll } from 'vitest';
import { ObjectNotFoundError } from '../../src/errors.ts';
import { createS3Storage, type S3Storage } from '../../src/storage.ts';
import type { S3StorageOptions } from '../../src/types/storage.ts';

export const CONFORMANCE_BUCKET = 'autobio-conformance';

export {
  postForm,
  type RawResponse,
  type StoredVersion,
  sendRaw,
  withKey,
  withTamperedSignature,
} from '@autobio/local-s3/conformance';

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

  const versionsUnder = (prefix: string): Promise<StoredVersion[]> =>
    listVersions(probe!.getClient(), CONFORMANCE_BUCKET, prefix);

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
