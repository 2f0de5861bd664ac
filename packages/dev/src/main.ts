// `pnpm dev`: starts the local stack (or resets or seeds its data) and stops cleanly on Ctrl-C.
import { S3StorageError } from '@autobio/s3-storage';
import { CommanderError } from 'commander';
import { createDevProgram } from './cli.ts';
import { DevStartError } from './errors.ts';

try {
  await createDevProgram().exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed the problem (or the help) itself.
    process.exit(error.exitCode);
  }
  if (
    error instanceof DevStartError ||
    (error instanceof S3StorageError && error.code === 'ConfigurationError')
  ) {
    const command = ['reset', 'seed'].find((name) => process.argv.slice(2).includes(name));
    console.error(
      `${command ? `pnpm dev ${command} failed` : 'pnpm dev could not start'}: ${error.message}`,
    );
  } else {
    console.error(error);
  }
  process.exit(1);
}
