import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalConnection, readLocalConnection } from '@autobio/dev';
import { REPO_ROOT, type SpawnedCli, spawnCli } from './run-cli.ts';

/** A real `pnpm dev` on a data folder of its own, on free ports. */
export interface RunningPnpmDev {
  /** What it wrote in its data folder, as `--local` reads it. */
  readonly connection: LocalConnection;
  /** The environment that points `--local` at it. */
  readonly env: { readonly DEV_DATA_DIR: string };
  stop(): Promise<void>;
}

/** Starts `pnpm dev` as the root script does, and waits for its connection settings. */
export async function startPnpmDev(timeoutMs = 30_000): Promise<RunningPnpmDev> {
  const dataDir = await mkdtemp(join(tmpdir(), 'autobio-cli-dev-'));
  const dev: SpawnedCli = spawnCli(
    process.execPath,
    ['--import', 'tsx', 'packages/dev/src/main.ts'],
    { DEV_DATA_DIR: dataDir, DEV_PORT: '0', DEV_S3_PORT: '0' },
    REPO_ROOT,
  );
  const stop = async () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGINT');
    await dev.exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  let connection: LocalConnection | undefined;
  while (!connection) {
    if (dev.child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pnpm dev did not start:\n${dev.stdout()}\n${dev.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    connection = await readLocalConnection(dataDir);
  }
  return { connection, env: { DEV_DATA_DIR: dataDir }, stop };
}
