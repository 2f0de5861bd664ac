import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { assertInRange, MAX_PAGE_SIZE, type StorageContext, send } from './context.ts';
import { InvalidArgumentError } from './errors.ts';
import { listedObject } from './objects.ts';
import type { GeneratedKind } from './types/key-layout.ts';
import type {
  CallOptions,
  GeneratedIllustration,
  GeneratedIllustrationPage,
  ListedObject,
  ListGeneratedOptions,
} from './types/storage.ts';

function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

// Each page is a call with a deadline of its own (the SDK's paginator would give all pages one).
export async function* listKeys(
  context: StorageContext,
  prefix: string,
  options: CallOptions = {},
): AsyncGenerator<ListedObject> {
  context.keys.assertKeyInLayout(`${prefix}x`);
  const base = { Bucket: context.config.bucketName, Prefix: prefix, MaxKeys: context.listPageSize };
  let token: string | undefined;
  do {
    const command = new ListObjectsV2Command({ ...base, ContinuationToken: token });
    const page = await send(context, prefix, command, options);
    for (const object of page.Contents ?? []) {
      if (object.Key) yield listedObject(object.Key, object);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * S3 lists keys in ascending order only, so the user's prefix is listed whole and sorted; the
 * fixed-width timestamp makes key order time order. The cursor is the last key of the previous
 * page.
 */
export async function listGeneratedIllustrations(
  context: StorageContext,
  userId: string,
  kind: GeneratedKind,
  options: ListGeneratedOptions = {},
): Promise<GeneratedIllustrationPage> {
  const { keys } = context;
  const prefix = keys.generatedUserPrefix(kind, userId);
  const limit = assertInRange('limit', options.limit ?? 50, { max: MAX_PAGE_SIZE });
  let after: string | undefined;
  if (options.cursor !== undefined) {
    after = Buffer.from(options.cursor, 'base64url').toString('utf8');
    const parsed = keys.parseGeneratedKey(after);
    // A key of this user and kind is under `prefix`; the encoding is checked so one cursor only.
    if (
      parsed?.userId !== userId ||
      parsed.kind !== kind ||
      encodeCursor(after) !== options.cursor
    ) {
      const message =
        `cursor ${JSON.stringify(options.cursor)} is not a cursor of this listing: pass back the ` +
        'nextCursor of the previous page, or leave it out for the first page.';
      throw new InvalidArgumentError('cursor', message);
    }
  }
  const all: GeneratedIllustration[] = [];
  for await (const object of listKeys(context, prefix, options)) {
    const parsed = keys.parseGeneratedKey(object.key);
    if (!parsed || parsed.userId !== userId || parsed.kind !== kind) continue;
    if (after !== undefined && object.key >= after) continue;
    all.push({
      key: object.key,
      kind,
      createdAt: new Date(parsed.timestampMs),
      sizeBytes: object.sizeBytes,
    });
  }
  all.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const items = all.slice(0, limit);
  const last = items.at(-1);
  return all.length > limit && last ? { items, nextCursor: encodeCursor(last.key) } : { items };
}
