import {
  type CallOptions,
  DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
  type GeneratedKind,
  IMAGE_EXTENSION,
  s3Client,
} from '@autobio/s3-storage';
import type { Context } from 'aws-lambda';
import { LAMBDA_TIME_RESERVE_MS } from '../constants.ts';
import { loadIllustrationGenConfig } from '../env.ts';
import { HttpError, IllustrationGenError } from '../errors.ts';
import { downloadUrlTimes, type SignCdnUrl, startCdnUrlSigner } from '../internal/cdn-urls.ts';
import { refuseWhileDeletionPending } from '../internal/deletion-pending.ts';
import { createRouteHandler, describeError } from '../internal/http.ts';
import { requestIllustration } from '../internal/illustration-gen-client.ts';
import type { RequestLogger } from '../internal/logger.ts';
import { generateRequestSchema, kindPathSchema } from '../schemas.ts';
import type { GenerateIllustrationResponse } from '../types/api.ts';
import type { IllustrationGenConfig } from '../types/illustration-gen.ts';

/**
 * Time kept back from the request's storage deadline, and from the service's, to delete what a
 * failed generate may have written: the delete runs in it, before the answer's own reserve
 * (LAMBDA_TIME_RESERVE_MS). One DeleteObject takes tens of milliseconds; 2 s leaves it retries
 * and still lets the default 25 s service timeout fit a 29 s function.
 */
export const CLEANUP_TIME_RESERVE_MS = 2_000;

async function pickStubKey(
  stubImageName: string | undefined,
  outputKey: string,
  call: CallOptions,
): Promise<string> {
  if (stubImageName !== undefined) {
    const key = s3Client.getStubKey(stubImageName);
    if (await s3Client.findObject(key, call)) return key;
    throw new HttpError(
      500,
      'StubImageMissing',
      `Stub mode is on, but the stub image STUB_IMAGE_NAME=${stubImageName} is not under the stubs prefix: upload it, or unset STUB_IMAGE_NAME to use any stub.`,
    );
  }
  const stubs: string[] = [];
  for await (const object of s3Client.listKeys(s3Client.getAreaPrefix('stubs'), call)) {
    if (object.key.endsWith(IMAGE_EXTENSION)) stubs.push(object.key);
  }
  if (stubs.length > 0) {
    // Picked by the new key's random part, so successive illustrations show different stubs.
    const uuid = s3Client.keys.parseGeneratedKey(outputKey)?.uuid ?? '';
    return stubs[Number.parseInt(uuid.slice(0, 8), 16) % stubs.length || 0]!;
  }
  throw new HttpError(
    500,
    'StubImageMissing',
    'Stub mode is on, but there is no stub image: upload a PNG under the stubs prefix, or set ILLUSTRATION_GEN_URL to use the illustration-gen service.',
  );
}

/** Copies a stub image to a new generated key (stub mode: local and dev). */
async function generateFromStub(
  config: IllustrationGenConfig,
  outputKey: string,
  /** Called just before the copy is sent: S3 may do it even when its answer never comes. */
  onSend: () => void,
  call: CallOptions,
): Promise<string> {
  const stubKey = await pickStubKey(config.stubImageName, outputKey, call);
  onSend();
  await s3Client.copyObject(stubKey, outputKey, call);
  return outputKey;
}

/**
 * The subject image's stored Content-Type, without parameters, so the service knows how to decode
 * it (the fixed `.png` key may hold a JPEG or WebP). A HEAD: s3:GetObject, which the route has.
 * @throws HttpError 400 UnsupportedContentType when it is not an image type uploads accept.
 */
async function subjectImageContentType(subjectKey: string, call: CallOptions): Promise<string> {
  const stored = (await s3Client.headObject(subjectKey, call)).contentType;
  const contentType = stored?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!s3Client.isAllowedContentType(contentType)) {
    throw new HttpError(
      400,
      'UnsupportedContentType',
      `Your subject image is stored as ${JSON.stringify(stored ?? 'no content type')}, not as an image type the illustration service takes: upload it again with POST /uploads/subject.`,
    );
  }
  return contentType;
}

/**
 * Deletes the output key of a generate that failed after its write was sent, so that what it
 * wrote is not listed: the copy or the service may have written the key even when the answer
 * was an error, a reset or a timeout, and a later step may fail after a good write. Deleting an
 * absent key succeeds, so it runs whatever the write did.
 *
 * Removed, rather than written elsewhere and listed only once confirmed: the service writes the
 * key it is given, under the prefix the list route reads, and a confirming copy would be one
 * more write whose answer can be lost, needing this delete all the same; staging would also
 * take a second prefix, its grants and a lifecycle rule to clear what is never confirmed. What
 * removal cannot catch is a write that lands after this delete (a service still working past
 * its timeout, a request S3 ends after its client gave up), which only such staging would.
 *
 * `abortSignal` is the request's: the delete gets the CLEANUP_TIME_RESERVE_MS the steps before
 * it were kept from, and the answer still goes out before Lambda's own timeout.
 */
async function removeFailedOutput(
  outputKey: string,
  log: RequestLogger,
  abortSignal: AbortSignal,
): Promise<void> {
  try {
    await s3Client.deleteObject(outputKey, { abortSignal });
  } catch (error) {
    // The caller is answered the error that failed the generate: the delete's would hide it,
    // and the caller could do nothing about it. The warning names the key (under the user's
    // prefix, which every line of the request already names), for an operator to delete it.
    log.warn('Could not delete the output key of a failed illustration', {
      key: outputKey,
      error: describeError(error),
    });
  }
}

/** Asks the service for an illustration and accepts only a generated key of the caller's. */
async function generateWithService(
  config: IllustrationGenConfig & { readonly url: string },
  request: {
    readonly userId: string;
    readonly kind: GeneratedKind;
    readonly prompt: string | undefined;
    readonly subjectKey: string;
    readonly outputKey: string;
    readonly requestId: string;
    readonly context: Context;
    /** Called just before the request is sent: from then on `outputKey` may be written. */
    readonly onSend: () => void;
    readonly call: CallOptions;
  },
): Promise<string> {
  const bucket = s3Client.getBucketName();
  const outputPrefix = s3Client.keys.generatedUserPrefix(request.kind, request.userId);
  const contentType = await subjectImageContentType(request.subjectKey, request.call);
  const subjectImageBase64 = await s3Client.getObjectAsBase64(
    bucket,
    request.subjectKey,
    request.call,
  );
  // Answer with a 504 before Lambda itself times out, with time left to delete what was written.
  const remainingMs =
    request.context.getRemainingTimeInMillis() - LAMBDA_TIME_RESERVE_MS - CLEANUP_TIME_RESERVE_MS;
  const timeoutMs = Math.max(1, Math.min(config.timeoutMs, remainingMs));
  request.onSend();
  const { s3Uri } = await requestIllustration(
    config.url,
    {
      userId: request.userId,
      kind: request.kind,
      subjectImageBase64,
      subjectImageContentType: contentType,
      ...(request.prompt !== undefined ? { prompt: request.prompt } : {}),
      bucket,
      region: s3Client.getRegion(),
      outputPrefix,
      outputKey: request.outputKey,
    },
    { timeoutMs, requestId: request.requestId },
  );
  // ForeignBucketError (answered 502) for another bucket, another user or another kind.
  const key = s3Client.assertOwnS3Uri(s3Uri, { expectedPrefix: outputPrefix });
  const parsed = s3Client.keys.parseGeneratedKey(key);
  if (!parsed || parsed.userId !== request.userId || parsed.kind !== request.kind) {
    throw new IllustrationGenError(
      'BadResponse',
      `The illustration-gen service answered ${s3Uri}, which is not a generated key ` +
        `(${outputPrefix}{timestamp}-{uuid}.png): it should write to the outputKey it is given.`,
    );
  }
  return key;
}

/**
 * The generated illustration at `key`, with its download URL: CloudFront's when `signCdnUrl` is
 * given (the CDN is on), else S3's. @throws when nothing is there.
 */
async function describeIllustration(
  key: string,
  kind: GeneratedKind,
  source: IllustrationGenConfig['mode'],
  call: CallOptions,
  signCdnUrl: SignCdnUrl | undefined,
): Promise<GenerateIllustrationResponse> {
  const object = await s3Client.findObject(key, call);
  if (!object) {
    throw new IllustrationGenError(
      'BadResponse',
      `The illustration-gen service answered s3://${s3Client.getBucketName()}/${key}, but nothing is stored there.`,
    );
  }
  const createdAt = new Date(s3Client.keys.parseGeneratedKey(key)!.timestampMs);
  const { signingDate, expiry } = downloadUrlTimes();
  return {
    illustration: {
      key,
      kind,
      createdAt: createdAt.toISOString(),
      sizeBytes: object.sizeBytes,
      url: signCdnUrl
        ? signCdnUrl(key, expiry)
        : await s3Client.generatePresignedDownloadUrl(key, {
            expiresInSeconds: DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
            signingDate,
          }),
      expiresAt: expiry.toISOString(),
    },
    source,
  };
}

/**
 * `POST /illustrations/{kind}`: makes an illustration from the caller's subject image with the
 * illustration-gen service (or, in stub mode, a copy of a stub image) and answers with it and
 * its download URL.
 */
export const handler = createRouteHandler({
  route: 'generate-illustration',
  path: kindPathSchema,
  body: generateRequestSchema,
  async handle({ userId, path: { kind }, body, requestId, context, abortSignal, log }) {
    const config = loadIllustrationGenConfig();
    // One deadline for every storage call of the request, so that a slow S3 answers 504
    // StorageTimeout before Lambda (and API Gateway) give up; it ends CLEANUP_TIME_RESERVE_MS
    // before the request's own abortSignal, which the cleanup of a failed write runs under.
    const call: CallOptions = {
      abortSignal: AbortSignal.timeout(
        Math.max(
          1,
          context.getRemainingTimeInMillis() - LAMBDA_TIME_RESERVE_MS - CLEANUP_TIME_RESERVE_MS,
        ),
      ),
    };
    await refuseWhileDeletionPending(userId, call);
    const cdnSigner = startCdnUrlSigner();
    const subjectKey = s3Client.getSubjectKey(userId);
    if (!(await s3Client.findObject(subjectKey, call))) {
      throw new HttpError(
        404,
        'SubjectImageNotFound',
        'You have no subject image yet: upload one with POST /uploads/subject before generating an illustration.',
      );
    }
    const outputKey = s3Client.getGeneratedKey(kind, userId);
    // Once S3 or the service has the request it may write outputKey, even if the call then fails.
    let sent = false;
    const onSend = () => {
      sent = true;
    };
    try {
      const key =
        config.mode === 'stub' || config.url === undefined
          ? await generateFromStub(config, outputKey, onSend, call)
          : await generateWithService(
              { ...config, url: config.url },
              {
                userId,
                kind,
                prompt: body.prompt,
                subjectKey,
                outputKey,
                requestId,
                context,
                onSend,
                call,
              },
            );
      const response = await describeIllustration(key, kind, config.mode, call, await cdnSigner);
      log.info('Illustration generated', { key, source: config.mode });
      return { statusCode: 201, body: response };
    } catch (error) {
      if (sent) await removeFailedOutput(outputKey, log, abortSignal);
      throw error;
    }
  },
});
