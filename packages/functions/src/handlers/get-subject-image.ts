import { createImageHandler } from '../internal/image-route.ts';

/** `GET /images/subject`: a presigned download URL for the caller's subject image, 404 when there is none. */
export const handler = createImageHandler('subject', 'get-subject-image');
