import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A `pnpm dev` process of a test. */
export interface PnpmDev {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  readonly output: () => string;
  /** The exit code, or the signal's name when a signal ended it. */
  readonly exited: Promise<number | string>;
  /** Waits for the banner; @returns the page's URL. */
  ready(): Promise<string>;
  /** Sends Ctrl-C to the whole group, as a terminal does, and waits for the exit. */
  interrupt(): Promise<number | string>;
  /** SIGKILLs what is left of the group (for clean-ups). */
  kill(): void;
}

/**
 * Runs `pnpm dev <args>` as a person would, in its own process group so Ctrl-C can be sent to
 * pnpm and the server alike. It reads no .env.local of the machine unless `DEV_ENV_FILE` says,
 * and runs on s3rver unless `env` says otherwise; a `null` in `env` unsets the variable.
 */
export function pnpmDev(
  args: readonly string[] = [],
  env: Record<string, string | null> = {},
): PnpmDev {
  const merged: Record<string, string | null | undefined> = {
    ...process.env,
    DEV_PORT: '0',
    DEV_S3_PORT: '0',
    DEV_S3: '',
    S3_BUCKET_NAME: '',
    S3_CLIENT_REGION: '',
    DEV_ENV_FILE: '/nonexistent/.env.local',
    ...env,
  };
  const child = spawn('pnpm', ['dev', ...args], {
    cwd: REPO_ROOT,
    // null: unset, as if the variable had never been exported.
    env: Object.fromEntries(
      Object.entries(merged).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    ),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  return {
    child,
    output: () => output,
    exited,
    async ready() {
      await expect
        .poll(() => output, { timeout: 45_000, interval: 100 })
        .toContain('Press Ctrl-C to stop.');
      return /page\s+(http:\/\/\S+)/.exec(output)![1]!;
    },
    async interrupt() {
      process.kill(-child.pid!, 'SIGINT');
      return exited;
    },
    kill,
  };
}

/** Output lines of the Node runtime that are no part of pnpm dev (Node 20's SDK warning). */
export function withoutRuntimeWarnings(output: string): string {
  return output
    .split('\n')
    .filter(
      (line) =>
        !/NodeVersionSupportWarning|versions published after|will require node|continue receiving updates|security updates please|a\.co\/|--trace-warnings|Unsupported engine/.test(
          line,
        ),
    )
    .join('\n');
}
