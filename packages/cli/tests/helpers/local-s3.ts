import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '@autobio/local-s3';
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';

/** The old bucket a migration copies from. */
export const SOURCE_BUCKET = 'autobio-legacy';
/** This environment's bucket (S3_BUCKET_NAME). */
export const BUCKET = 'auto-bio-illustrations';

/** One embedded server with both buckets, and a plain SDK client to arrange and inspect them. */
export interface TestS3 {
  readonly server: LocalS3;
  readonly client: S3Client;
  /** The storage package's variables for this server, with overrides (undefined removes one). */
  env(overrides?: Record<string, string | undefined>): Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const server = await startLocalS3({ buckets: [{ name: SOURCE_BUCKET }, { name: BUCKET }] });
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    server,
    client,
    env(overrides = {}) {
      const env: Record<string, string | undefined> = {
        S3_BUCKET_NAME: BUCKET,
        S3_CLIENT_REGION: 'us-east-1',
        S3_ENDPOINT: server.endpoint,
        BACKEND_AWS_KEY: LOCAL_S3_CREDENTIALS.accessKeyId,
        BACKEND_AWS_SECRET: LOCAL_S3_CREDENTIALS.secretAccessKey,
        ...overrides,
      };
      return Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

/** An object to seed. */
export interface SeedObject {
  readonly key: string;
  readonly body: string;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
  readonly cacheControl?: string;
}

/** Writes objects with a few requests in flight at once. */
export async function seed(
  client: S3Client,
  bucket: string,
  objects: readonly SeedObject[],
  concurrency = 32,
): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    objects.map((object) =>
      limit(() =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: object.key,
            Body: object.body,
            ContentType: object.contentType,
            Metadata: object.metadata,
            CacheControl: object.cacheControl,
          }),
        ),
      ),
    ),
  );
}

/** What a listing says of an object. */
export interface ListedEntry {
  readonly sizeBytes: number;
  readonly etag: string;
  readonly lastModified: string;
}

/** Every object under a prefix, by key. */
export async function listBucket(
  client: S3Client,
  bucket: string,
  prefix = '',
): Promise<Map<string, ListedEntry>> {
  const objects = new Map<string, ListedEntry>();
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      objects.set(object.Key!, {
        sizeBytes: object.Size ?? 0,
        etag: object.ETag ?? '',
        lastModified: object.LastModified?.toISOString() ?? '',
      });
    }
  }
  return objects;
}

export function headObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}
