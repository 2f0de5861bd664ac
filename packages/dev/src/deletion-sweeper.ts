import { randomUUID } from 'node:crypto';
import { getTask, type SweepReport } from '@autobio/functions';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './api-event.ts';

/** The deletion sweep of a running `pnpm dev`, on a timer. */
export interface DeletionSweeper {
  /** Runs the sweep now (after a run already going), as the timer does. */
  runNow(): Promise<SweepReport | undefined>;
  /** Stops the timer, and waits for a run that is going. */
  close(): Promise<void>;
}

type SweepHandler = (event: unknown, context: Context) => Promise<SweepReport>;

/**
 * Runs the deployed sweep's own handler (the `sweep-deletions` task's entry) every
 * `intervalMs`, as EventBridge Scheduler does in AWS, so that `DELETE /me/data` is made final
 * locally too. A failed run is logged and the next one tries again, as in AWS.
 */
export function startDeletionSweeper(options: {
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}): DeletionSweeper {
  const task = getTask('sweep-deletions');
  let running: Promise<SweepReport | undefined> = Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const runOnce = async (): Promise<SweepReport | undefined> => {
    try {
      const module = (await import(task.entry)) as Record<string, SweepHandler>;
      const report = await module[task.handlerExport]!(
        {},
        lambdaContext(`autobio-local-${task.name}`, randomUUID()),
      );
      if (report.swept.length > 0) {
        options.log(`made ${report.swept.length} account deletion(s) final`);
      }
      return report;
    } catch (error) {
      options.log(`the deletion sweep failed, and runs again: ${(error as Error).message}`);
      return undefined;
    }
  };
  const run = () => {
    running = running.then(runOnce);
    return running;
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(async () => {
      await run();
      schedule();
    }, options.intervalMs);
    // The timer alone never keeps pnpm dev (or a test) running.
    timer.unref();
  };
  schedule();
  return {
    runNow: run,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
