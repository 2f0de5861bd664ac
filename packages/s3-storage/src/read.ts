import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { assertReadSize, type StorageContext } from './context.ts';
import { withAttempts, withDeadline } from './deadline.ts';
import { ForeignBucketError, ObjectTooLargeError } from './errors.ts';
import { translateS3Error } from './translate-error.ts';
import type { ReadObjectOptions } from './types/storage.ts';

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

function integrityError(detail: string): Error {
  return Object.assign(new Error(detail), { name: 'IntegrityError' });
}

/** The body in one buffer sized from its Content-Length, which it must fill exactly. */
async function readBody(
  body: Body,
  declared: number | undefined,
  maxSizeBytes: number,
  key: string,
  progress: { bytes: number },
): Promise<Buffer> {
  if (declared === undefined) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) {
      progress.bytes += chunk.length;
      if (progress.bytes > maxSizeBytes) {
        body.destroy?.();
        throw new ObjectTooLargeError(key, progress.bytes, maxSizeBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, progress.bytes);
  }
  const buffer = Buffer.allocUnsafe(declared);
  for await (const chunk of body) {
    if (progress.bytes + chunk.length > declared) {
      body.destroy?.();
      throw integrityError(`the body is longer than the ${declared} bytes S3 declared`);
    }
    buffer.set(chunk, progress.bytes);
    progress.bytes += chunk.length;
  }
  if (progress.bytes !== declared) {
    throw integrityError(
      `the body ended after ${progress.bytes} of the ${declared} bytes declared`,
    );
  }
  return buffer;
}

/**
 * The SDK retries a request that fails before its answer; a body that fails (cut, silent, short,
 * corrupt) is read again here, while the call has attempts left.
 */
async function readWhole(
  { client, config }: StorageContext,
  key: string,
  maxSizeBytes: number,
  signal: AbortSignal,
  passed: () => string | undefined,
): Promise<Buffer> {
  const { bucketName: bucket, region, maxAttempts } = config;
  const fail = (error: unknown, attempts: number, note?: string) =>
    translateS3Error(error, { bucket, key, region, attempts, note, deadline: passed() });
  let attempts = 0;
  for (;;) {
    let response: GetObjectCommandOutput;
    try {
      // S3 is asked for the object's checksum, which the SDK checks the body against.
      const command = new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' });
      response = await withAttempts(maxAttempts - attempts, () =>
        client.send(command, { abortSignal: signal }),
      );
    } catch (error) {
      const sent = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      throw fail(error, attempts + sent);
    }
    // A mocked client may answer without $metadata.
    attempts += response.$metadata?.attempts ?? 1;
    const declared = response.ContentLength;
    const body = response.Body as Body | undefined;
    if (declared !== undefined && declared > maxSizeBytes) {
      body?.destroy?.();
      throw new ObjectTooLargeError(key, declared, maxSizeBytes);
    }
    if (!body) return Buffer.alloc(0);
    const progress = { bytes: 0 };
    try {
      return await readBody(body, declared, maxSizeBytes, key, progress);
    } catch (error) {
      if (error instanceof ObjectTooLargeError) throw error;
      if (attempts >= maxAttempts || signal.aborted) {
        const of = declared === undefined ? '' : ` of ${declared}`;
        throw fail(error, attempts, `after ${progress.bytes}${of} bytes of the body`);
      }
    }
  }
}

export async function readObjectAsBase64(
  context: StorageContext,
  bucketName: string,
  key: string,
  options: ReadObjectOptions = {},
): Promise<string> {
  const { config } = context;
  const own = config.bucketName;
  if (bucketName !== own) {
    const detail = `is in bucket "${bucketName}", not this environment's bucket "${own}"`;
    throw new ForeignBucketError(`s3://${bucketName}/${key}`, own, detail);
  }
  context.keys.assertKeyInLayout(key);
  const { maxSizeBytes = config.maxReadSizeBytes } = options;
  assertReadSize('maxSizeBytes', maxSizeBytes);
  const bytes = await withDeadline(context.deadlineMs, options.abortSignal, (signal, passed) =>
    readWhole(context, key, maxSizeBytes, signal, passed),
  );
  return bytes.toString('base64');
}
