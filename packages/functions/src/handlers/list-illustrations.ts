import {
  DEFAULT_PRESIGN_EXPIRES_IN_SECONDS,
  type GeneratedKind,
  InvalidArgumentError,
  s3Client,
} from '@autobio/s3-storage';
import { DEFAULT_LIST_LIMIT } from '../constants.ts';
import { HttpError } from '../errors.ts';
import { downloadUrlTimes, startCdnUrlSigner } from '../internal/cdn-urls.ts';
import { type ApiHandler, createRouteHandler } from '../internal/http.ts';
import { kindPathSchema, listQuerySchema } from '../schemas.ts';
import type { IllustrationItem, IllustrationListResponse } from '../types/api.ts';

/** Signs one download URL. All URLs of a page share one signing date. */
export type PresignDownloadUrl = (
  key: string,
  options: { readonly expiresInSeconds: number; readonly signingDate: Date },
) => Promise<string>;

/** What the list handler is built on. */
export interface ListIllustrationsOptions {
  /** @default - the storage package's signer, `s3Client.generatePresignedDownloadUrl` */
  readonly presignDownloadUrl?: PresignDownloadUrl;
}

function invalidCursor(cause?: unknown): HttpError {
  return new HttpError(
    400,
    'InvalidCursor',
    'cursor is not a cursor of this listing: pass back the nextCursor of the previous page of the same kind, or leave it out for the first page.',
    cause === undefined ? {} : { cause },
  );
}

/**
 * Refuses a cursor that is not the key of one of the caller's illustrations of this kind. The
 * storage package only checks the prefix; this also refuses `..` and anything not a generated key.
 */
function assertOwnCursor(cursor: string, userId: string, kind: GeneratedKind): void {
  const parsed = s3Client.keys.parseGeneratedKey(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!parsed || parsed.userId !== userId || parsed.kind !== kind) throw invalidCursor();
}

/**
 * Builds the handler of `GET /illustrations/{kind}` (the bench builds a second on `getSignedUrl`).
 * With the `CDN_*` variables set, the URLs are CloudFront signed URLs instead (`cdn-urls.ts`).
 */
export function createListIllustrationsHandler(options: ListIllustrationsOptions = {}): ApiHandler {
  const presign: PresignDownloadUrl =
    options.presignDownloadUrl ??
    ((key, signing) => s3Client.generatePresignedDownloadUrl(key, signing));
  return createRouteHandler({
    route: 'list-illustrations',
    path: kindPathSchema,
    query: listQuerySchema,
    async handle({ userId, path: { kind }, query, abortSignal }) {
      if (query.cursor !== undefined) assertOwnCursor(query.cursor, userId, kind);
      const cdnSigner = startCdnUrlSigner();
      let page: Awaited<ReturnType<typeof s3Client.listGeneratedIllustrations>>;
      try {
        page = await s3Client.listGeneratedIllustrations(userId, kind, {
          limit: query.limit ?? DEFAULT_LIST_LIMIT,
          abortSignal,
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        });
      } catch (error) {
        // A cursor of another user or kind names a key outside the caller's prefix: refused.
        if (error instanceof InvalidArgumentError && error.argument === 'cursor') {
          throw invalidCursor(error);
        }
        throw error;
      }
      const { signingDate, expiry } = downloadUrlTimes();
      const expiresAt = expiry.toISOString();
      const signing = { expiresInSeconds: DEFAULT_PRESIGN_EXPIRES_IN_SECONDS, signingDate };
      const signCdnUrl = await cdnSigner;
      const items: IllustrationItem[] = await Promise.all(
        page.items.map(async (item) => ({
          key: item.key,
          kind: item.kind,
          createdAt: item.createdAt.toISOString(),
          sizeBytes: item.sizeBytes,
          url: signCdnUrl ? signCdnUrl(item.key, expiry) : await presign(item.key, signing),
          expiresAt,
        })),
      );
      const body: IllustrationListResponse = { items, nextCursor: page.nextCursor ?? null };
      return { statusCode: 200, body };
    },
  });
}

/** `GET /illustrations/{kind}?limit=&cursor=`: the caller's illustrations, newest first, with URLs. */
export const handler = createListIllustrationsHandler();
