import { fileURLToPath } from 'node:url';
import type { LocalS3Engine } from '@autobio/local-s3';
import {
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_PORT,
  DEFAULT_S3_ENGINE,
  DEFAULT_S3_PORT,
  S3_ENGINES,
} from './constants.ts';
import { DevStartError } from './errors.ts';

/** Where the stack's S3 is: the embedded server, or a real bucket named by the environment. */
export type S3Mode = 'embedded' | 'external';

/** What `pnpm dev` runs with. */
export interface DevConfig {
  /** Port of the page and the API (0 picks a free one). @default 3000 */
  readonly port: number;
  /** Port of the embedded S3 (0 picks a free one). @default 4569 */
  readonly s3Port: number;
  /**
   * Folder the embedded S3 keeps its objects in: s3rver uses it as it is, versitygw its
   * `versitygw/` sub-folder, so the two never read each other's layout.
   * @default '<repo>/.local-s3'
   */
  readonly dataDir: string;
  /** `external` when S3_BUCKET_NAME is set: a real bucket, configured as in the spec. @default 'embedded' */
  readonly s3Mode: S3Mode;
  /**
   * The embedded S3 (`DEV_S3`): `s3rver`, zero-install but a fake that checks no signature,
   * POST policy, version or conditional write; or `versitygw`, the Versity S3 Gateway, which
   * does (`pnpm s3:install` builds it). Unused with a real bucket.
   * @default 's3rver'
   */
  readonly s3Engine: LocalS3Engine;
  /** Bucket of the embedded S3. @default 'auto-bio-local' */
  readonly localBucket: string;
}

/** Every variable `pnpm dev` reads itself (the storage package reads the S3_* ones). */
export const DEV_ENVIRONMENT_VARIABLES = [
  'DEV_PORT',
  'DEV_S3_PORT',
  'DEV_DATA_DIR',
  'DEV_S3',
] as const;

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

function readEngine(env: NodeJS.ProcessEnv): LocalS3Engine {
  const raw = env.DEV_S3?.trim();
  if (!raw) return DEFAULT_S3_ENGINE;
  const engine = S3_ENGINES.find((name) => name === raw);
  if (!engine) {
    throw new DevStartError(
      `DEV_S3="${raw}" is not an S3 server pnpm dev knows: use ${S3_ENGINES.map((name) => `DEV_S3=${name}`).join(' or ')} ` +
        `(unset: ${DEFAULT_S3_ENGINE}).`,
    );
  }
  return engine;
}

/** Reads `pnpm dev`'s configuration. @throws DevStartError naming the bad variable. */
export function loadDevConfig(env: NodeJS.ProcessEnv = process.env): DevConfig {
  return {
    port: readPort(env, 'DEV_PORT', DEFAULT_PORT),
    s3Port: readPort(env, 'DEV_S3_PORT', DEFAULT_S3_PORT),
    dataDir: env.DEV_DATA_DIR?.trim() || `${REPO_ROOT}.local-s3`,
    s3Mode: env.S3_BUCKET_NAME?.trim() ? 'external' : 'embedded',
    s3Engine: readEngine(env),
    localBucket: DEFAULT_LOCAL_BUCKET,
  };
}
