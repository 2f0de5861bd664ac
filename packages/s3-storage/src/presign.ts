import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import { DEFAULT_PRESIGN_EXPIRES_IN_SECONDS } from './constants.ts';
import { assertInRange, type StorageContext } from './context.ts';
import { InvalidArgumentError, ObjectNotFoundError } from './errors.ts';
import { findObject } from './objects.ts';
import type {
  PresignedDownloadOptions,
  PresignedPost,
  PresignedPostOptions,
  PresignedUpload,
  PresignedUploadOptions,
  UploadOptions,
} from './types/storage.ts';

/** One per storage: `getSignedUrl` resolves the endpoint and builds a signer for every URL. */
const endpoints = new WeakMap<StorageContext, ReturnType<typeof resolveEndpoint>>();

type AuthScheme = { readonly signingRegion?: string; readonly signingName?: string };

/** The bucket's endpoint, as the client's endpoint rules resolve it, and a signer for it. */
async function resolveEndpoint({ client, config }: StorageContext) {
  const sdk = client.config;
  const params = { Bucket: config.bucketName, Key: 'k' };
  const endpoint = await getEndpointFromInstructions(params, PutObjectCommand, sdk);
  const [scheme] = (endpoint.properties?.authSchemes ?? []) as AuthScheme[];
  const signingRegion = scheme?.signingRegion ?? (await sdk.region());
  const signer = new S3RequestPresigner({
    credentials: sdk.credentials,
    region: signingRegion,
    service: scheme?.signingName ?? 's3',
    sha256: sdk.sha256,
  });
  return { url: endpoint.url, signingRegion, signer };
}

/**
 * A presigned GET or PUT of `key` that signs `headers` (lowercase names). The URL is the same
 * bytes as `getSignedUrl` makes (the tests compare them at a fixed date), without running a
 * command through a cloned middleware stack for each.
 */
async function presign(
  context: StorageContext,
  method: 'GET' | 'PUT',
  key: string,
  expiresIn: number,
  extra: { headers?: Record<string, string>; query?: Record<string, string>; signingDate?: Date },
): Promise<string> {
  const endpoint = endpoints.get(context) ?? resolveEndpoint(context);
  endpoints.set(context, endpoint);
  const { url, signingRegion, signer } = await endpoint;
  const { headers = {}, signingDate } = extra;
  const path = key.split('/').map(extendedEncodeURIComponent).join('/');
  const request = new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: `${url.pathname.replace(/\/$/, '')}/${path}`,
    query: { ...extra.query, 'x-id': method === 'GET' ? 'GetObject' : 'PutObject' },
    headers: { ...headers },
  });
  const signed = await signer.presign(request, {
    expiresIn,
    signableHeaders: new Set(Object.keys(headers)),
    signingRegion,
    ...(signingDate && { signingDate }),
  });
  return formatUrl(signed);
}

function assertExpiry(expiresInSeconds = DEFAULT_PRESIGN_EXPIRES_IN_SECONDS): number {
  // SigV4 presigned URLs cannot outlive 7 days.
  return assertInRange('expiresInSeconds', expiresInSeconds, { max: 604_800, why: '7 days' });
}

function assertUploadSize(
  context: StorageContext,
  name: string,
  value = context.config.maxUploadSizeBytes,
): number {
  return assertInRange(name, value, {
    max: context.config.maxUploadSizeBytes,
    unit: 'bytes',
    fix: 'Send a smaller image, or raise S3_MAX_UPLOAD_SIZE_BYTES.',
  });
}

/** The key an upload writes, once its target, content type and expiry are checked. */
function checkUpload(
  context: StorageContext,
  userId: string,
  contentType: string,
  { target = 'subject', expiresInSeconds }: UploadOptions,
): { key: string; expiresIn: number } {
  if (target !== 'subject' && target !== 'avatar') {
    const message = `target must be "subject" or "avatar", got ${JSON.stringify(target)}.`;
    throw new InvalidArgumentError('target', message);
  }
  const key =
    target === 'subject' ? context.keys.subjectKey(userId) : context.keys.avatarKey(userId);
  if (!context.allowedContentTypes.has(contentType)) {
    const message =
      `Content type ${JSON.stringify(contentType)} is not accepted: use one of ` +
      `${[...context.allowedContentTypes].join(', ')}.`;
    throw new InvalidArgumentError('contentType', message);
  }
  return { key, expiresIn: assertExpiry(expiresInSeconds) };
}

export async function presignUploadUrl(
  context: StorageContext,
  userId: string,
  contentType: string,
  options: PresignedUploadOptions = {},
): Promise<PresignedUpload> {
  const { key, expiresIn } = checkUpload(context, userId, contentType, options);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.contentLengthBytes !== undefined) {
    const length = assertUploadSize(context, 'contentLengthBytes', options.contentLengthBytes);
    headers['content-length'] = String(length);
  }
  const signingDate = options.signingDate ?? new Date();
  const url = await presign(context, 'PUT', key, expiresIn, { headers, signingDate });
  const expiresAt = new Date(signingDate.getTime() + expiresIn * 1000);
  return { method: 'PUT', url, key, headers, expiresAt };
}

export async function presignUploadPost(
  context: StorageContext,
  userId: string,
  contentType: string,
  options: PresignedPostOptions = {},
): Promise<PresignedPost> {
  const { key, expiresIn } = checkUpload(context, userId, contentType, options);
  const maxSizeBytes = assertUploadSize(context, 'maxSizeBytes', options.maxSizeBytes);
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
  options: PresignedDownloadOptions = {},
): Promise<string> {
  context.keys.assertKeyInLayout(key);
  const expiresIn = assertExpiry(options.expiresInSeconds);
  if (options.checkExists && !(await findObject(context, key, options))) {
    throw new ObjectNotFoundError(context.config.bucketName, key);
  }
  const disposition = options.responseContentDisposition;
  return presign(context, 'GET', key, expiresIn, {
    ...(disposition !== undefined && { query: { 'response-content-disposition': disposition } }),
    ...(options.signingDate && { signingDate: options.signingDate }),
  });
}
