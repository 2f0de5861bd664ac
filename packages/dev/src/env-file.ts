import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { DevStartError } from './errors.ts';

/** What {@link loadEnvFile} did with a file. */
export interface LoadedEnvFile {
  readonly path: string;
  /** Variables taken from the file, in alphabetical order. */
  readonly loaded: readonly string[];
  /** Variables the file sets that the environment already had: the environment's value stays. */
  readonly overridden: readonly string[];
}

/**
 * Loads `KEY=value` lines of a `.env` file into `env`, leaving every variable the environment
 * already sets as it is: a one-off `S3_BUCKET_NAME=x pnpm dev` wins over the file. A missing
 * file is no error.
 * @returns what was loaded, or `undefined` when there is no such file.
 * @throws DevStartError when the file exists but cannot be read.
 */
export async function loadEnvFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedEnvFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevStartError(
      `${path} cannot be read: ${(error as Error).message}. Fix its permissions or remove it.`,
      { cause: error },
    );
  }
  const loaded: string[] = [];
  const overridden: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) {
      overridden.push(name);
    } else {
      env[name] = value;
      loaded.push(name);
    }
  }
  return { path, loaded: loaded.sort(), overridden: overridden.sort() };
}
