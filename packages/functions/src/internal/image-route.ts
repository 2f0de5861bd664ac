import {
  DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
  s3Client,
  type UploadTarget,
} from '@autobio/s3-storage';
import { HttpError } from '../errors.ts';
import type { ImageResponse } from '../types/api.ts';
import type { RouteName } from '../types/routes.ts';
import { type ApiHandler, createRouteHandler } from './http.ts';

const NAMES: Record<UploadTarget, { readonly code: string; readonly what: string }> = {
  subject: { code: 'SubjectImageNotFound', what: 'subject image' },
  avatar: { code: 'AvatarNotFound', what: 'avatar' },
};

/**
 * The handler of `GET /images/{target}`: a presigned download URL, or 404 when there is no image.
 * Always an S3 URL: the CDN serves the generated area only, not subjects or avatars.
 */
export function createImageHandler(target: UploadTarget, route: RouteName): ApiHandler {
  return createRouteHandler({
    route,
    async handle({ userId, abortSignal }) {
      const key =
        target === 'subject' ? s3Client.getSubjectKey(userId) : s3Client.getAvatarKey(userId);
      const object = await s3Client.findObject(key, { abortSignal });
      if (!object) {
        throw new HttpError(
          404,
          NAMES[target].code,
          `You have no ${NAMES[target].what} yet: upload one with POST /uploads/${target}.`,
        );
      }
      const signingDate = new Date();
      const url = await s3Client.generatePresignedDownloadUrl(key, {
        expiresInSeconds: DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
        signingDate,
      });
      const body: ImageResponse = {
        key,
        url,
        expiresAt: new Date(
          signingDate.getTime() + DEFAULT_PRESIGN_EXPIRES_IN_SECONDS * 1000,
        ).toISOString(),
        sizeBytes: object.sizeBytes,
        lastModified: object.lastModified?.toISOString() ?? null,
      };
      return { statusCode: 200, body };
    },
  });
}
