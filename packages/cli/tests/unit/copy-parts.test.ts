import { describe, expect, it } from 'vitest';
import { MAX_PART_SIZE_BYTES, MAX_PARTS, MIN_PART_SIZE_BYTES } from '../../src/constants.ts';
import {
  copySourceRange,
  isValidPartLayout,
  planCopyParts,
  uniformPartSizes,
} from '../../src/copy-parts.ts';
import { PartPlanError } from '../../src/errors.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The plan covers the object exactly: contiguous, from byte 0 to the last, numbered from 1. */
function expectTiling(parts: ReturnType<typeof planCopyParts>, sizeBytes: number) {
  expect(parts[0]?.firstByte).toBe(0);
  expect(parts.at(-1)?.lastByte).toBe(sizeBytes - 1);
  const misplaced = parts.filter(
    (part, index) =>
      part.partNumber !== index + 1 ||
      (index > 0 && part.firstByte !== parts[index - 1]!.lastByte + 1),
  );
  expect(misplaced).toEqual([]);
}

describe('planCopyParts', () => {
  it('splits a 6 GiB object into 512 MiB parts and a shorter last part', () => {
    const size = 6 * GiB + 123;
    const parts = planCopyParts(size);
    expect(parts).toHaveLength(13);
    expectTiling(parts, size);
    expect(parts[0]).toEqual({ partNumber: 1, firstByte: 0, lastByte: 512 * MiB - 1 });
    expect(parts.at(-1)!.lastByte - parts.at(-1)!.firstByte + 1).toBe(123);
  });

  it('raises the part size so that a 5 TiB object fits in 10,000 parts', () => {
    const size = 5 * 1024 * GiB;
    const parts = planCopyParts(size, { partSizeBytes: 8 * MiB });
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expectTiling(parts, size);
    const largest = Math.max(...parts.map((part) => part.lastByte - part.firstByte + 1));
    expect(largest).toBeLessThanOrEqual(MAX_PART_SIZE_BYTES);
  });

  it('mirrors the source part layout when it is valid, so the copy gets the same ETag', () => {
    const sizes = [8 * MiB, 8 * MiB, 3 * MiB];
    const parts = planCopyParts(19 * MiB, { sourcePartSizes: sizes, partSizeBytes: 64 * MiB });
    expect(parts.map((p) => p.lastByte - p.firstByte + 1)).toEqual(sizes);
  });

  it('ignores a source layout that does not add up to the object', () => {
    const parts = planCopyParts(20 * MiB, {
      sourcePartSizes: [8 * MiB, 8 * MiB],
      partSizeBytes: 5 * MiB,
    });
    expect(parts).toHaveLength(4);
    expectTiling(parts, 20 * MiB);
  });

  it('throws when the part size is below 5 MiB', () => {
    expect(() => planCopyParts(100 * MiB, { partSizeBytes: MIN_PART_SIZE_BYTES - 1 })).toThrow(
      PartPlanError,
    );
    expect(() => planCopyParts(100 * MiB, { partSizeBytes: 1 })).toThrow(/5 MiB/);
  });

  it('throws when the object cannot fit in 10,000 parts of 5 GiB', () => {
    expect(() => planCopyParts(MAX_PARTS * MAX_PART_SIZE_BYTES + 1)).toThrow(/does not fit/);
  });

  it('throws for an empty object', () => {
    expect(() => planCopyParts(0)).toThrow(PartPlanError);
  });
});

describe('uniformPartSizes', () => {
  it('derives equal parts and a shorter last one from the first part and the count', () => {
    expect(uniformPartSizes(20 * MiB, 3, 8 * MiB)).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
  });

  it('returns undefined when the count and first part cannot describe the object', () => {
    expect(uniformPartSizes(30 * MiB, 3, 8 * MiB)).toBeUndefined();
    expect(uniformPartSizes(10 * MiB, 3, 8 * MiB)).toBeUndefined();
  });
});

describe('isValidPartLayout', () => {
  it('refuses a part below 5 MiB before the last one', () => {
    expect(isValidPartLayout([4 * MiB, 6 * MiB], 10 * MiB)).toBe(false);
    expect(isValidPartLayout([6 * MiB, 4 * MiB], 10 * MiB)).toBe(true);
  });
});

describe('copySourceRange', () => {
  it('writes an inclusive byte range', () => {
    expect(copySourceRange({ partNumber: 2, firstByte: 10, lastByte: 19 })).toBe('bytes=10-19');
  });
});
