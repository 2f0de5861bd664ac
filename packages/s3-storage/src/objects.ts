import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { type StorageContext, send } from './context.ts';
import type { CallOptions, ListedObject, ObjectInfo, PutObjectOptions } from './types/storage.ts';

/**
 * A key as x-amz-copy-source wants it: URL-encoded, with `/` kept. `encodeURI` alone leaves
 * `+`, `?` and `#`, which S3 would read as a space, a query and a fragment.
 */
function encodeCopySourceKey(key: string): string {
  return encodeURI(key).replace(/[+?#]/g, encodeURIComponent);
}

export async function putObject(
  context: StorageContext,
  key: string,
  body: PutObjectCommandInput['Body'],
  options: PutObjectOptions = {},
): Promise<void> {
  context.keys.assertKeyInLayout(key);
  await send(
    context,
    key,
    new PutObjectCommand({
      Bucket: context.config.bucketName,
      Key: key,
      Body: body,
      ...(options.contentType ? { ContentType: options.contentType } : {}),
      ...(options.metadata ? { Metadata: { ...options.metadata } } : {}),
    }),
    options,
  );
}

export async function headObject(
  context: StorageContext,
  key: string,
  options: CallOptions = {},
): Promise<ObjectInfo> {
  context.keys.assertKeyInLayout(key);
  const head = await send(
    context,
    key,
    new HeadObjectCommand({ Bucket: context.config.bucketName, Key: key }),
    options,
  );
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
  context.keys.assertKeyInLayout(key);
  // Keys list in ascending order, so the key itself comes before any longer key it prefixes.
  const response = await send(
    context,
    key,
    new ListObjectsV2Command({ Bucket: context.config.bucketName, Prefix: key, MaxKeys: 1 }),
    options,
  );
  const first = response.Contents?.[0];
  if (first?.Key !== key) return undefined;
  return { key, sizeBytes: first.Size ?? 0, lastModified: first.LastModified, etag: first.ETag };
}

export async function deleteObject(
  context: StorageContext,
  key: string,
  options: CallOptions = {},
): Promise<void> {
  context.keys.assertKeyInLayout(key);
  await send(
    context,
    key,
    new DeleteObjectCommand({ Bucket: context.config.bucketName, Key: key }),
    options,
  );
}

export async function copyObject(
  context: StorageContext,
  sourceKey: string,
  destinationKey: string,
  options: CallOptions = {},
): Promise<void> {
  context.keys.assertKeyInLayout(sourceKey);
  context.keys.assertKeyInLayout(destinationKey);
  await send(
    context,
    sourceKey,
    new CopyObjectCommand({
      Bucket: context.config.bucketName,
      Key: destinationKey,
      CopySource: `${context.config.bucketName}/${encodeCopySourceKey(sourceKey)}`,
      MetadataDirective: 'COPY',
    }),
    options,
  );
}
