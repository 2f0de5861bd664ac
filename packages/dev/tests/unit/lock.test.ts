import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderInUseError } from '../../src/errors.ts';
import { acquireDataLock } from '../../src/lock.ts';
import { exitedPid, runningProcess } from '../helpers/processes.ts';

describe('the lock of a data folder', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'autobio-lock-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('holds the pid of the process that took it, and goes on release', async () => {
    const lock = await acquireDataLock(dataDir);

    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(stat(lock.path)).rejects.toThrow();
  });

  it('throws when another running process holds it, naming its pid and the fix', async () => {
    const other = runningProcess();
    try {
      await writeFile(
        join(dataDir, 'dev.lock'),
        JSON.stringify({ pid: other.pid, startedAt: '2026-01-01T00:00:00.000Z' }),
      );

      const taking = acquireDataLock(dataDir);

      await expect(taking).rejects.toThrow(DataFolderInUseError);
      await expect(taking).rejects.toThrow(
        `Another pnpm dev (pid ${other.pid}, started 2026-01-01T00:00:00.000Z) runs on the data folder ${dataDir}. ` +
          `Stop it first (Ctrl-C in its terminal, or kill ${other.pid}), or give this one a folder and ports of its own: ` +
          `DEV_DATA_DIR=${dataDir}-2 DEV_PORT=3001 DEV_S3_PORT=4570 pnpm dev. If pid ${other.pid} is ` +
          `no pnpm dev (a pid reused after a crash), delete ${join(dataDir, 'dev.lock')}.`,
      );
    } finally {
      other.kill();
    }
  });

  it('throws when this process holds it already', async () => {
    await acquireDataLock(dataDir);

    await expect(acquireDataLock(dataDir)).rejects.toThrow(`(pid ${process.pid}`);
  });

  it('takes over a lock whose process is gone', async () => {
    await writeFile(join(dataDir, 'dev.lock'), JSON.stringify({ pid: await exitedPid() }));

    const lock = await acquireDataLock(dataDir);

    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock left half-written', async () => {
    await writeFile(join(dataDir, 'dev.lock'), '{"pi');

    await expect(acquireDataLock(dataDir)).resolves.toBeDefined();
  });

  it('leaves a lock another process took in the meantime on release', async () => {
    const lock = await acquireDataLock(dataDir);
    await writeFile(lock.path, JSON.stringify({ pid: 1 }));

    await lock.release();

    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toEqual({ pid: 1 });
  });
});
