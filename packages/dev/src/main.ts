// `pnpm dev`: starts the local stack, prints what runs where, stops cleanly on Ctrl-C.
import { startBanner } from './banner.ts';
import { loadDevConfig } from './config.ts';
import { DevStartError } from './errors.ts';
import { startLocalStack } from './local-stack.ts';

const started = Date.now();
try {
  const config = loadDevConfig();
  const stack = await startLocalStack(
    config,
    process.env.DEV_LOG_REQUESTS ? (line) => console.log(line) : undefined,
  );
  const lines = startBanner(stack, {
    illustrationGenMode: process.env.ILLUSTRATION_GEN_MODE ?? 'stub',
    readyInMs: Date.now() - started,
  });
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (
    error instanceof DevStartError ||
    (error as { code?: string }).code === 'ConfigurationError'
  ) {
    console.error(`pnpm dev could not start: ${(error as Error).message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
