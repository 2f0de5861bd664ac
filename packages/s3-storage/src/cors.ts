import { InvalidArgumentError } from './errors.ts';

/** One CORS rule of the bucket, in the shape both CloudFormation and s3rver's XML can take. */
export interface BucketCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ('GET' | 'PUT' | 'POST' | 'HEAD' | 'DELETE')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/**
 * The bucket's CORS rules for browser uploads through presigned PUT URLs and POST forms, and
 * for reading images through presigned GET URLs, from the web app's origins. Infra gives
 * them to the real bucket and the local server to the embedded one, so the two agree.
 */
export function browserCorsRules(allowedOrigins: readonly string[]): BucketCorsRule[] {
  if (allowedOrigins.length === 0) return [];
  for (const origin of allowedOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      const message =
        `CORS origin ${JSON.stringify(origin)} is not an origin: use scheme://host[:port] with no path, ` +
        'for example https://app.example.com or http://localhost:5173.';
      throw new InvalidArgumentError('allowedOrigins', message);
    }
  }
  return [
    {
      allowedOrigins: [...allowedOrigins],
      allowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
      allowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
      exposedHeaders: ['ETag'],
      maxAgeSeconds: 3000,
    },
  ];
}
