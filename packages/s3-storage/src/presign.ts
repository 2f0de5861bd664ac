import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { DEFAULT_PRESIGN_EXPIRES_IN_SECONDS, MAX_PRESIGN_EXPIRES_IN_SECONDS } from './constants.ts';
import type { StorageContext } from './context.ts';
import { InvalidArgumentError, ObjectNotFoundError } from './errors.ts';
import { findObject } from './objects.ts';
import type {
  PresignedDownloadOptions,
  PresignedPost,
  PresignedPostOptions,
  PresignedUpload,
  PresignedUploadOptions,
  UploadTarget,
} from './types/storage.ts';

function assertExpiry(expiresInSeconds: number): number {
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_PRESIGN_EXPIRES_IN_SECONDS
  ) {
    throw new InvalidArgumentError(
      'expiresInSeconds',
      `expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_EXPIRES_IN_SECONDS} (7 days), ` +
        `got ${String(expiresInSeconds)}.`,
    );
  }
  return expiresInSeconds;
}

function assertSize(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(
      name,
      `${name} must be a whole number of bytes from 1 to ${max}, got ${String(value)}. ` +
        'Send a smaller image, or raise S3_MAX_UPLOAD_SIZE_BYTES.',
    );
  }
  return value;
}

function uploadKey(
  context: StorageContext,
  userId: string,
  target: UploadTarget = 'subject',
): string {
  if (target === 'subject') return context.keys.subjectKey(userId);
  if (target === 'avatar') return context.keys.avatarKey(userId);
  throw new InvalidArgumentError(
    'target',
    `target must be "subject" or "avatar", got ${JSON.stringify(target)}.`,
  );
}

function assertContentType(context: StorageContext, contentType: string): void {
  if (!context.allowedContentTypes.has(contentType)) {
    throw new InvalidArgumentError(
      'contentType',
      `Content type ${JSON.stringify(contentType)} is not accepted: use one of ` +
        `${[...context.allowedContentTypes].join(', ')}.`,
    );
  }
}

export async function presignUploadUrl(
  context: StorageContext,
  userId: string,
  contentType: string,
  options: PresignedUploadOptions,
): Promise<PresignedUpload> {
  const key = uploadKey(context, userId, options.target);
  assertContentType(context, contentType);
  const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.contentLengthBytes !== undefined) {
    headers['content-length'] = String(
      assertSize(
        'contentLengthBytes',
        options.contentLengthBytes,
        context.config.maxUploadSizeBytes,
      ),
    );
  }
  const signingDate = options.signingDate ?? new Date();
  const url = await context.presigner.presign({
    method: 'PUT',
    key,
    headers,
    expiresInSeconds: expiresIn,
    signingDate,
  });
  return {
    method: 'PUT',
    url,
    key,
    headers,
    expiresAt: new Date(signingDate.getTime() + expiresIn * 1000),
  };
}

export async function presignUploadPost(
  context: StorageContext,
  userId: string,
  contentType: string,
  options: PresignedPostOptions,
): Promise<PresignedPost> {
  const key = uploadKey(context, userId, options.target);
  assertContentType(context, contentType);
  const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
  const maxSizeBytes = assertSize(
    'maxSizeBytes',
    options.maxSizeBytes ?? context.config.maxUploadSizeBytes,
    context.config.maxUploadSizeBytes,
  );
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const { url, fields } = await createPresignedPost(context.client, {
    Bucket: context.config.bucketName,
    Key: key,
    Conditions: [
      ['content-length-range', 1, maxSizeBytes],
      ['eq', '$Content-Type', contentType],
    ],
    Fields: { 'Content-Type': contentType },
    Expires: expiresIn,
  });
  return { method: 'POST', url, key, fields, maxSizeBytes, expiresAt };
}

export async function presignDownloadUrl(
  context: StorageContext,
  key: string,
  options: PresignedDownloadOptions,
): Promise<string> {
  context.keys.assertKeyInLayout(key);
  const expiresIn = assertExpiry(options.expiresInSeconds ?? DEFAULT_PRESIGN_EXPIRES_IN_SECONDS);
  if (options.checkExists && !(await findObject(context, key, options))) {
    throw new ObjectNotFoundError(context.config.bucketName, key);
  }
  return context.presigner.presign({
    method: 'GET',
    key,
    expiresInSeconds: expiresIn,
    ...(options.responseContentDisposition !== undefined
      ? { query: { 'response-content-disposition': options.responseContentDisposition } }
      : {}),
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
}
