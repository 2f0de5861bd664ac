import { createUploadHandler } from '../internal/upload-route.ts';

/** `POST /uploads/avatar`: a presigned PUT URL or POST form for the caller's avatar. */
export const handler = createUploadHandler('avatar', 'create-avatar-upload');
