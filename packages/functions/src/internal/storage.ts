import { s3Client } from '@autobio/s3-storage';

/** An object found by {@link findObject}. */
export interface FoundObject {
  readonly key: string;
  readonly sizeBytes: number;
  readonly lastModified: Date | undefined;
}

/**
 * The object at `key`, or `undefined` when there is none. It lists with the key as prefix
 * instead of a HEAD: without an unconditioned s3:ListBucket, S3 answers a HEAD of a missing key
 * with 403, which would make "absent" indistinguishable from "denied".
 */
export async function findObject(key: string): Promise<FoundObject | undefined> {
  // Keys sort ascending, so the key itself comes before any longer key it prefixes.
  for await (const object of s3Client.listKeys(key)) {
    return object.key === key ? object : undefined;
  }
  return undefined;
}
