import { randomBytes } from 'node:crypto';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes that start like a PNG, followed by random bytes: every image is told apart by content. */
export function fakePng(sizeBytes = 256): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(Math.max(0, sizeBytes - PNG_SIGNATURE.length))]);
}
