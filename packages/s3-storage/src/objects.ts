import {
  type _Object,
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { type StorageContext, send } from './context.ts';
import type { CallOptions, ListedObject, ObjectInfo, PutObjectOptions } from './types/storage.ts';

/** `key` in this bucket, once checked against the layout: where every command below goes. */
function at(context: StorageContext, key: string): { Bucket: string; Key: string } {
  context.keys.assertKeyInLayout(key);
  return { Bucket: context.config.bucketName, Key: key };
}

/** An entry of a ListObjectsV2 page, as the package shows it. */
export function listedObject(key: string, object: _Object): ListedObject {
  return { key, sizeBytes: object.Size ?? 0, lastModified: object.LastModified, etag: object.ETag };
}

export async function putObject(
  context: StorageContext,
  key: string,
  body: PutObjectCommandInput['Body'],
  { contentType, metadata, ...options }: PutObjectOptions = {},
): Promise<void> {
  const input = {
    ...at(context, key),
    Body: body,
    ...(contentType && { ContentType: contentType }),
    ...(metadata && { Metadata: { ...metadata } }),
  };
  await send(context, key, new PutObjectCommand(input), options);
}

export async function headObject(
  context: StorageContext,
  key: string,
  options: CallOptions = {},
): Promise<ObjectInfo> {
  const head = await send(context, key, new HeadObjectCommand(at(context, key)), options);
  return {
    key,
    sizeBytes: head.ContentLength ?? 0,
    contentType: head.ContentType,
    etag: head.ETag,
    lastModified: head.LastModified,
    metadata: head.Metadata ?? {},
  };
}

export async function findObject(
  context: StorageContext,
  key: string,
  options: CallOptions = {},
): Promise<ListedObject | undefined> {
  const { Bucket } = at(context, key);
  // Keys list in ascending order, so the key itself comes before any longer key it prefixes.
  const command = new ListObjectsV2Command({ Bucket, Prefix: key, MaxKeys: 1 });
  const first = (await send(context, key, command, options)).Contents?.[0];
  return first?.Key === key ? listedObject(key, first) : undefined;
}

export async function deleteObject(
  context: StorageContext,
  key: string,
  options: CallOptions = {},
): Promise<void> {
  await send(context, key, new DeleteObjectCommand(at(context, key)), options);
}

export async function copyObject(
  context: StorageContext,
  sourceKey: string,
  destinationKey: string,
  options: CallOptions = {},
): Promise<void> {
  const source = at(context, sourceKey);
  // URL-encoded with `/` kept: `encodeURI` alone leaves `+`, `?` and `#`, which S3 would read
  // as a space, a query and a fragment.
  const sourceKeyEncoded = encodeURI(sourceKey).replace(/[+?#]/g, encodeURIComponent);
  const command = new CopyObjectCommand({
    ...at(context, destinationKey),
    CopySource: `${source.Bucket}/${sourceKeyEncoded}`,
    MetadataDirective: 'COPY',
  });
  await send(context, sourceKey, command, options);
}
