import { access, constants, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_DATA_DIR } from './config.ts';
import { DATA_FOLDER_MARKER } from './constants.ts';
import { DevStartError } from './errors.ts';
import { readDataLock } from './lock.ts';

function cannotWrite(dataDir: string, reason: string, cause?: unknown): DevStartError {
  return new DevStartError(
    `The data folder ${dataDir} cannot be written: ${reason}. Fix its permissions, remove it to ` +
      'start clean, or set DEV_DATA_DIR to another folder.',
    { cause },
  );
}

/**
 * Makes the data folder and each missing parent, one level at a time. Node's recursive mkdir
 * never returns under /proc (it retries ENOENT forever), so DEV_DATA_DIR=/proc/x would hang.
 */
async function makeFolders(dataDir: string): Promise<void> {
  const missing: string[] = [];
  let folder = dataDir;
  for (;;) {
    const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
      // ENOTDIR: a parent is a file, which the walk up names.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw cannotWrite(dataDir, error.message, error);
    });
    if (info) {
      if (!info.isDirectory()) {
        throw folder === dataDir
          ? new DevStartError(
              `The data folder ${dataDir} is a file, not a folder. Remove it (it holds only local test data) ` +
                'or point DEV_DATA_DIR at another folder.',
            )
          : cannotWrite(dataDir, `${folder} is a file, not a folder`);
      }
      break;
    }
    missing.unshift(folder);
    if (dirname(folder) === folder) break;
    folder = dirname(folder);
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw cannotWrite(dataDir, `creating ${path} failed (${(error as Error).message})`, error);
    }
  }
}

/**
 * Makes the data folder ready: created when missing, checked writable, and marked as pnpm dev's
 * when pnpm dev made it or found it empty, unless `mark: false` (so `pnpm dev reset` may delete it
 * later).
 * @throws DevStartError naming the folder and the fix, at once: a file in the way, a folder
 * that cannot be created or written.
 */
export async function prepareDataDir(
  dataDir: string,
  options: { readonly mark?: boolean } = {},
): Promise<void> {
  await makeFolders(dataDir);
  try {
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw cannotWrite(dataDir, (error as Error).message, error);
  }
  if (options.mark === false) return;
  if ((await readdir(dataDir)).length === 0) {
    await writeFile(
      join(dataDir, DATA_FOLDER_MARKER),
      'This folder is the local data of pnpm dev: pnpm dev reset deletes it.\n',
    ).catch((error: Error) => {
      throw cannotWrite(dataDir, error.message, error);
    });
  }
}

/** What {@link resetDataDir} did. */
export type ResetOutcome = 'deleted' | 'absent';

/**
 * Deletes the data folder, once no `pnpm dev` runs on it, and only when it is pnpm dev's own:
 * the default `.local-s3`, or a folder carrying the marker pnpm dev writes into folders it made.
 * @throws DevStartError when a pnpm dev runs on it (naming the pid) or it is not pnpm dev's.
 */
export async function resetDataDir(dataDir: string): Promise<ResetOutcome> {
  const info = await stat(dataDir).catch(() => undefined);
  if (!info) return 'absent';
  if (!info.isDirectory()) {
    throw new DevStartError(
      `${dataDir} is a file, not a data folder: check DEV_DATA_DIR, or remove the file yourself.`,
    );
  }
  const lock = await readDataLock(dataDir);
  if (lock?.alive) {
    throw new DevStartError(
      `pnpm dev (pid ${lock.pid}) runs on the data folder ${dataDir}: stop it first (Ctrl-C in its ` +
        `terminal, or kill ${lock.pid}), then run pnpm dev reset again.`,
    );
  }
  const marked = await stat(join(dataDir, DATA_FOLDER_MARKER)).then(
    () => true,
    () => false,
  );
  if (!marked && dataDir !== DEFAULT_DATA_DIR) {
    throw new DevStartError(
      `${dataDir} does not look like a data folder pnpm dev made (it has no ${DATA_FOLDER_MARKER} file), ` +
        'so pnpm dev reset leaves it alone. Check DEV_DATA_DIR; delete the folder yourself if you mean to.',
    );
  }
  await rm(dataDir, { recursive: true, force: true });
  return 'deleted';
}
