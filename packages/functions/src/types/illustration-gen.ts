import type { GeneratedKind } from '@autobio/s3-storage';

/** `service` calls the illustration-gen service; `stub` copies a stub image (local and dev). */
export type IllustrationGenMode = 'stub' | 'service';

/** How illustrations are made, from the environment. */
export interface IllustrationGenConfig {
  readonly mode: IllustrationGenMode;
  /** The service's URL (`ILLUSTRATION_GEN_URL`). @default - none; required in `service` mode */
  readonly url: string | undefined;
  /** Time allowed to the service, in milliseconds (`ILLUSTRATION_GEN_TIMEOUT_MS`). @default 25000 */
  readonly timeoutMs: number;
  /** The stub stub mode copies (`STUB_IMAGE_NAME`). @default - the first PNG under the stubs prefix */
  readonly stubImageName: string | undefined;
}

/**
 * What the API POSTs to the illustration-gen service (JSON). The service writes one PNG to
 * `outputKey` (or any `{timestamp}-{uuid}.png` under `outputPrefix`) in `bucket`, and answers
 * with an {@link IllustrationGenResponse}. The request id is also sent as `x-request-id`.
 */
export interface IllustrationGenRequest {
  /** The caller (the JWT's `sub`). */
  readonly userId: string;
  readonly kind: GeneratedKind;
  /** The caller's subject image, base64 (standard alphabet, padded). */
  readonly subjectImageBase64: string;
  /**
   * What `subjectImageBase64` decodes to: `image/png`, `image/jpeg` or `image/webp` (its stored
   * Content-Type; the subject key always ends in `.png`, whatever the image is).
   */
  readonly subjectImageContentType: string;
  /** What to draw, when the caller said. */
  readonly prompt?: string;
  /** This environment's bucket (`S3_BUCKET_NAME`): the only bucket the answer may point into. */
  readonly bucket: string;
  /** The bucket's region (`S3_CLIENT_REGION`). */
  readonly region: string;
  /** `generated/{kind}/{userId}/`: the only prefix the answer may point under. */
  readonly outputPrefix: string;
  /** The key the API suggests: `generated/{kind}/{userId}/{timestamp}-{uuid}.png`. */
  readonly outputKey: string;
}

/** What the illustration-gen service answers with (HTTP 200 or 201, JSON). */
export interface IllustrationGenResponse {
  /** `s3://{bucket}/{key}` of the PNG it wrote. */
  readonly s3Uri: string;
}
