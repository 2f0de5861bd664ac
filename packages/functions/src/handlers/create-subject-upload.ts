import { createUploadHandler } from '../internal/upload-route.ts';

/** `POST /uploads/subject`: a presigned PUT URL or POST form for the caller's subject image. */
export const handler = createUploadHandler('subject', 'create-subject-upload');
