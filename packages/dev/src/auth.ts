import { assertKeySegment } from '@autobio/s3-storage';
import { DEV_TOKEN_PREFIX } from './constants.ts';

/**
 * The user a local request is signed in as: `Authorization: Bearer dev-user:<userId>`, or
 * `undefined` when the header is missing or malformed (the server then answers 401, as API
 * Gateway's JWT authorizer does).
 */
export function devUserFromAuthorization(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  const token = match?.[1];
  if (!token?.startsWith(DEV_TOKEN_PREFIX)) return undefined;
  const userId = token.slice(DEV_TOKEN_PREFIX.length);
  try {
    assertKeySegment(userId, 'userId');
  } catch {
    return undefined;
  }
  return userId;
}

/** The Authorization header value that signs a local request in as `userId`. */
export function devAuthorization(userId: string): string {
  return `Bearer ${DEV_TOKEN_PREFIX}${userId}`;
}
