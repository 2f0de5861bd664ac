import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject } from './object-compare.ts';

/**
 * Every object under a prefix, a page of up to `pageSize` keys at a time, in S3's order. Each
 * page is its own request, which the client's retry strategy retries on its own.
 */
export async function* listObjectPages(
  client: S3Client,
  request: { readonly bucket: string; readonly prefix: string; readonly pageSize: number },
): AsyncGenerator<ListedObject[]> {
  const pages = paginateListObjectsV2(
    { client, pageSize: request.pageSize },
    { Bucket: request.bucket, Prefix: request.prefix || undefined },
  );
  for await (const page of pages) {
    yield (page.Contents ?? []).flatMap((object) =>
      object.Key === undefined
        ? []
        : [{ key: object.Key, sizeBytes: object.Size ?? 0, etag: object.ETag }],
    );
  }
}
