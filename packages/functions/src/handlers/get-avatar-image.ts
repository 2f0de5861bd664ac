import { createImageHandler } from '../internal/image-route.ts';

/** `GET /images/avatar`: a presigned download URL for the caller's avatar, 404 when there is none. */
export const handler = createImageHandler('avatar', 'get-avatar-image');
