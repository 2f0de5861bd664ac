import { s3Client } from '@autobio/s3-storage';
import type { Context } from 'aws-lambda';
import { LAMBDA_TIME_RESERVE_MS } from '../constants.ts';
import { loadDeletionSettings } from '../env.ts';
import { accountDataLocations } from '../internal/account-deletion.ts';
import { sweepDeletions } from '../internal/deletion-sweep.ts';
import { logger, requestLogger } from '../internal/logger.ts';
import type { SweepReport } from '../types/deletion.ts';

/**
 * The deletion sweep, run by EventBridge Scheduler every few minutes (`TASKS` in the route
 * table): makes each account deletion whose `sweepAfter` has passed final. The markers are its
 * only input, so a missed run only delays the next. Accounts it has no time left for wait for
 * the next run.
 * @throws DeletionSweepError after the run when any account failed, so that the failure shows in
 *   the function's errors (and its alarm); those markers stay for the next run.
 */
export async function handler(_event: unknown, context: Context): Promise<SweepReport> {
  logger.addContext(context);
  const log = requestLogger({
    task: 'sweep-deletions',
    function_request_id: context.awsRequestId,
  });
  const settings = loadDeletionSettings(s3Client.getConfig());
  if (settings.ignored) log.warn(settings.ignored);
  const report = await sweepDeletions({
    ...accountDataLocations(s3Client, settings),
    now: new Date(),
    sweepDelayMs: settings.sweepDelayMs,
    log,
    remainingMs: () => context.getRemainingTimeInMillis(),
    abortSignal: AbortSignal.timeout(
      Math.max(1, context.getRemainingTimeInMillis() - LAMBDA_TIME_RESERVE_MS),
    ),
  });
  log.info('Deletion sweep done', {
    swept: report.swept.length,
    pending: report.pending.length,
    deferred: report.deferred.length,
  });
  return report;
}
