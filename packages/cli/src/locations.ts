import {
  assertPrefix,
  InvalidKeyError,
  type KeyLayout,
  STORAGE_AREAS,
  type StorageArea,
  validateBucketName,
} from '@autobio/s3-storage';
import { checkOption, InvalidOptionError } from './errors.ts';

/** Where a migration copies from: a bucket and a key prefix (empty for the whole bucket). */
export interface SourceLocation {
  readonly bucket: string;
  /** Empty, or ends in `/`. */
  readonly prefix: string;
}

/**
 * Takes `s3://bucket`, `s3://bucket/` or `s3://bucket/some/prefix[/]` apart. A prefix is a
 * folder: `s3://old/photos` copies the keys under `photos/`, as `aws s3 cp --recursive` does.
 * @throws InvalidOptionError naming `--from` and the form it must have.
 */
export function parseSourceUri(uri: string): SourceLocation {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!match) {
    throw new InvalidOptionError(
      '--from',
      uri,
      'give an S3 URI of the form s3://old-bucket or s3://old-bucket/prefix/.',
    );
  }
  const bucket = match[1]!;
  checkOption('--from', uri, () => validateBucketName(bucket, '--from'));
  const rawPrefix = (match[2] ?? '').replace(/^\/+/, '');
  const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  return { bucket, prefix };
}

/** `s3://bucket/prefix` as people write it. */
export function formatS3Uri(bucket: string, prefix: string): string {
  return `s3://${bucket}/${prefix}`;
}

/**
 * The destination key prefix for `--to`: a layout area name (`generated`, `generated/memory`,
 * `stubs`, ...) resolved through the key layout, so configured prefixes are honoured; or a key
 * prefix, which must end in `/` and lie inside one of the layout's areas.
 * @throws InvalidOptionError naming `--to`, the areas and the prefixes it may use.
 */
export function resolveDestinationPrefix(layout: KeyLayout, to: string): string {
  if ((STORAGE_AREAS as readonly string[]).includes(to))
    return layout.areaPrefix(to as StorageArea);
  const choices =
    `use an area (${STORAGE_AREAS.join(', ')}) or a prefix under ` +
    `${Object.values(layout.prefixes).join(', ')} ending in "/"`;
  try {
    assertPrefix(to, '--to prefix');
    layout.assertKeyInLayout(`${to}x`);
  } catch (error) {
    if (error instanceof InvalidKeyError) {
      throw new InvalidOptionError('--to', to, `${error.message} In short: ${choices}.`, {
        cause: error,
      });
    }
    throw error;
  }
  return to;
}

/** The destination key of a source key: the source prefix swapped for the destination's. */
export function destinationKeyFor(source: SourceLocation, prefix: string, sourceKey: string) {
  return `${prefix}${sourceKey.slice(source.prefix.length)}`;
}

/**
 * The `x-amz-copy-source` value: `bucket/key`, URL-encoded. The key is encoded with `encodeURI`
 * (keeping `/`), which is what the embedded server decodes, plus `+`, `?` and `#`, which S3
 * would otherwise read as a space, a query and a fragment.
 */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURI(key).replace(/[+?#]/g, (c) => encodeURIComponent(c))}`;
}
