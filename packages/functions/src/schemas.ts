import { GENERATED_KINDS } from '@autobio/s3-storage';
import * as z from 'zod';
import { MAX_LIST_LIMIT, MAX_PROMPT_LENGTH } from './constants.ts';

/** Body of `POST /uploads/subject` and `POST /uploads/avatar`. */
export const uploadRequestSchema = z
  .strictObject({
    /** The image's type; the storage package decides which are accepted. */
    contentType: z.string().min(1).max(255),
    /** The file's exact size (PUT, signed) or the largest size the form accepts (POST). */
    contentLengthBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    method: z.enum(['PUT', 'POST']).default('PUT'),
  })
  .superRefine((value, context) => {
    // An unsized presigned PUT would let a client store up to S3's 5 GB at its key.
    if (value.method === 'PUT' && value.contentLengthBytes === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['contentLengthBytes'],
        message:
          'required with method "PUT": the size is signed so S3 refuses any other. ' +
          'Send the file size in bytes, or use method "POST", whose form caps the size.',
      });
    }
  });

/** Body of `POST /illustrations/{kind}` (it may be empty). */
export const generateRequestSchema = z.strictObject({
  /** What to draw; passed to the illustration-gen service, ignored in stub mode. */
  prompt: z.string().trim().min(1).max(MAX_PROMPT_LENGTH).optional(),
});

/** Path of `/illustrations/{kind}`. */
export const kindPathSchema = z.object({
  kind: z.enum(GENERATED_KINDS, { error: `must be one of ${GENERATED_KINDS.join(', ')}` }),
});

/** Query of `GET /illustrations/{kind}`; other parameters are ignored. */
export const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIST_LIMIT))
    .optional(),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be the nextCursor of the previous page')
    .optional(),
});

/** What `POST /uploads/{subject|avatar}` accepts. */
export type UploadRequest = z.input<typeof uploadRequestSchema>;

/** What `POST /illustrations/{kind}` accepts. */
export type GenerateRequest = z.input<typeof generateRequestSchema>;

/** The query `GET /illustrations/{kind}` accepts. */
export type ListQuery = z.input<typeof listQuerySchema>;
