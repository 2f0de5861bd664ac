import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** s3rver accepts any secret for its one built-in access key id. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A CORS rule for a bucket of the embedded server (the shape of the storage package's rules). */
export interface LocalCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders?: readonly string[];
  readonly exposedHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** A bucket the server creates at start. */
export interface LocalBucket {
  readonly name: string;
  /** CORS rules for browser access. @default - none: browsers are refused */
  readonly cors?: readonly LocalCorsRule[];
}

/** Options for {@link startLocalS3}. */
export interface LocalS3Options {
  /** Loopback address to bind. @default '127.0.0.1' */
  readonly address?: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Folder the objects are kept in. @default - a new temporary folder, removed on stop */
  readonly directory?: string;
  /** Buckets to create at start. @default [] */
  readonly buckets?: readonly LocalBucket[];
  /** Milliseconds to wait for the server to be ready. @default 15000 */
  readonly startTimeoutMs?: number;
}

/** A running embedded S3 server. */
export interface LocalS3 {
  /** `http://127.0.0.1:PORT`, for `S3_ENDPOINT`. */
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** Stops the server (and removes its folder when it made a temporary one). */
  stop(): Promise<void>;
}

/** Raised when the embedded server cannot start: port in use, unusable folder, timeout. */
export class LocalS3StartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalS3StartError';
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The `CORSConfiguration` XML s3rver reads for a bucket. */
export function corsXml(rules: readonly LocalCorsRule[]): string {
  const tag = (name: string, values: readonly string[] = []) =>
    values.map((v) => `<${name}>${escapeXml(v)}</${name}>`).join('');
  const body = rules
    .map(
      (rule) =>
        `<CORSRule>${tag('AllowedOrigin', rule.allowedOrigins)}${tag('AllowedMethod', rule.allowedMethods)}` +
        `${tag('AllowedHeader', rule.allowedHeaders)}${tag('ExposeHeader', rule.exposedHeaders)}` +
        `${rule.maxAgeSeconds === undefined ? '' : `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>`}</CORSRule>`,
    )
    .join('');
  return `<CORSConfiguration>${body}</CORSConfiguration>`;
}

/**
 * Starts s3rver in a child process (under `--openssl-legacy-provider`, which its paginated
 * listings need on OpenSSL 3) and resolves once it listens.
 * @throws LocalS3StartError with the cause and the fix (a port in use, a bad folder).
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'local-s3-')));
  const script = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', script], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      LOCAL_S3_OPTIONS: JSON.stringify({
        address: options.address ?? '127.0.0.1',
        port: options.port ?? 0,
        directory,
        buckets: (options.buckets ?? []).map((b) => ({
          name: b.name,
          corsXml: b.cors && b.cors.length > 0 ? corsXml(b.cors) : undefined,
        })),
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const cleanUp = async () => {
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
  };

  const ready = await new Promise<{
    ready: boolean;
    port?: number;
    address?: string;
    code?: string;
    message?: string;
  }>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          ready: false,
          message: `not ready within ${options.startTimeoutMs ?? 15_000} ms`,
        }),
      options.startTimeoutMs ?? 15_000,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ ready: false, message: line });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ready: false, message: `exited with code ${code}. ${stderr.trim()}` });
    });
  });
  if (!ready.ready || ready.port === undefined) {
    child.kill('SIGKILL');
    await cleanUp();
    const where = `${options.address ?? '127.0.0.1'}:${options.port ?? 0}`;
    const fix =
      ready.code === 'EADDRINUSE'
        ? `Port ${options.port} is in use: stop what uses it, or choose another port.`
        : ready.code === 'EACCES' || ready.code === 'ENOENT' || ready.code === 'ENOTDIR'
          ? `The data folder ${directory} cannot be used: check it exists and is writable, or remove it to start clean.`
          : 'See the message above.';
    throw new LocalS3StartError(
      `The embedded S3 server did not start on ${where}: ${ready.message}. ${fix}`,
    );
  }
  const endpoint = `http://${ready.address ?? '127.0.0.1'}:${ready.port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port: ready.port,
    directory,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }).then(cleanUp);
      return stopped;
    },
  };
}
