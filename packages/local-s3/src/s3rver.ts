import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_START_TIMEOUT_MS, LOCAL_S3_CREDENTIALS } from './constants.ts';
import { corsXml } from './cors-xml.ts';
import { LocalS3StartError } from './errors.ts';
import type { LocalS3, LocalS3Options } from './types/index.ts';

/**
 * Starts s3rver (a fake: no signature, policy, versioning or conditional-write checks) in a child process (under `--openssl-legacy-provider`, which its paginated
 * listings need on OpenSSL 3) and resolves once it listens.
 * @throws LocalS3StartError with the cause and the fix (a port in use, a bad folder).
 */
export async function startS3rver(options: LocalS3Options = {}): Promise<LocalS3> {
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
          message: `not ready within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms`,
        }),
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
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
    engine: 's3rver',
    endpoint,
    credentials: LOCAL_S3_CREDENTIALS,
    region: 'us-east-1',
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
