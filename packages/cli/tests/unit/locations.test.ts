import { KeyLayout } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.ts';
import {
  destinationKeyFor,
  encodeCopySource,
  parseSourceUri,
  resolveDestinationPrefix,
} from '../../src/locations.ts';

describe('parseSourceUri', () => {
  it('reads a whole bucket', () => {
    expect(parseSourceUri('s3://autobio-staging')).toEqual({
      bucket: 'autobio-staging',
      prefix: '',
    });
    expect(parseSourceUri('s3://autobio-staging/')).toEqual({
      bucket: 'autobio-staging',
      prefix: '',
    });
  });

  it('treats a prefix as a folder, adding the trailing slash', () => {
    expect(parseSourceUri('s3://old-bucket/photos')).toEqual({
      bucket: 'old-bucket',
      prefix: 'photos/',
    });
    expect(parseSourceUri('s3://old-bucket/a/b/')).toEqual({
      bucket: 'old-bucket',
      prefix: 'a/b/',
    });
  });

  it('throws when the value is not an S3 URI, naming --from and the form', () => {
    expect(() => parseSourceUri('old-bucket/photos')).toThrow(InvalidOptionError);
    expect(() => parseSourceUri('old-bucket/photos')).toThrow(/--from .*s3:\/\/old-bucket/);
  });

  it('throws when the bucket name is not valid', () => {
    expect(() => parseSourceUri('s3://Old_Bucket/x')).toThrow(
      '--from "s3://Old_Bucket/x" cannot be used: "Old_Bucket" is not a valid S3 bucket name.',
    );
  });
});

describe('resolveDestinationPrefix', () => {
  const layout = new KeyLayout();

  it('resolves area names through the key layout', () => {
    expect(resolveDestinationPrefix(layout, 'generated')).toBe('generated/');
    expect(resolveDestinationPrefix(layout, 'generated/memory')).toBe('generated/memory/');
    expect(resolveDestinationPrefix(layout, 'stubs')).toBe('stubs/');
  });

  it('honours configured prefixes', () => {
    const custom = new KeyLayout({ generated: 'gen/' });
    expect(resolveDestinationPrefix(custom, 'generated/subject')).toBe('gen/subject/');
  });

  it('accepts a key prefix inside the layout', () => {
    expect(resolveDestinationPrefix(layout, 'generated/memory/legacy/')).toBe(
      'generated/memory/legacy/',
    );
  });

  it('throws when the prefix lies outside the layout, listing areas and prefixes', () => {
    const attempt = () => resolveDestinationPrefix(layout, 'backups/');
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(/subjects\/, avatars\/, generated\/, stubs\//);
    expect(attempt).toThrow(/generated\/memory/);
  });

  it('throws when a prefix does not end in a slash', () => {
    expect(() => resolveDestinationPrefix(layout, 'generated/legacy')).toThrow(/must end in "\/"/);
  });

  it('throws when a prefix climbs out with ".."', () => {
    expect(() => resolveDestinationPrefix(layout, 'generated/../x/')).toThrow(InvalidOptionError);
  });
});

describe('destinationKeyFor', () => {
  it('swaps the source prefix for the destination prefix', () => {
    const source = { bucket: 'old-bucket', prefix: 'photos/' };
    expect(destinationKeyFor(source, 'generated/', 'photos/u1/a.png')).toBe('generated/u1/a.png');
  });
});

describe('encodeCopySource', () => {
  it('encodes the key as a path, keeping slashes', () => {
    expect(encodeCopySource('old', 'a b/é.png')).toBe('old/a%20b/%C3%A9.png');
  });

  it('encodes the characters S3 would read as space, query or fragment', () => {
    expect(encodeCopySource('old', 'c++/what?#1.png')).toBe('old/c%2B%2B/what%3F%231.png');
  });
});
