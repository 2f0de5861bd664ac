import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';

export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
  readonly etag: string | undefined;
}

/** The checksum fields S3 may return on HEAD with `ChecksumMode: 'ENABLED'`. */
const CHECKSUM_FIELDS = [
  'ChecksumCRC64NVME',
  'ChecksumCRC32',
  'ChecksumCRC32C',
  'ChecksumSHA1',
  'ChecksumSHA256',
] as const;

/** An ETag without its quotes and weak marker, to compare. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/"/g, '');
}

/** Same size and same ETag: for objects written the same way, the same content. */
export function sameSizeAndEtag(a: ListedObject, b: ListedObject): boolean {
  const etag = normalizeEtag(a.etag);
  return a.sizeBytes === b.sizeBytes && etag !== undefined && etag === normalizeEtag(b.etag);
}

/**
 * Whether both objects carry a checksum of the same algorithm with the same value (and no
 * algorithm with different values). Used when ETags differ for reasons other than content:
 * KMS encryption, or a different multipart layout.
 */
export function sameChecksum(a: HeadObjectCommandOutput, b: HeadObjectCommandOutput): boolean {
  let matched = false;
  for (const field of CHECKSUM_FIELDS) {
    const left = a[field];
    const right = b[field];
    if (left === undefined || right === undefined) continue;
    if (left !== right) return false;
    matched = true;
  }
  return matched;
}

function metadataText(metadata: Record<string, string> | undefined): string {
  const entries = Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * What differs between a source object and its copy, as `field: source ≠ destination` lines:
 * size, content (ETag, else checksum), content type, user metadata and the other stored headers.
 * @returns an empty list when the copy is faithful.
 */
export function compareHeads(
  source: HeadObjectCommandOutput,
  destination: HeadObjectCommandOutput,
): string[] {
  const differences: string[] = [];
  const differ = (field: string, left: unknown, right: unknown) => {
    if (left !== right) differences.push(`${field}: ${String(left)} ≠ ${String(right)}`);
  };
  differ('size', source.ContentLength, destination.ContentLength);
  const sameEtag =
    normalizeEtag(source.ETag) !== undefined &&
    normalizeEtag(source.ETag) === normalizeEtag(destination.ETag);
  if (!sameEtag && !sameChecksum(source, destination)) {
    differences.push(`content: ETag ${source.ETag} ≠ ${destination.ETag} and no checksum matches`);
  }
  differ('content type', source.ContentType, destination.ContentType);
  differ('metadata', metadataText(source.Metadata), metadataText(destination.Metadata));
  differ('cache control', source.CacheControl, destination.CacheControl);
  differ('content disposition', source.ContentDisposition, destination.ContentDisposition);
  differ('content encoding', source.ContentEncoding, destination.ContentEncoding);
  differ('content language', source.ContentLanguage, destination.ContentLanguage);
  differ('expires', source.Expires?.toISOString(), destination.Expires?.toISOString());
  return differences;
}
