import { describe, expect, it } from 'vitest';
import { compareHeads, sameChecksum, sameSizeAndEtag } from '../../src/object-compare.ts';

describe('sameSizeAndEtag', () => {
  it('matches equal size and ETag, quoted or not', () => {
    expect(
      sameSizeAndEtag(
        { key: 'a', sizeBytes: 5, etag: '"abc"' },
        { key: 'b', sizeBytes: 5, etag: 'abc' },
      ),
    ).toBe(true);
  });

  it('does not match a different size, a different ETag or a missing ETag', () => {
    const a = { key: 'a', sizeBytes: 5, etag: '"abc"' };
    expect(sameSizeAndEtag(a, { key: 'b', sizeBytes: 6, etag: '"abc"' })).toBe(false);
    expect(sameSizeAndEtag(a, { key: 'b', sizeBytes: 5, etag: '"abd"' })).toBe(false);
    expect(sameSizeAndEtag({ ...a, etag: undefined }, { ...a, etag: undefined })).toBe(false);
  });
});

describe('sameChecksum', () => {
  it('matches when a shared algorithm has the same value', () => {
    expect(
      sameChecksum({ $metadata: {}, ChecksumCRC32: 'x' }, { $metadata: {}, ChecksumCRC32: 'x' }),
    ).toBe(true);
  });

  it('does not match without a shared algorithm, or with a different value', () => {
    expect(
      sameChecksum({ $metadata: {}, ChecksumCRC32: 'x' }, { $metadata: {}, ChecksumSHA256: 'x' }),
    ).toBe(false);
    expect(
      sameChecksum(
        { $metadata: {}, ChecksumCRC32: 'x', ChecksumSHA256: 'y' },
        { $metadata: {}, ChecksumCRC32: 'x', ChecksumSHA256: 'z' },
      ),
    ).toBe(false);
  });
});

describe('compareHeads', () => {
  const source = {
    $metadata: {},
    ContentLength: 5,
    ETag: '"abc"',
    ContentType: 'image/png',
    Metadata: { index: '1', Owner: 'x' },
    CacheControl: 'max-age=60',
  };

  it('finds nothing to report for a faithful copy', () => {
    expect(compareHeads(source, { ...source, Metadata: { owner: 'x', index: '1' } })).toEqual([]);
  });

  it('names every field that differs', () => {
    const differences = compareHeads(source, {
      ...source,
      ETag: '"abd"',
      ContentType: 'binary/octet-stream',
      Metadata: {},
    });
    expect(differences).toHaveLength(3);
    expect(differences.join('\n')).toMatch(/content: ETag/);
    expect(differences.join('\n')).toMatch(/content type: image\/png ≠ binary\/octet-stream/);
    expect(differences.join('\n')).toMatch(/metadata/);
  });

  it('compares the Expires header, which a copy in parts sets from the source', () => {
    const expires = { ...source, Expires: new Date('2027-01-01T00:00:00Z') };
    expect(compareHeads(expires, { ...expires, Expires: new Date(expires.Expires) })).toEqual([]);
    expect(compareHeads(expires, source)).toEqual([
      'expires: 2027-01-01T00:00:00.000Z ≠ undefined',
    ]);
  });

  it('accepts a different ETag when a checksum matches', () => {
    expect(
      compareHeads(
        { ...source, ChecksumCRC64NVME: 'q' },
        { ...source, ETag: '"other-2"', ChecksumCRC64NVME: 'q' },
      ),
    ).toEqual([]);
  });
});
