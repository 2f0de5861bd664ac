import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { copySourceRange, planCopyParts, uniformPartSizes } from './copy-parts.ts';
import { CliError, PreconditionFailedError, RequestFailedError, sdkError } from './errors.ts';
import { encodeCopySource } from './locations.ts';
import { normalizeEtag } from './object-compare.ts';

/**
 * What the destination key must hold for the copy to be written, as the destination listing
 * showed it: nothing (`IfNoneMatch: '*'`), or the object with this ETag (`IfMatch`). Anything
 * written there since makes S3 refuse the copy with 412 instead of replacing it unseen.
 */
export type DestinationPrecondition = { readonly absent: true } | { readonly etag: string };

export interface CopyRequest {
  readonly sourceBucket: string;
  readonly sourceKey: string;
  /** The ETag seen in the listing: the copy is refused (412) if the source changed since. */
  readonly sourceEtag?: string | undefined;
  readonly sizeBytes: number;
  readonly destinationBucket: string;
  readonly destinationKey: string;
  /** Sent on CopyObject, or on CompleteMultipartUpload for a copy in parts. */
  readonly destinationPrecondition: DestinationPrecondition;
}

export interface CopierOptions {
  /** Reads the source (HEAD of a multipart source). */
  readonly sourceClient: S3Client;
  /** Sends the copies: they are requests to the destination bucket. */
  readonly destinationClient: S3Client;
  readonly multipartThresholdBytes: number;
  /** Part size of a multipart copy. @default - the source's own layout, else 512 MiB */
  readonly partSizeBytes?: number | undefined;
  readonly partConcurrency: number;
}

function destinationConditionHeaders(request: CopyRequest) {
  const precondition = request.destinationPrecondition;
  return 'etag' in precondition ? { IfMatch: precondition.etag } : { IfNoneMatch: '*' };
}

function isPreconditionFailure(error: unknown): boolean {
  const e = sdkError(error);
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}

/**
 * The source's ETag as it is now (empty when S3 gives none), `null` when it is gone, or
 * `undefined` when it cannot be read.
 */
async function currentSourceEtag(request: CopyRequest, options: CopierOptions) {
  try {
    const head = await options.sourceClient.send(
      new HeadObjectCommand({ Bucket: request.sourceBucket, Key: request.sourceKey }),
    );
    return normalizeEtag(head.ETag) ?? '';
  } catch (error) {
    return sdkError(error).$metadata?.httpStatusCode === 404 ? null : undefined;
  }
}

/**
 * Which precondition a CopyObject's 412 is about: the source's (`CopySourceIfMatch`) or the
 * destination's (`IfNoneMatch`/`IfMatch`). S3 names it in the error's `Condition`
 * (`x-amz-copy-source-If-Match`, `If-None-Match`...); without it, the source is read again: if
 * its ETag is still the listed one, the destination is what changed.
 */
async function preconditionSide(error: unknown, request: CopyRequest, options: CopierOptions) {
  const condition = (error as { Condition?: unknown } | undefined)?.Condition;
  if (typeof condition === 'string' && condition.trim()) {
    return /copy-source/i.test(condition) ? 'source' : 'destination';
  }
  if (!request.sourceEtag) return 'destination';
  const etag = await currentSourceEtag(request, options);
  if (etag === undefined) return 'unknown';
  return etag === normalizeEtag(request.sourceEtag) ? 'destination' : 'source';
}

/**
 * Copies one object server-side, keeping its content type and metadata: one CopyObject up to
 * the multipart threshold, else CreateMultipartUpload, UploadPartCopy per part and
 * CompleteMultipartUpload (an upload that fails is aborted, so no parts are left behind).
 * The write is conditional on the destination still being as listed
 * ({@link CopyRequest.destinationPrecondition}). Every request is retried by its client.
 * @throws PreconditionFailedError when the source or the destination changed (see its `side`);
 *   RequestFailedError for other failures.
 */
export async function copyObject(request: CopyRequest, options: CopierOptions) {
  try {
    return request.sizeBytes > options.multipartThresholdBytes
      ? await copyInParts(request, options)
      : await copyWhole(request, options);
  } catch (error) {
    throw error instanceof CliError ? error : new RequestFailedError(error);
  }
}

async function copyWhole(request: CopyRequest, options: CopierOptions) {
  try {
    const result = await options.destinationClient.send(
      new CopyObjectCommand({
        Bucket: request.destinationBucket,
        Key: request.destinationKey,
        CopySource: encodeCopySource(request.sourceBucket, request.sourceKey),
        MetadataDirective: 'COPY',
        ...(request.sourceEtag ? { CopySourceIfMatch: request.sourceEtag } : {}),
        ...destinationConditionHeaders(request),
      }),
    );
    return { multipart: false, parts: 1, etag: result.CopyObjectResult?.ETag };
  } catch (error) {
    // S3 answers an IfMatch on a key that holds no object with 404 NoSuchKey, not 412: with a
    // source still there, the destination is what is gone.
    if (
      sdkError(error).name === 'NoSuchKey' &&
      'etag' in request.destinationPrecondition &&
      typeof (await currentSourceEtag(request, options)) === 'string'
    ) {
      throw new PreconditionFailedError('destination', error);
    }
    if (!isPreconditionFailure(error)) throw error;
    throw new PreconditionFailedError(await preconditionSide(error, request, options), error);
  }
}

function headPart(request: CopyRequest, options: CopierOptions, partNumber: number) {
  return options.sourceClient.send(
    new HeadObjectCommand({
      Bucket: request.sourceBucket,
      Key: request.sourceKey,
      PartNumber: partNumber,
      ...(request.sourceEtag ? { IfMatch: request.sourceEtag } : {}),
    }),
  );
}

/**
 * The sizes of the source's parts, so the copy can mirror them: from the first and last
 * parts when all but the last are equal, else from a HEAD of every part.
 */
async function sourcePartSizes(
  request: CopyRequest,
  options: CopierOptions,
  firstPart: HeadObjectCommandOutput,
): Promise<number[] | undefined> {
  const { PartsCount: count, ContentLength: firstBytes } = firstPart;
  if (count === undefined || firstBytes === undefined || count < 1) return undefined;
  if (count === 1) return [request.sizeBytes];
  const uniform = uniformPartSizes(request.sizeBytes, count, firstBytes);
  if (uniform) {
    const last = await headPart(request, options, count);
    if (last.ContentLength === uniform.at(-1)) return uniform;
  }
  const limit = pLimit(options.partConcurrency);
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      index === 0
        ? firstBytes
        : limit(async () => (await headPart(request, options, index + 1)).ContentLength ?? -1),
    ),
  );
}

async function copyInParts(request: CopyRequest, options: CopierOptions) {
  const destination = { Bucket: request.destinationBucket, Key: request.destinationKey };
  const head = await headPart(request, options, 1);
  const parts = planCopyParts(request.sizeBytes, {
    partSizeBytes: options.partSizeBytes,
    sourcePartSizes: await sourcePartSizes(request, options, head),
  });
  const upload = await options.destinationClient.send(
    new CreateMultipartUploadCommand({
      ...destination,
      ContentType: head.ContentType,
      Metadata: head.Metadata,
      CacheControl: head.CacheControl,
      ContentDisposition: head.ContentDisposition,
      ContentEncoding: head.ContentEncoding,
      ContentLanguage: head.ContentLanguage,
      Expires: head.Expires,
    }),
  );
  const uploadId = upload.UploadId;
  if (!uploadId) {
    throw new Error(`CreateMultipartUpload for ${request.destinationKey} returned no UploadId.`);
  }
  const limit = pLimit(options.partConcurrency);
  let failure: { error: unknown } | undefined;
  const completed: CompletedPart[] = [];
  await Promise.all(
    parts.map((part) =>
      limit(async () => {
        // After one part failed the upload is aborted: do not start the others.
        if (failure) return;
        try {
          const result = await options.destinationClient.send(
            new UploadPartCopyCommand({
              ...destination,
              UploadId: uploadId,
              PartNumber: part.partNumber,
              CopySource: encodeCopySource(request.sourceBucket, request.sourceKey),
              CopySourceRange: copySourceRange(part),
              ...(request.sourceEtag ? { CopySourceIfMatch: request.sourceEtag } : {}),
            }),
          );
          const etag = result.CopyPartResult?.ETag;
          if (!etag) throw new Error(`UploadPartCopy of part ${part.partNumber} returned no ETag.`);
          completed[part.partNumber - 1] = { PartNumber: part.partNumber, ETag: etag };
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  try {
    if (failure) throw failure.error;
    const done = await options.destinationClient
      .send(
        new CompleteMultipartUploadCommand({
          ...destination,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
          ...destinationConditionHeaders(request),
        }),
      )
      .catch((error: unknown) => {
        // The only precondition CompleteMultipartUpload carries is the destination's; a missing
        // upload is NoSuchUpload, so NoSuchKey here is an IfMatch on a destination now gone.
        const destinationChanged =
          isPreconditionFailure(error) ||
          (sdkError(error).name === 'NoSuchKey' && 'etag' in request.destinationPrecondition);
        throw destinationChanged ? new PreconditionFailedError('destination', error) : error;
      });
    return { multipart: true, parts: parts.length, etag: done.ETag };
  } catch (error) {
    // Best effort, and even when interrupted: parts of an unfinished upload are billed.
    await options.destinationClient
      .send(new AbortMultipartUploadCommand({ ...destination, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}
