import { listVersions, type StoredVersion } from '@autobio/local-s3/conformance';
import { ObjectNotFoundError, type S3Storage } from '@autobio/s3-storage';

export {
  postForm,
  type RawResponse,
  type StoredVersion,
  sendRaw,
  withKey,
  withTamperedSignature,
} from '@autobio/local-s3/conformance';

/** Every version and delete marker whose key starts with `prefix`, as the server lists them. */
export function versionsUnder(storage: S3Storage, prefix: string): Promise<StoredVersion[]> {
  return listVersions(storage.getClient(), storage.getBucketName(), prefix);
}

/** Whether the server holds nothing at `key`: HEAD finds no object, and no version is listed. */
export async function holdsNothingAt(storage: S3Storage, key: string): Promise<boolean> {
  try {
    await storage.headObject(key);
    return false;
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
  }
  return (await versionsUnder(storage, key)).every((entry) => entry.key !== key);
}
