import { InvalidArgumentError, s3Client, type UploadTarget } from '@autobio/s3-storage';
import { UPLOAD_URL_EXPIRES_IN_SECONDS } from '../constants.ts';
import { HttpError } from '../errors.ts';
import { uploadRequestSchema } from '../schemas.ts';
import type { CreateUploadResponse } from '../types/api.ts';
import type { RouteName } from '../types/routes.ts';
import { refuseWhileDeletionPending } from './deletion-pending.ts';
import { type ApiHandler, createRouteHandler } from './http.ts';

/** The handler of `POST /uploads/{target}`: a presigned PUT URL or POST form for the caller's key. */
export function createUploadHandler(target: UploadTarget, route: RouteName): ApiHandler {
  return createRouteHandler({
    route,
    body: uploadRequestSchema,
    async handle({ userId, body, abortSignal }) {
      await refuseWhileDeletionPending(userId, { abortSignal });
      const maxSizeBytes = s3Client.getConfig().maxUploadSizeBytes;
      if (body.contentLengthBytes !== undefined && body.contentLengthBytes > maxSizeBytes) {
        throw new HttpError(
          413,
          'UploadTooLarge',
          `contentLengthBytes ${body.contentLengthBytes} is over the ${maxSizeBytes}-byte upload limit: send a smaller image.`,
        );
      }
      try {
        let upload: CreateUploadResponse;
        if (body.method === 'POST') {
          const post = await s3Client.generatePresignedUploadPost(userId, body.contentType, {
            target,
            // The deletion sweep waits for this expiry: see DELETION_SWEEP_DELAY_MS.
            expiresInSeconds: UPLOAD_URL_EXPIRES_IN_SECONDS,
            ...(body.contentLengthBytes !== undefined
              ? { maxSizeBytes: body.contentLengthBytes }
              : {}),
          });
          upload = {
            method: 'POST',
            url: post.url,
            key: post.key,
            fields: post.fields,
            maxSizeBytes: post.maxSizeBytes,
            expiresAt: post.expiresAt.toISOString(),
          };
        } else {
          const put = await s3Client.generatePresignedUploadUrl(userId, body.contentType, {
            target,
            expiresInSeconds: UPLOAD_URL_EXPIRES_IN_SECONDS,
            ...(body.contentLengthBytes !== undefined
              ? { contentLengthBytes: body.contentLengthBytes }
              : {}),
          });
          upload = {
            method: 'PUT',
            url: put.url,
            key: put.key,
            headers: put.headers,
            expiresAt: put.expiresAt.toISOString(),
          };
        }
        return { statusCode: 200, body: upload };
      } catch (error) {
        if (error instanceof InvalidArgumentError && error.argument === 'contentType') {
          throw new HttpError(400, 'UnsupportedContentType', error.message, { cause: error });
        }
        throw error;
      }
    },
  });
}
