import { type ChildProcess, spawn } from 'node:child_process';

/** The pid of a process that ran and has exited: a pid no process has now. */
export async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A process that runs until killed, for a pid that is alive and not this one. */
export function runningProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}
