import { createHash } from 'node:crypto';
import { type LocalS3, startLocalS3 } from '@autobio/local-s3';
import { listVersions as listAllVersions, type StoredVersion } from '@autobio/local-s3/conformance';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type CopyConditionStandIn, startCopyConditionStandIn } from './copy-condition-stand-in.ts';
import { BUCKET, SOURCE_BUCKET } from './local-s3.ts';

export { BUCKET, SOURCE_BUCKET };

/**
 * versitygw, a real S3 implementation, with the source and destination buckets, behind the
 * stand-in that supplies CopyObject's destination conditions (see copy-condition-stand-in.ts).
 */
export interface ConformanceS3 {
  readonly server: LocalS3;
  readonly standIn: CopyConditionStandIn;
  /** Straight to versitygw, bypassing the stand-in: to arrange and inspect the buckets. */
  readonly client: S3Client;
  /** The storage package's variables, pointing at the stand-in, with overrides. */
  env(overrides?: Record<string, string | undefined>): Record<string, string>;
  stop(): Promise<void>;
}

export interface ConformanceS3Options {
  /** Buckets keep every version. @default true */
  readonly versioning?: boolean;
}

export async function startConformanceS3(
  options: ConformanceS3Options = {},
): Promise<ConformanceS3> {
  const server = await startLocalS3({
    engine: 'versitygw',
    versioning: options.versioning ?? true,
    buckets: [{ name: SOURCE_BUCKET }, { name: BUCKET }],
  });
  const standIn = await startCopyConditionStandIn({
    upstream: server.endpoint,
    region: server.region,
    credentials: server.credentials,
  });
  const client = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    server,
    standIn,
    client,
    env(overrides = {}) {
      const env: Record<string, string | undefined> = {
        S3_BUCKET_NAME: BUCKET,
        S3_CLIENT_REGION: server.region,
        S3_ENDPOINT: standIn.endpoint,
        BACKEND_AWS_KEY: server.credentials.accessKeyId,
        BACKEND_AWS_SECRET: server.credentials.secretAccessKey,
        ...overrides,
      };
      return Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
    },
    async stop() {
      client.destroy();
      await standIn.stop();
      await server.stop();
    },
  };
}

/** Everything a versioned bucket keeps under a prefix: every version and every delete marker. */
export async function listVersions(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ versions: StoredVersion[]; deleteMarkers: StoredVersion[] }> {
  const entries = await listAllVersions(client, bucket, prefix);
  return {
    versions: entries.filter((entry) => !entry.deleteMarker),
    deleteMarkers: entries.filter((entry) => entry.deleteMarker),
  };
}

/** How many versions each key has. */
export function versionCounts(versions: readonly StoredVersion[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(v.key, (counts.get(v.key) ?? 0) + 1);
  return counts;
}

export async function readBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes `body` as a multipart upload cut into `partSizes`, as a large-file uploader would. */
export async function uploadInParts(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  partSizes: readonly number[],
  contentType?: string,
): Promise<string> {
  const upload = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
  );
  const parts: { PartNumber: number; ETag: string }[] = [];
  let offset = 0;
  for (const [index, size] of partSizes.entries()) {
    const part = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: upload.UploadId,
        PartNumber: index + 1,
        Body: body.subarray(offset, offset + size),
      }),
    );
    parts.push({ PartNumber: index + 1, ETag: part.ETag! });
    offset += size;
  }
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: upload.UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return done.ETag!;
}

/** Multipart uploads still open under a prefix (an aborted one is gone). */
export async function openUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<string[]> {
  const page = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  );
  return (page.Uploads ?? []).map((upload) => upload.Key!);
}

/**
 * Runs `arrange` once, just before `client` first sends a `commandName` request (for example
 * `CopyObjectCommand`), with that request's input, and only then lets it go: a way to change the destination at a
 * precise point of a migration, after its listing and before its write. The request itself is
 * sent unchanged, over real HTTP.
 */
export function beforeFirstSend(
  client: S3Client,
  commandName: string,
  arrange: (input: { readonly Bucket?: string; readonly Key?: string }) => Promise<unknown>,
): { readonly ran: () => boolean } {
  let ran = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!ran && context.commandName === commandName) {
        ran = true;
        await arrange(args.input as { Bucket?: string; Key?: string });
      }
      return next(args);
    },
    { step: 'initialize', name: `beforeFirst${commandName}` },
  );
  return { ran: () => ran };
}

/** The names of the commands `client` sends from now on (`UploadPartCopyCommand`...), in order. */
export function recordCommands(client: S3Client): readonly string[] {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      names.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return names;
}

/** An object's bytes as a short text, or its size and digest when large: readable in a diff. */
export async function readSummary(client: S3Client, bucket: string, key: string): Promise<string> {
  const bytes = await readBytes(client, bucket, key);
  return bytes.byteLength <= 200
    ? bytes.toString()
    : `${bytes.byteLength} bytes, sha256 ${sha256(bytes)}`;
}
