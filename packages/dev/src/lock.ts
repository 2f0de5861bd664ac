import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCK_FILE_NAME } from './constants.ts';
import { DataFolderInUseError, DevStartError } from './errors.ts';

/** What the lock file of a data folder says. */
export interface DataLockInfo {
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Whether that process still runs: a lock whose process is gone is stale. */
  readonly alive: boolean;
}

/** A data folder this process holds. */
export interface DataLock {
  readonly path: string;
  /** Removes the lock, if it is still this process's. */
  release(): Promise<void>;
}

/** Whether a process of this pid runs (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a data folder, or `undefined` when there is none or it is unreadable. */
export async function readDataLock(dataDir: string): Promise<DataLockInfo | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { pid, startedAt } = JSON.parse(text) as { pid?: unknown; startedAt?: unknown };
    if (typeof pid !== 'number') return undefined;
    return { pid, startedAt: String(startedAt ?? ''), alive: isProcessAlive(pid) };
  } catch {
    // Half-written by a process killed while writing it: no one holds it.
    return undefined;
  }
}

/**
 * Takes the data folder for this process, so that a second `pnpm dev` on it stops with the pid
 * of the first instead of two S3 servers writing one folder. A lock whose process is gone is
 * taken over.
 * @throws DataFolderInUseError naming the running pid and the fix.
 */
export async function acquireDataLock(dataDir: string): Promise<DataLock> {
  const path = join(dataDir, LOCK_FILE_NAME);
  const content = `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // 'wx' fails when the file exists: of two starts at once, one wins.
      await writeFile(path, content, { flag: 'wx' });
      return {
        path,
        async release() {
          const current = await readDataLock(dataDir);
          if (current?.pid === process.pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DevStartError(
          `The data folder ${dataDir} cannot be locked: ${(error as Error).message}. Fix its permissions, ` +
            'or set DEV_DATA_DIR to another folder.',
          { cause: error },
        );
      }
    }
    const holder = await readDataLock(dataDir);
    if (holder?.alive) {
      throw new DataFolderInUseError(
        dataDir,
        holder.pid,
        `Another pnpm dev (pid ${holder.pid}, started ${holder.startedAt}) runs on the data folder ${dataDir}. ` +
          `Stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or give this one a folder and ` +
          `ports of its own: DEV_DATA_DIR=${dataDir}-2 DEV_PORT=3001 DEV_S3_PORT=4570 pnpm dev. ` +
          `If pid ${holder.pid} is no pnpm dev (a pid reused after a crash), delete ${path}.`,
      );
    }
    // Stale: its process is gone (killed, or the machine restarted).
    await rm(path, { force: true });
  }
  throw new DevStartError(
    `The data folder ${dataDir} was locked again while pnpm dev took over a stale lock: another ` +
      'pnpm dev is starting on it. Stop it, or set DEV_DATA_DIR to another folder.',
  );
}
