import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject } from './object-compare.ts';
import { type RetryOptions, withRetry } from './retry.ts';

/** What to list. */
export interface ListRequest {
  readonly bucket: string;
  readonly prefix: string;
  /** Keys per page, 1 to 1000. */
  readonly pageSize: number;
  /** Each page request is retried on its own, so one bad answer does not restart the listing. */
  readonly retry: RetryOptions;
}

/**
 * Every object under a prefix, a page at a time, in S3's order. Written out rather than with
 * the SDK's paginator so that each page, not the whole listing, is retried.
 * @throws RequestFailedError when a page keeps failing.
 */
export async function* listObjectPages(
  client: S3Client,
  request: ListRequest,
): AsyncGenerator<ListedObject[]> {
  let continuationToken: string | undefined;
  do {
    const token = continuationToken;
    const page = await withRetry(
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: request.bucket,
            Prefix: request.prefix || undefined,
            MaxKeys: request.pageSize,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      request.retry,
    );
    const objects: ListedObject[] = [];
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      objects.push({ key: object.Key, sizeBytes: object.Size ?? 0, etag: object.ETag });
    }
    yield objects;
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}
