import { wholeNumber } from '@autobio/s3-storage/settings';
import {
  DEFAULT_PART_SIZE_BYTES,
  MAX_PART_SIZE_BYTES,
  MAX_PARTS,
  MIN_PART_SIZE_BYTES,
} from './constants.ts';
import { PartPlanError } from './errors.ts';

/** One part of a multipart copy: an inclusive byte range of the source. */
export interface CopyPart {
  /** 1 to 10,000. */
  readonly partNumber: number;
  readonly firstByte: number;
  readonly lastByte: number;
}

export interface PartPlanOptions {
  /** Size of every part but the last. @default 536870912 (512 MiB), raised to fit 10,000 parts */
  readonly partSizeBytes?: number;
  /**
   * The sizes of the source's own parts, in order. When they form a valid layout they are
   * copied as they are, so the copy's ETag (an MD5 of the parts' MD5s) equals the source's and
   * a rerun recognises the copy as identical. @default - none
   */
  readonly sourcePartSizes?: readonly number[];
}

/** `bytes=first-last`, as `x-amz-copy-source-range` wants it. */
export function copySourceRange(part: CopyPart): string {
  return `bytes=${part.firstByte}-${part.lastByte}`;
}

function fromSizes(sizes: readonly number[]): CopyPart[] {
  let offset = 0;
  return sizes.map((size, index) => {
    offset += size;
    return { partNumber: index + 1, firstByte: offset - size, lastByte: offset - 1 };
  });
}

/** Whether `sizes` can be sent as the parts of an object of `sizeBytes`, within S3's limits. */
export function isValidPartLayout(sizes: readonly number[], sizeBytes: number): boolean {
  if (sizes.length === 0 || sizes.length > MAX_PARTS) return false;
  let total = 0;
  for (const [index, size] of sizes.entries()) {
    const last = index === sizes.length - 1;
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_PART_SIZE_BYTES) return false;
    if (!last && size < MIN_PART_SIZE_BYTES) return false;
    total += size;
  }
  return total === sizeBytes;
}

/**
 * Splits an object into the byte ranges of a multipart copy: the source's own layout when it
 * is valid, otherwise equal parts of `partSizeBytes` (raised as needed to stay within 10,000
 * parts) and a shorter last part.
 * @throws PartPlanError when the part size is outside 5 MiB..5 GiB, or the object cannot fit.
 */
export function planCopyParts(sizeBytes: number, options: PartPlanOptions = {}): CopyPart[] {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 1) {
    throw new PartPlanError(
      `Cannot plan a multipart copy of ${sizeBytes} bytes: the size must be a whole number above 0.`,
    );
  }
  if (options.sourcePartSizes && isValidPartLayout(options.sourcePartSizes, sizeBytes)) {
    return fromSizes(options.sourcePartSizes);
  }
  const requested = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
  if (!wholeNumber(MIN_PART_SIZE_BYTES, MAX_PART_SIZE_BYTES).safeParse(requested).success) {
    throw new PartPlanError(
      `Part size ${requested} is outside S3's limits: use ${MIN_PART_SIZE_BYTES} (5 MiB) to ` +
        `${MAX_PART_SIZE_BYTES} (5 GiB) bytes.`,
    );
  }
  const partSize = Math.max(requested, Math.ceil(sizeBytes / MAX_PARTS));
  if (partSize > MAX_PART_SIZE_BYTES) {
    throw new PartPlanError(
      `An object of ${sizeBytes} bytes does not fit in ${MAX_PARTS} parts of at most ` +
        `${MAX_PART_SIZE_BYTES} bytes: S3 cannot copy it.`,
    );
  }
  const count = Math.ceil(sizeBytes / partSize);
  const sizes = Array.from({ length: count }, (_, index) =>
    index === count - 1 ? sizeBytes - partSize * (count - 1) : partSize,
  );
  return fromSizes(sizes);
}

/**
 * The source's part sizes when its parts are all equal but the last, as nearly every uploader
 * makes them: from the first part's size, the part count and the object's size.
 * @returns `undefined` when these do not describe such a layout.
 */
export function uniformPartSizes(sizeBytes: number, partsCount: number, firstPartBytes: number) {
  if (!Number.isSafeInteger(partsCount) || partsCount < 1 || firstPartBytes < 1) return undefined;
  const lastPart = sizeBytes - firstPartBytes * (partsCount - 1);
  if (lastPart < 1 || lastPart > firstPartBytes) return undefined;
  const sizes = Array.from({ length: partsCount }, (_, index) =>
    index === partsCount - 1 ? lastPart : firstPartBytes,
  );
  return isValidPartLayout(sizes, sizeBytes) ? sizes : undefined;
}
