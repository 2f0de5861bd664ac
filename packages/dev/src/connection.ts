import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalS3Engine } from '@autobio/local-s3';
import { resolveDataDir } from './config.ts';
import { CONNECTION_ENV_FILE_NAME, CONNECTION_JSON_FILE_NAME } from './constants.ts';
import { LocalConnectionError } from './errors.ts';
import { isProcessAlive } from './lock.ts';

/**
 * How to reach the embedded S3 of a running `pnpm dev`: what the storage CLI and the AWS CLI
 * need. The keys are the local server's fixed ones, never a real bucket's.
 */
export interface LocalConnection {
  readonly engine: LocalS3Engine;
  /** `http://127.0.0.1:4569`: S3_ENDPOINT, and the AWS CLI's --endpoint-url. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The page, and the API under it. */
  readonly pageUrl: string;
  readonly apiUrl: string;
  /** The `pnpm dev` process that wrote the file. */
  readonly pid: number;
  readonly dataDir: string;
}

const FIELDS = [
  'engine',
  'endpoint',
  'bucket',
  'region',
  'accessKeyId',
  'secretAccessKey',
  'pageUrl',
  'apiUrl',
  'pid',
  'dataDir',
] as const satisfies readonly (keyof LocalConnection)[];

/**
 * The environment that points the storage CLI (`pnpm storage`) and the AWS CLI at the embedded
 * S3, in the order the banner prints it.
 */
export function localConnectionEnvironment(connection: LocalConnection): Record<string, string> {
  return {
    S3_ENDPOINT: connection.endpoint,
    S3_BUCKET_NAME: connection.bucket,
    S3_CLIENT_REGION: connection.region,
    BACKEND_AWS_KEY: connection.accessKeyId,
    BACKEND_AWS_SECRET: connection.secretAccessKey,
    AWS_ACCESS_KEY_ID: connection.accessKeyId,
    AWS_SECRET_ACCESS_KEY: connection.secretAccessKey,
    AWS_REGION: connection.region,
  };
}

/** `value` as one shell word: as it is when plain, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export NAME=value` lines, grouped as the banner prints them: the storage CLI's, then the AWS CLI's. */
export function exportLines(connection: LocalConnection): string[] {
  const env = localConnectionEnvironment(connection);
  const line = (names: readonly string[]) =>
    `export ${names.map((name) => `${name}=${shellQuote(env[name]!)}`).join(' ')}`;
  return [
    line(['S3_ENDPOINT', 'S3_BUCKET_NAME', 'S3_CLIENT_REGION']),
    line(['BACKEND_AWS_KEY', 'BACKEND_AWS_SECRET']),
    line(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']),
  ];
}

/** Where the connection files of a data folder are. */
export function connectionFiles(dataDir: string): { readonly json: string; readonly env: string } {
  return {
    json: join(dataDir, CONNECTION_JSON_FILE_NAME),
    env: join(dataDir, CONNECTION_ENV_FILE_NAME),
  };
}

/** Writes `connection.json` and `connection.env` into the data folder (`pnpm dev` at start). */
export async function writeLocalConnection(connection: LocalConnection): Promise<void> {
  const files = connectionFiles(connection.dataDir);
  const json = Object.fromEntries(FIELDS.map((field) => [field, connection[field]]));
  await writeFile(files.json, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(
    files.env,
    [
      `# The embedded S3 of pnpm dev (pid ${connection.pid}); removed when it stops.`,
      `# Load it with: . ${shellQuote(files.env)}`,
      ...exportLines(connection),
      '',
    ].join('\n'),
  );
}

/** Removes the connection files (`pnpm dev` on stop). */
export async function removeLocalConnection(dataDir: string): Promise<void> {
  const files = connectionFiles(dataDir);
  await rm(files.json, { force: true });
  await rm(files.env, { force: true });
}

/**
 * The embedded S3 of the `pnpm dev` that runs on `dataDir`, from the `connection.json` it wrote,
 * or `undefined` when none runs there: no file, or one left by a process that is gone.
 * @param dataDir - @default DEV_DATA_DIR, else the repo's `.local-s3`
 * @throws LocalConnectionError when the file is there but not one pnpm dev wrote.
 */
export async function readLocalConnection(
  dataDir: string = resolveDataDir(),
): Promise<LocalConnection | undefined> {
  const file = connectionFiles(dataDir).json;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalConnectionError(
      file,
      `${file} cannot be read: ${(error as Error).message}. Fix its permissions, or restart pnpm dev.`,
      { cause: error },
    );
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new LocalConnectionError(
      file,
      `${file} is not JSON: restart pnpm dev to write it again.`,
      { cause: error },
    );
  }
  const missing = FIELDS.filter(
    (field) => typeof parsed[field] !== (field === 'pid' ? 'number' : 'string'),
  );
  if (missing.length > 0) {
    throw new LocalConnectionError(
      file,
      `${file} lacks ${missing.join(', ')}: it was not written by this pnpm dev. Restart pnpm dev to write it again.`,
    );
  }
  const connection = parsed as unknown as LocalConnection;
  return isProcessAlive(connection.pid) ? connection : undefined;
}
