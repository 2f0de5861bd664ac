import { createS3Storage } from '@autobio/s3-storage';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, SourceBucketError } from '../../src/errors.ts';
import { type MigrationTarget, runMigration } from '../../src/migrate.ts';
import type { MigrationOptions } from '../../src/types/migrate.ts';
import { runCommand } from '../helpers/run-cli.ts';
import { sdkError } from '../helpers/sdk-errors.ts';

const s3 = mockClient(S3Client);
const SOURCE = 'autobio-staging';
const BUCKET = 'auto-bio-illustrations';
const credentials = { accessKeyId: 'AKIAEXAMPLE123456789', secretAccessKey: 'x' };
const MiB = 1024 ** 2;

function target(regions: string[] = []): MigrationTarget {
  return {
    storage: createS3Storage({ config: { bucketName: BUCKET, credentials } }),
    clientForRegion: (region) => {
      regions.push(region);
      return new S3Client({ region, credentials });
    },
  };
}

/** A source bucket listing the given objects and an empty destination, both in one page. */
function buckets(
  source: { key: string; size?: number; etag?: string }[],
  destination: { key: string; size?: number; etag?: string }[] = [],
) {
  const contents = (objects: typeof source) =>
    objects.map((o) => ({ Key: o.key, Size: o.size ?? 10, ETag: o.etag ?? `"${o.key}"` }));
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => ({
    Contents: contents(input.Bucket === SOURCE ? source : destination),
    IsTruncated: false,
  }));
  s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"x"' } });
}

/** A 412 as S3 sends it, naming the failed condition. */
const preconditionFailed = (condition: string) =>
  Object.assign(sdkError('PreconditionFailed', 412), { Condition: condition });

const copyInputs = () =>
  s3.commandCalls(CopyObjectCommand).map((c) => c.args[0].input as CopyObjectCommandInput);

/** A migration of keys no route reads: these tests are about copying, not the API's routes. */
const migrate = (options: Partial<MigrationOptions> = {}, regions?: string[]) =>
  runMigration(target(regions), {
    from: `s3://${SOURCE}/legacy/`,
    to: 'generated',
    allowUnlisted: true,
    ...options,
  });

beforeEach(() => {
  s3.reset();
});
afterAll(() => {
  s3.restore();
});

describe('runMigration', () => {
  it('copies each object to the same path under the destination prefix', async () => {
    buckets([{ key: 'legacy/u1/a.png' }, { key: 'legacy/b c.png' }]);
    const report = await migrate();
    expect(report.counts).toMatchObject({ listed: 2, copied: 2, failed: 0 });
    const inputs = s3
      .commandCalls(CopyObjectCommand)
      .map((c) => c.args[0].input as CopyObjectCommandInput);
    expect(inputs.map((i) => [i.Key, i.CopySource]).sort()).toEqual([
      ['generated/b c.png', `${SOURCE}/legacy/b%20c.png`],
      ['generated/u1/a.png', `${SOURCE}/legacy/u1/a.png`],
    ]);
    expect(report.ok).toBe(true);
  });

  it('names the permissions a refused copy needs', async () => {
    buckets([{ key: 'legacy/a.png' }]);
    s3.on(CopyObjectCommand).rejects(sdkError('AccessDenied', 403));
    const report = await migrate();
    expect(report.failures[0]?.reason).toBe(
      `Access denied (AccessDenied): copying needs s3:GetObject on arn:aws:s3:::${SOURCE}/legacy/a.png ` +
        `and s3:PutObject on arn:aws:s3:::${BUCKET}/generated/a.png.`,
    );
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
  });

  it('skips an object whose ETag differs but whose checksum matches', async () => {
    buckets(
      [{ key: 'legacy/a.png', etag: '"kms-1"' }],
      [{ key: 'generated/a.png', etag: '"kms-2"' }],
    );
    s3.on(HeadObjectCommand).resolves({ ChecksumCRC64NVME: 'same==' });
    const report = await migrate();
    expect(report.counts).toMatchObject({ skipped: 1, copied: 0, conflicts: 0 });
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input.ChecksumMode).toBe('ENABLED');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('leaves a different object alone as a conflict unless overwrite is set', async () => {
    buckets([{ key: 'legacy/a.png', size: 10 }], [{ key: 'generated/a.png', size: 11 }]);
    const kept = await migrate();
    expect(kept.counts).toMatchObject({ conflicts: 1, copied: 0 });
    expect(kept.conflicts[0]?.reason).toContain('Rerun with --overwrite');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(kept.ok).toBe(false);

    const replaced = await migrate({ overwrite: true });
    expect(replaced.counts).toMatchObject({ conflicts: 0, copied: 1 });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(replaced.ok).toBe(true);
  });

  it('lists a key that has no place in the layout as failed, and copies the rest', async () => {
    buckets([{ key: 'legacy/../escape.png' }, { key: 'legacy/ok.png' }]);
    const report = await migrate();
    expect(report.counts).toMatchObject({ copied: 1, failed: 1 });
    expect(report.failures[0]).toMatchObject({
      sourceKey: 'legacy/../escape.png',
      errorName: 'InvalidKeyError',
    });
  });

  it('reads a source in another region through a client for that region', async () => {
    buckets([{ key: 'legacy/a.png' }]);
    s3.on(HeadBucketCommand).rejects(
      sdkError('Unknown', 301, { headers: { 'x-amz-bucket-region': 'eu-west-1' } }),
    );
    const regions: string[] = [];
    await migrate({}, regions);
    expect(regions).toEqual(['eu-west-1']);
    const sourceListing = s3
      .commandCalls(ListObjectsV2Command)
      .find((call) => call.args[0].input.Bucket === SOURCE);
    expect(await (sourceListing!.thisValue as S3Client).config.region()).toBe('eu-west-1');
    const copy = s3.commandCalls(CopyObjectCommand)[0];
    expect(await (copy!.thisValue as S3Client).config.region()).toBe('us-east-1');
  });

  it('copies an object over the multipart threshold in parts', async () => {
    buckets([{ key: 'legacy/big.bin', size: 12 * MiB }]);
    s3.on(HeadObjectCommand).resolves({ ContentLength: 12 * MiB, ContentType: 'image/png' });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const report = await migrate({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    expect(report.counts.copied).toBe(1);
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(3);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('stops scheduling copies when interrupted and reports it', async () => {
    buckets(Array.from({ length: 5 }, (_, i) => ({ key: `legacy/${i}.png` })));
    const controller = new AbortController();
    s3.on(CopyObjectCommand).callsFake(() => {
      controller.abort();
      return { CopyObjectResult: {} };
    });
    const report = await migrate({ concurrency: 1, signal: controller.signal });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(report).toMatchObject({ interrupted: true, ok: false });
    expect(report.counts.copied).toBe(1);
  });

  it('throws when the source bucket does not exist', async () => {
    buckets([]);
    s3.on(HeadBucketCommand).rejects(sdkError('NotFound', 404));
    const failure = migrate();
    await expect(failure).rejects.toBeInstanceOf(SourceBucketError);
    await expect(failure).rejects.toThrow(`Source bucket "${SOURCE}" does not exist`);
  });

  it('throws naming the permissions when listing the source is refused', async () => {
    buckets([]);
    s3.on(ListObjectsV2Command, { Bucket: SOURCE }).rejects(sdkError('AccessDenied', 403));
    await expect(migrate()).rejects.toThrow(`s3:ListBucket on arn:aws:s3:::${SOURCE}`);
  });

  it('throws when the destination lies inside the source in the same bucket', async () => {
    await expect(migrate({ from: `s3://${BUCKET}` })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(s3.calls()).toHaveLength(0);
  });

  it('writes nothing in a dry run and plans every object', async () => {
    buckets(
      [
        { key: 'legacy/new.png' },
        { key: 'legacy/same.png', etag: '"e1"' },
        { key: 'legacy/diff.png', size: 3 },
      ],
      [
        { key: 'generated/same.png', etag: '"e1"' },
        { key: 'generated/diff.png', size: 4 },
      ],
    );
    const report = await migrate({ dryRun: true });
    expect(report.plan?.map((p) => [p.sourceKey, p.action]).sort()).toEqual([
      ['legacy/diff.png', 'conflict'],
      ['legacy/new.png', 'copy'],
      ['legacy/same.png', 'skip'],
    ]);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(report.bytes.copied).toBe(0);
  });

  describe('writes only over what the destination listing showed', () => {
    it('copies to a key listed as absent only if it is still absent (IfNoneMatch)', async () => {
      buckets([{ key: 'legacy/a.png' }]);
      await migrate();
      const [input] = copyInputs();
      expect(input).toMatchObject({ Key: 'generated/a.png', IfNoneMatch: '*' });
      expect(input).not.toHaveProperty('IfMatch');
    });

    it('overwrites only the object it listed (IfMatch on the listed ETag)', async () => {
      buckets(
        [{ key: 'legacy/a.png', size: 10 }],
        [{ key: 'generated/a.png', size: 11, etag: '"listed-dest"' }],
      );
      await migrate({ overwrite: true });
      const [input] = copyInputs();
      expect(input).toMatchObject({ Key: 'generated/a.png', IfMatch: '"listed-dest"' });
      expect(input).not.toHaveProperty('IfNoneMatch');
    });

    it('reports a 412 on the destination as a conflict, not as a changed source', async () => {
      buckets([{ key: 'legacy/a.png' }, { key: 'legacy/b.png' }]);
      s3.on(CopyObjectCommand, { Key: 'generated/a.png' }).rejects(
        preconditionFailed('If-None-Match'),
      );
      s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: 'generated/a.png' }).resolves({
        ContentLength: 99,
        ETag: '"written-meanwhile"',
      });
      const report = await migrate();
      expect(report.counts).toMatchObject({ copied: 1, conflicts: 1, failed: 0 });
      expect(report.failures).toEqual([]);
      expect(report.conflicts).toEqual([
        expect.objectContaining({
          sourceKey: 'legacy/a.png',
          destinationKey: 'generated/a.png',
          action: 'conflict',
        }),
      ]);
      const reason = report.conflicts[0]?.reason ?? '';
      expect(reason).toContain('the destination changed since it was listed');
      expect(reason).toContain(
        'absent when listed; it now holds 99 bytes, ETag "written-meanwhile"',
      );
      expect(reason).toContain('with --overwrite to replace it');
      expect(reason).not.toMatch(/source object changed/);
      expect(report.ok).toBe(false);
    });

    it('reports a 412 when overwriting as a conflict naming what was listed', async () => {
      buckets(
        [{ key: 'legacy/a.png', size: 10 }],
        [{ key: 'generated/a.png', size: 11, etag: '"listed-dest"' }],
      );
      s3.on(CopyObjectCommand).rejects(preconditionFailed('If-Match'));
      s3.on(HeadObjectCommand).resolves({ ContentLength: 12, ETag: '"newer-dest"' });
      const report = await migrate({ overwrite: true });
      expect(report.counts).toMatchObject({ copied: 0, conflicts: 1, failed: 0 });
      expect(report.conflicts[0]?.reason).toContain(
        'listed with 11 bytes, ETag "listed-dest"; it now holds 12 bytes, ETag "newer-dest"',
      );
      expect(report.ok).toBe(false);
    });

    it('still reports a 412 on the source as a failure: the source changed', async () => {
      buckets([{ key: 'legacy/a.png' }]);
      s3.on(CopyObjectCommand).rejects(preconditionFailed('x-amz-copy-source-If-Match'));
      const report = await migrate();
      expect(report.counts).toMatchObject({ conflicts: 0, failed: 1 });
      expect(report.failures[0]?.reason).toBe(
        'The source object changed after it was listed; rerun to copy its new version.',
      );
    });

    it('makes a conflict of a copy in parts whose completion S3 refuses with 412', async () => {
      buckets([{ key: 'legacy/big.bin', size: 12 * MiB }]);
      s3.on(HeadObjectCommand).resolves({ ContentLength: 12 * MiB });
      s3.on(HeadObjectCommand, { Bucket: BUCKET }).rejects(sdkError('NotFound', 404));
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
      s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
      s3.on(CompleteMultipartUploadCommand).rejects(sdkError('PreconditionFailed', 412));
      s3.on(AbortMultipartUploadCommand).resolves({});
      const report = await migrate({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
      expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.IfNoneMatch).toBe(
        '*',
      );
      expect(report.counts).toMatchObject({ copied: 0, conflicts: 1, failed: 0 });
      expect(report.conflicts[0]?.reason).toContain('the destination changed since it was listed');
    });

    it('exits 1 and lists the conflict when the destination changed during the run', async () => {
      buckets([{ key: 'legacy/a.png' }]);
      s3.on(CopyObjectCommand).rejects(preconditionFailed('If-None-Match'));
      s3.on(HeadObjectCommand).resolves({ ContentLength: 99, ETag: '"written-meanwhile"' });
      const result = await runCommand(
        [
          'migrate',
          '--from',
          `s3://${SOURCE}/legacy/`,
          '--to',
          'generated',
          '--allow-unlisted',
          '--no-progress',
        ],
        {
          S3_BUCKET_NAME: BUCKET,
          S3_CLIENT_REGION: 'us-east-1',
          BACKEND_AWS_KEY: credentials.accessKeyId,
          BACKEND_AWS_SECRET: credentials.secretAccessKey,
        },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/conflicts {2}1 /);
      expect(result.stdout).toContain('the destination changed since it was listed');
    });
  });
});
