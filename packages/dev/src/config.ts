import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalS3Engine } from '@autobio/local-s3';
import { wholeNumber } from '@autobio/s3-storage/settings';
import {
  ALL_INTERFACES,
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_PORT,
  DEFAULT_S3_ENGINE,
  DEFAULT_S3_PORT,
  ILLUSTRATION_GEN_FAKES,
  LOOPBACK,
  S3_ENGINES,
} from './constants.ts';
import { DevStartError } from './errors.ts';

/** Where the stack's S3 is: the embedded server, or a real bucket named by the environment. */
export type S3Mode = 'embedded' | 'external';

/**
 * How `POST /illustrations/{kind}` makes images: as the environment says (the handlers' stub mode
 * unless ILLUSTRATION_GEN_URL is set), or through the fake illustration-gen service, which writes
 * into the bucket as the real one does, or answers an image in another bucket.
 */
export type IllustrationGenSetting = 'environment' | (typeof ILLUSTRATION_GEN_FAKES)[number];

/** What `pnpm dev` runs with. */
export interface DevConfig {
  /** Port of the page and the API (0 picks a free one). @default 3000 */
  readonly port: number;
  /** Port of the embedded S3 (0 picks a free one). @default 4569 */
  readonly s3Port: number;
  /**
   * Folder the embedded S3 keeps its objects in: s3rver uses it as it is, versitygw its
   * `versitygw/` sub-folder, so the two never read each other's layout. It also holds the lock
   * and, while pnpm dev runs, the connection files.
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
  /**
   * Region the handlers sign for on the embedded S3 (`S3_CLIENT_REGION`). s3rver takes any;
   * versitygw checks signatures for us-east-1 only, so another region is refused there.
   * @default - the engine's own, us-east-1
   */
  readonly embeddedRegion?: string | undefined;
  /**
   * Address both servers bind (`--host`, `DEV_HOST`); `--host` alone binds every interface.
   * @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /**
   * The name browsers reach this machine by (`--public-host`, `DEV_PUBLIC_HOST`): the page's URL,
   * the S3 endpoint presigned URLs are signed for, and the origin the bucket's CORS rules allow.
   * @default - localhost on the loopback address, the bound address otherwise, and this
   * machine's host name when every interface is bound
   */
  readonly publicHost?: string | undefined;
  /**
   * Reload the handlers when packages/functions/src or packages/s3-storage/src change
   * (`--watch`, `DEV_WATCH=1`), while the S3 and the page stay up.
   * @default false
   */
  readonly watch?: boolean | undefined;
  /** `DEV_ILLUSTRATION_GEN`. @default 'environment' */
  readonly illustrationGen?: IllustrationGenSetting | undefined;
  /** Time between two runs of the deletion sweep, in ms. @default DEFAULT_SWEEP_INTERVAL_MS */
  readonly sweepIntervalMs?: number | undefined;
}

/** Every variable `pnpm dev` reads itself (the storage package reads the S3_* ones). */
export const DEV_ENVIRONMENT_VARIABLES = [
  'DEV_PORT',
  'DEV_S3_PORT',
  'DEV_DATA_DIR',
  'DEV_S3',
  'DEV_HOST',
  'DEV_PUBLIC_HOST',
  'DEV_WATCH',
  'DEV_ILLUSTRATION_GEN',
  'DEV_LOG_REQUESTS',
  'DEV_ENV_FILE',
] as const;

/** The repo's root folder, where `.env.local` and the default data folder are. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The data folder unless DEV_DATA_DIR names another. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '.local-s3');

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = wholeNumber(0, 65_535).safeParse(raw);
  if (!port.success) {
    throw new DevStartError(
      `${name}="${raw}" is not a port: use a whole number from 0 to 65535 (0 picks a free one).`,
    );
  }
  return port.data;
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

function readFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || ['0', 'false', 'no'].includes(raw)) return false;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  throw new DevStartError(`${name}="${env[name]}" is not on or off: use ${name}=1 or unset it.`);
}

function readIllustrationGen(env: NodeJS.ProcessEnv): IllustrationGenSetting {
  const raw = env.DEV_ILLUSTRATION_GEN?.trim();
  if (!raw) return 'environment';
  const fake = ILLUSTRATION_GEN_FAKES.find((name) => name === raw);
  if (!fake) {
    throw new DevStartError(
      `DEV_ILLUSTRATION_GEN="${raw}" is not a fake pnpm dev has: use ` +
        `${ILLUSTRATION_GEN_FAKES.map((name) => `DEV_ILLUSTRATION_GEN=${name}`).join(' or ')}, or unset it ` +
        'for the stub mode (or the service at ILLUSTRATION_GEN_URL).',
    );
  }
  return fake;
}

/**
 * Checks an address or host name given to `--host` or `--public-host`.
 * @throws DevStartError naming the value and what to use instead.
 */
export function validateHost(value: string, name: string): string {
  const host = value.trim();
  if (isIP(host) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    return host;
  }
  throw new DevStartError(
    `${name} "${value}" is not an address or host name: use ${ALL_INTERFACES} (every interface), ` +
      'an address of this machine such as 192.168.1.20, or a name that resolves to it.',
  );
}

function readHost(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? validateHost(raw, name) : undefined;
}

/** The data folder DEV_DATA_DIR names, absolute, or the default one. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.DEV_DATA_DIR?.trim();
  return raw ? resolve(raw) : DEFAULT_DATA_DIR;
}

/** Reads `pnpm dev`'s configuration. @throws DevStartError naming the bad variable. */
export function loadDevConfig(env: NodeJS.ProcessEnv = process.env): DevConfig {
  return {
    port: readPort(env, 'DEV_PORT', DEFAULT_PORT),
    s3Port: readPort(env, 'DEV_S3_PORT', DEFAULT_S3_PORT),
    dataDir: resolveDataDir(env),
    s3Mode: env.S3_BUCKET_NAME?.trim() ? 'external' : 'embedded',
    s3Engine: readEngine(env),
    localBucket: DEFAULT_LOCAL_BUCKET,
    embeddedRegion: env.S3_CLIENT_REGION?.trim() || undefined,
    host: readHost(env, 'DEV_HOST'),
    publicHost: readHost(env, 'DEV_PUBLIC_HOST'),
    watch: readFlag(env, 'DEV_WATCH'),
    illustrationGen: readIllustrationGen(env),
  };
}

/** Whether `host` means every interface rather than one address. */
export function isWildcardHost(host: string): boolean {
  return host === ALL_INTERFACES || host === '::';
}

/** Whether `host` is this machine's loopback, reachable from nowhere else. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Where a stack listens and what browsers call it: the bound address, and the host name in the
 * page's URL, the presigned URLs and the bucket's CORS rules.
 */
export function resolveHosts(config: Pick<DevConfig, 'host' | 'publicHost'>): {
  readonly bindHost: string;
  readonly publicHost: string;
} {
  const bindHost = config.host ?? LOOPBACK;
  const fallback =
    bindHost === LOOPBACK ? 'localhost' : isWildcardHost(bindHost) ? hostname() : bindHost;
  return { bindHost, publicHost: config.publicHost ?? fallback };
}

/** `host` as URLs write it: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}
