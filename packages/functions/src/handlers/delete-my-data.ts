import { s3Client } from '@autobio/s3-storage';
import { createRouteHandler } from '../internal/http.ts';
import type { DeleteMyDataResponse } from '../types/api.ts';

/**
 * `DELETE /me/data`: deletes every object of the caller under every prefix, for account
 * deletion, and reports the count per prefix. Every version goes too, so the versioned bucket
 * keeps nothing of the caller. Idempotent: a second call reports zeros.
 */
export const handler = createRouteHandler({
  route: 'delete-my-data',
  async handle({ userId, abortSignal }) {
    const deleted = await s3Client.deleteUserData(userId, { allVersions: true, abortSignal });
    const body: DeleteMyDataResponse = {
      deleted,
      total: Object.values(deleted).reduce((sum, count) => sum + count, 0),
    };
    return { statusCode: 200, body };
  },
});
