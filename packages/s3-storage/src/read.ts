import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { assertReadSize, type StorageContext } from './context.ts';
import { withAttempts, withDeadline } from './deadline.ts';
import { ForeignBucketError, ObjectTooLargeError, type S3StorageError } from './errors.ts';
import { type ErrorContext, translateS3Error } from './translate-error.ts';
import type { ReadObjectOptions } from './types/storage.ts';

/** One object read: where, within which limits, under which deadline. */
export interface ReadRequest {
  readonly client: S3Client;
  readonly context: ErrorContext & { readonly key: string };
  /** Requests the whole read may send, the SDK's retries and bodies read again included. */
  readonly maxAttempts: number;
  readonly maxSizeBytes: number;
  /** The call's deadline. */
  readonly signal: AbortSignal;
  /** Which deadline passed, once one has. */
  readonly passed: () => string | undefined;
}

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
 * Reads an object whole, asking S3 for its checksum so the SDK checks the body against it. The
 * SDK retries a request that fails before its answer; a body that fails (cut, silent, short,
 * corrupt) is read again here, while the read has attempts left.
 * @throws ObjectTooLargeError over `maxSizeBytes`, else the typed error of the last failure.
 */
export async function readObject(request: ReadRequest): Promise<Buffer> {
  const { client, context, maxAttempts, maxSizeBytes, signal, passed } = request;
  const fail = (error: unknown, attempts: number, note?: string): S3StorageError =>
    translateS3Error(error, { ...context, attempts, deadline: passed(), note });
  let attempts = 0;
  for (;;) {
    let response: GetObjectCommandOutput;
    try {
      response = await withAttempts(maxAttempts - attempts, () =>
        client.send(
          new GetObjectCommand({
            Bucket: context.bucket,
            Key: context.key,
            ChecksumMode: 'ENABLED',
          }),
          { abortSignal: signal },
        ),
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
      throw new ObjectTooLargeError(context.key, declared, maxSizeBytes);
    }
    if (!body) return Buffer.alloc(0);
    const progress = { bytes: 0 };
    try {
      return await readBody(body, declared, maxSizeBytes, context.key, progress);
    } catch (error) {
      if (error instanceof ObjectTooLargeError) throw error;
      if (attempts >= maxAttempts || signal.aborted) {
        const of = declared === undefined ? '' : ` of ${declared}`;
        throw fail(error, attempts, `after ${progress.bytes}${of} bytes of the body`);
      }
    }
  }
}

/** The object at `key` of this environment's bucket, read whole under the call's deadline. */
export async function readObjectAsBase64(
  storage: StorageContext,
  bucketName: string,
  key: string,
  options: ReadObjectOptions,
): Promise<string> {
  const { config } = storage;
  if (bucketName !== config.bucketName) {
    throw new ForeignBucketError(
      `s3://${bucketName}/${key}`,
      config.bucketName,
      `is in bucket "${bucketName}", not this environment's bucket "${config.bucketName}"`,
    );
  }
  storage.keys.assertKeyInLayout(key);
  const maxSizeBytes =
    options.maxSizeBytes === undefined
      ? config.maxReadSizeBytes
      : assertReadSize('maxSizeBytes', options.maxSizeBytes);
  const bytes = await withDeadline(storage.deadlineMs, options.abortSignal, (signal, passed) =>
    readObject({
      client: storage.client,
      context: { bucket: config.bucketName, key, region: config.region },
      maxAttempts: config.maxAttempts,
      maxSizeBytes,
      signal,
      passed,
    }),
  );
  return bytes.toString('base64');
}
