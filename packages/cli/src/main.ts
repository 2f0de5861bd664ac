import { runCli } from './cli.ts';
import { EXIT_INTERRUPTED } from './constants.ts';

/**
 * The process entry point (see bin/autobio-storage.mjs): runs the command line with the real
 * environment and streams. The first Ctrl-C lets copies in flight finish and prints the report;
 * a second one quits at once.
 * @returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\nInterrupted: finishing the copies in flight (again to quit now)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`| head`) is not an error of the command.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  try {
    return await runCli(argv, {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
