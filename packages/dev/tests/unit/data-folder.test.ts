import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareDataDir, resetDataDir } from '../../src/data-folder.ts';
import { DevStartError } from '../../src/errors.ts';
import { acquireDataLock } from '../../src/lock.ts';

describe('the data folder', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'autobio-data-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("is made with its missing parents, and marked as pnpm dev's", async () => {
    const dataDir = join(root, 'a', 'b', 'data');

    await prepareDataDir(dataDir);

    expect(await readdir(dataDir)).toEqual(['.autobio-dev-data']);
  });

  it('is not marked when it holds files already', async () => {
    await writeFile(join(root, 'thesis.tex'), '');

    await prepareDataDir(root);

    expect(await readdir(root)).toEqual(['thesis.tex']);
  });

  it.runIf(process.platform === 'linux')(
    'fails at once under /proc, where a recursive mkdir never returns',
    async () => {
      const started = Date.now();

      const preparing = prepareDataDir('/proc/nope/data');

      await expect(preparing).rejects.toThrow(DevStartError);
      await expect(preparing).rejects.toThrow(
        'The data folder /proc/nope/data cannot be written: creating /proc/nope failed',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    },
  );

  it('says when a file is in its way', async () => {
    await writeFile(join(root, 'file'), '');

    await expect(prepareDataDir(join(root, 'file', 'data'))).rejects.toThrow(
      `${join(root, 'file')} is a file, not a folder`,
    );
  });

  it('is deleted by reset when pnpm dev made it and none runs on it', async () => {
    const dataDir = join(root, 'data');
    await prepareDataDir(dataDir);
    await mkdir(join(dataDir, 'auto-bio-local', 'stubs'), { recursive: true });

    expect(await resetDataDir(dataDir)).toBe('deleted');
    await expect(stat(dataDir)).rejects.toThrow();
  });

  it('is kept by reset while pnpm dev runs on it, naming the pid', async () => {
    const dataDir = join(root, 'data');
    await prepareDataDir(dataDir);
    const lock = await acquireDataLock(dataDir);

    await expect(resetDataDir(dataDir)).rejects.toThrow(
      `pnpm dev (pid ${process.pid}) runs on the data folder ${dataDir}: stop it first`,
    );
    await lock.release();
    expect(await stat(dataDir)).toBeDefined();
  });

  it('is kept by reset when pnpm dev did not make it', async () => {
    await writeFile(join(root, 'thesis.tex'), '');

    await expect(resetDataDir(root)).rejects.toThrow(
      `${root} does not look like a data folder pnpm dev made`,
    );
    expect(await readdir(root)).toEqual(['thesis.tex']);
  });

  it('is reported absent by reset when there is none', async () => {
    expect(await resetDataDir(join(root, 'none'))).toBe('absent');
  });
});
