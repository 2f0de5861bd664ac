import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli.ts';
import { captureStream } from './streams.ts';

/** The package's bin, as `pnpm storage` and the installed command run it. */
export const BIN = fileURLToPath(new URL('../../bin/autobio-storage.mjs', import.meta.url));

/** The repository's root, where `pnpm storage` runs. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command line in this process, with `env` as its whole environment. */
export async function runCommand(
  argv: readonly string[],
  env: Record<string, string>,
): Promise<CommandResult> {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runCli(argv, { env, stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The environment of a spawned CLI: the variables given, plus what a process needs to run. */
export function processEnv(env: Record<string, string>): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return {
    ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
    // The default credential chain must not find a developer's own AWS settings.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
}

/** A spawned CLI process and what it has written so far. */
export interface SpawnedCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or the signal's name when killed. */
  readonly exited: Promise<number | string>;
}

export function spawnCli(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): SpawnedCli {
  const child = spawn(command, args, {
    cwd,
    env: processEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the bin with node to completion. */
export async function runBin(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CommandResult> {
  const run = spawnCli(process.execPath, [BIN, ...args], env, cwd);
  const code = await run.exited;
  return { code: typeof code === 'number' ? code : -1, stdout: run.stdout(), stderr: run.stderr() };
}
