import { assertKeySegment } from '@autobio/s3-storage';
import { DEV_TOKEN_PREFIX } from './constants.ts';

/**
 * The user a local request is signed in as: `Authorization: Bearer dev-user:<userId>`, or
 * `undefined` when the header is missing or malformed, or when the id breaks the storage
 * package's rule for user ids (`assertKeySegment`). The server then answers 401 in the API's
 * error shape, naming the dev token; in AWS, API Gateway's JWT authorizer answers
 * `{"message":"Unauthorized"}` instead.
 *
 * Node reads header bytes as Latin-1, as browsers' fetch sends them: a tab, or a byte
 * 0x80-0x9F (a C1 control character), arrives here and is refused; Node answers 400 to the
 * other control bytes itself.
 */
export function devUserFromAuthorization(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  const token = match?.[1];
  if (!token?.startsWith(DEV_TOKEN_PREFIX)) return undefined;
  const userId = token.slice(DEV_TOKEN_PREFIX.length);
  try {
    // The same rule as the handlers' and the key builders': a dev id the API could not serve
    // is refused at sign-in, never passed on to fail later.
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
