import { fileURLToPath } from 'node:url';
import { DEFAULT_LOCAL_BUCKET, DEFAULT_PORT, DEFAULT_S3_PORT } from './constants.ts';
import { DevStartError } from './errors.ts';

/** Where the stack's S3 is: the embedded server, or a real bucket named by the environment. */
export type S3Mode = 'embedded' | 'external';

/** What `pnpm dev` runs with. */
export interface DevConfig {
  /** Port of the page and the API (0 picks a free one). @default 3000 */
  readonly port: number;
  /** Port of the embedded S3 (0 picks a free one). @default 4569 */
  readonly s3Port: number;
  /** Folder the embedded S3 keeps its objects in. @default '<repo>/.local-s3' */
  readonly dataDir: string;
  /** `external` when S3_BUCKET_NAME is set: a real bucket, configured as in the spec. @default 'embedded' */
  readonly s3Mode: S3Mode;
  /** Bucket of the embedded S3. @default 'auto-bio-local' */
  readonly localBucket: string;
}

/** Every variable `pnpm dev` reads itself (the storage package reads the S3_* ones). */
export const DEV_ENVIRONMENT_VARIABLES = ['DEV_PORT', 'DEV_S3_PORT', 'DEV_DATA_DIR'] as const;

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DevStartError(
      `${name}="${raw}" is not a port: use a whole number from 0 to 65535 (0 picks a free one).`,
    );
  }
  return port;
}

/** Reads `pnpm dev`'s configuration. @throws DevStartError naming the bad variable. */
export function loadDevConfig(env: NodeJS.ProcessEnv = process.env): DevConfig {
  return {
    port: readPort(env, 'DEV_PORT', DEFAULT_PORT),
    s3Port: readPort(env, 'DEV_S3_PORT', DEFAULT_S3_PORT),
    dataDir: env.DEV_DATA_DIR?.trim() || `${REPO_ROOT}.local-s3`,
    s3Mode: env.S3_BUCKET_NAME?.trim() ? 'external' : 'embedded',
    localBucket: DEFAULT_LOCAL_BUCKET,
  };
}
