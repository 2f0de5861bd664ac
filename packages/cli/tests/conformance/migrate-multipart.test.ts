import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationTarget } from '../../src/clients.ts';
import { MIN_PART_SIZE_BYTES } from '../../src/constants.ts';
import { type MigrationTarget, runMigration } from '../../src/migrate.ts';
import type { MigrationOptions, MigrationReport } from '../../src/types/migrate.ts';
import {
  BUCKET,
  beforeFirstSend,
  type ConformanceS3,
  listVersions,
  openUploads,
  readBytes,
  readSummary,
  recordCommands,
  SOURCE_BUCKET,
  sha256,
  startConformanceS3,
  uploadInParts,
} from '../helpers/conformance-s3.ts';

const MiB = 1024 ** 2;
/** Laid out as a large-file uploader cuts it: equal parts and a shorter last one. */
const PART_SIZES = [5 * MiB, 5 * MiB, 1 * MiB + 123];
const SOURCE_KEY = 'big/scan.tiff';

let s3: ConformanceS3;
let body: Buffer;
let sourceEtag: string;

beforeAll(async () => {
  s3 = await startConformanceS3();
  body = randomBytes(PART_SIZES.reduce((sum, size) => sum + size, 0));
  sourceEtag = await uploadInParts(
    s3.client,
    SOURCE_BUCKET,
    SOURCE_KEY,
    body,
    PART_SIZES,
    'image/tiff',
  );
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

/**
 * A migration through the CLI's own functions, with the multipart threshold lowered from 5 GiB
 * to S3's smallest part so an 11 MiB object takes the UploadPartCopy path.
 */
async function migrateInParts(
  to: string,
  arrange?: (target: MigrationTarget) => void,
  options: Partial<MigrationOptions> = {},
): Promise<MigrationReport> {
  const target = createMigrationTarget(s3.env(), { maxSockets: 8 });
  try {
    arrange?.(target);
    return await runMigration(target, {
      from: `s3://${SOURCE_BUCKET}/big`,
      to,
      multipartThresholdBytes: MIN_PART_SIZE_BYTES,
      // Keys no route reads: these tests are about copying in parts.
      allowUnlisted: true,
      ...options,
    });
  } finally {
    target.destroy();
  }
}

describe('a multipart copy (UploadPartCopy) on a real S3 server', { timeout: 60_000 }, () => {
  it('produces a byte-identical object with the source part layout, so its ETag equals the source ETag', async () => {
    let sent: readonly string[] = [];

    const report = await migrateInParts('generated/big/', (target) => {
      sent = recordCommands(target.storage.getClient());
    });

    expect(report.counts).toMatchObject({ listed: 1, copied: 1, conflicts: 0, failed: 0 });
    expect(sent.filter((name) => name === 'UploadPartCopyCommand')).toHaveLength(3);
    expect(sent).not.toContain('CopyObjectCommand');
    const key = 'generated/big/scan.tiff';
    expect(sha256(await readBytes(s3.client, BUCKET, key))).toBe(sha256(body));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(sourceEtag).toMatch(/-3"$/);
    expect(head).toMatchObject({ ETag: sourceEtag, ContentType: 'image/tiff' });
    const partSizes = await Promise.all(
      PART_SIZES.map(
        async (_, index) =>
          (
            await s3.client.send(
              new HeadObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: index + 1 }),
            )
          ).ContentLength,
      ),
    );
    expect(partSizes).toEqual(PART_SIZES);
    expect(await openUploads(s3.client, BUCKET, 'generated/big/')).toEqual([]);
  });

  it('recognises its own multipart copy as identical on a rerun and writes no second version', async () => {
    const report = await migrateInParts('generated/big/');

    expect(report.counts).toMatchObject({ listed: 1, copied: 0, skipped: 1, conflicts: 0 });
    expect((await listVersions(s3.client, BUCKET, 'generated/big/')).versions).toHaveLength(1);
  });

  it('leaves an object that appears at the destination mid-copy alone, refused by CompleteMultipartUpload, and aborts the upload', async () => {
    const key = 'generated/mid-copy/scan.tiff';
    let interloper: { ran(): boolean } | undefined;

    // The parts are copied; just before they are assembled, someone writes the destination.
    const report = await migrateInParts('generated/mid-copy/', (target) => {
      interloper = beforeFirstSend(
        target.storage.getClient(),
        'CompleteMultipartUploadCommand',
        (input) =>
          s3.client.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: input.Key, Body: 'written mid-copy' }),
          ),
      );
    });

    expect(interloper?.ran()).toBe(true);
    expect(await readSummary(s3.client, BUCKET, key)).toBe('written mid-copy');
    const { versions, deleteMarkers } = await listVersions(
      s3.client,
      BUCKET,
      'generated/mid-copy/',
    );
    expect(versions).toHaveLength(1);
    expect(deleteMarkers).toEqual([]);
    expect(report.counts).toMatchObject({ listed: 1, copied: 0, conflicts: 1, failed: 0 });
    expect(report.conflicts[0]).toMatchObject({
      destinationKey: key,
      reason: expect.stringMatching(/the destination changed since it was listed/),
    });
    expect(await openUploads(s3.client, BUCKET, 'generated/mid-copy/')).toEqual([]);
  });

  it('reports an object deleted at the destination before --overwrite completes its replacement as a conflict, and aborts the upload', async () => {
    const key = 'generated/replaced/scan.tiff';
    const old = await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'old copy' }),
    );
    let deleter: { ran(): boolean } | undefined;

    // Listed with its ETag; deleted just before the copied parts are assembled over it. By
    // version, leaving no delete marker: versitygw treats a key whose current version is a
    // delete marker as still holding its last object in conditional writes, which S3 does not.
    const report = await migrateInParts(
      'generated/replaced/',
      (target) => {
        deleter = beforeFirstSend(
          target.storage.getClient(),
          'CompleteMultipartUploadCommand',
          (input) =>
            s3.client.send(
              new DeleteObjectCommand({ Bucket: BUCKET, Key: input.Key, VersionId: old.VersionId }),
            ),
        );
      },
      { overwrite: true },
    );

    expect(deleter?.ran()).toBe(true);
    expect(await listVersions(s3.client, BUCKET, 'generated/replaced/')).toEqual({
      versions: [],
      deleteMarkers: [],
    });
    expect(await openUploads(s3.client, BUCKET, 'generated/replaced/')).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.counts).toMatchObject({ listed: 1, copied: 0, conflicts: 1, failed: 0 });
    expect(report.conflicts[0]?.reason).toMatch(
      /the destination changed since it was listed \(listed with 8 bytes, ETag "\w+"; it is now absent\)/,
    );
  });
});
