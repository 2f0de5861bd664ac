import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DEFAULT_START_TIMEOUT_MS,
  VERSITYGW_BIN_ENV,
  VERSITYGW_CREDENTIALS,
  VERSITYGW_INSTALL_COMMAND,
  VERSITYGW_REGION,
  VERSITYGW_VERSION,
} from './constants.ts';
import { LocalS3StartError } from './errors.ts';
import type { LocalBucket, LocalS3, LocalS3Options } from './types/index.ts';

/** Where `pnpm s3:install` builds the binary, and the stamp naming the release it built. */
export const VERSITYGW_INSTALL_DIR = fileURLToPath(new URL('../.bin/', import.meta.url));
export const VERSITYGW_DEFAULT_BIN = join(VERSITYGW_INSTALL_DIR, 'versitygw');
export const VERSITYGW_STAMP = join(VERSITYGW_INSTALL_DIR, 'versitygw.version');

/**
 * The versitygw binary to run: `VERSITYGW_BIN` when set, else the one `pnpm s3:install` built
 * (which must be the pinned release, so every machine tests against the same server).
 * @throws LocalS3StartError naming the install command.
 */
export function resolveVersityGw(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[VERSITYGW_BIN_ENV]?.trim();
  if (configured) {
    if (!existsSync(configured)) {
      throw new LocalS3StartError(
        `${VERSITYGW_BIN_ENV}=${configured} names no file. Point it at a versitygw binary, or unset ` +
          `it and run ${VERSITYGW_INSTALL_COMMAND} to build ${VERSITYGW_VERSION}.`,
      );
    }
    return configured;
  }
  if (!existsSync(VERSITYGW_DEFAULT_BIN)) {
    throw new LocalS3StartError(
      `versitygw (the Versity S3 Gateway, the S3 server the conformance tests and DEV_S3=versitygw ` +
        `run on) is not installed. Run ${VERSITYGW_INSTALL_COMMAND} to build ${VERSITYGW_VERSION} ` +
        `with Go 1.25+, or set ${VERSITYGW_BIN_ENV} to a versitygw binary.`,
    );
  }
  const built = existsSync(VERSITYGW_STAMP) ? readFileSync(VERSITYGW_STAMP, 'utf8').trim() : '';
  if (built !== VERSITYGW_VERSION) {
    throw new LocalS3StartError(
      `The installed versitygw is ${built || 'of an unknown release'}, but the project is tested on ` +
        `${VERSITYGW_VERSION}. Run ${VERSITYGW_INSTALL_COMMAND} to rebuild it.`,
    );
  }
  return VERSITYGW_DEFAULT_BIN;
}

/** A port that was free a moment ago (versitygw cannot report the one it bound to port 0). */
async function freePort(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the gateway answers HTTP (any status), or rejects with why it did not. */
async function waitUntilListening(
  child: ChildProcess,
  endpoint: string,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with code ${child.exitCode ?? child.signalCode}. ${output()}`);
    }
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`not ready within ${timeoutMs} ms. ${output()}`);
}

async function configureBuckets(
  client: S3Client,
  buckets: readonly LocalBucket[],
  versioning: boolean,
): Promise<void> {
  for (const bucket of buckets) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket.name }));
    } catch (error) {
      // A persistent data folder (pnpm dev) already has its bucket from the last run.
      if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
    if (versioning) {
      await client.send(
        new PutBucketVersioningCommand({
          Bucket: bucket.name,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
    }
    if (bucket.cors && bucket.cors.length > 0) {
      await client.send(
        new PutBucketCorsCommand({
          Bucket: bucket.name,
          CORSConfiguration: {
            CORSRules: bucket.cors.map((rule) => ({
              AllowedOrigins: [...rule.allowedOrigins],
              AllowedMethods: [...rule.allowedMethods],
              AllowedHeaders: rule.allowedHeaders && [...rule.allowedHeaders],
              ExposeHeaders: rule.exposedHeaders && [...rule.exposedHeaders],
              MaxAgeSeconds: rule.maxAgeSeconds,
            })),
          },
        }),
      );
    }
  }
}

/** A running gateway process. */
interface Gateway {
  kill(): Promise<void>;
}

/** Spawns the gateway and resolves once it answers HTTP; on failure it is killed first. */
async function launchGateway(
  binary: string,
  launch: {
    readonly args: readonly string[];
    readonly endpoint: string;
    readonly timeoutMs: number;
  },
): Promise<Gateway> {
  // Its own VGW_* variables would override these flags: start it with none of them.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VGW_')),
  );
  const child = spawn(binary, launch.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // The gateway is not a Node process: make sure it never outlives the one that started it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const kill = () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  try {
    await waitUntilListening(child, launch.endpoint, launch.timeoutMs, () => output);
  } catch (error) {
    await kill();
    throw error;
  }
  return { kill };
}

function startFailure(where: string, directory: string, message: string): LocalS3StartError {
  const fix = /address already in use/.test(message)
    ? `Port ${where.split(':').pop()} is in use: stop what uses it, or choose another port.`
    : /no such file|permission denied|not a directory|read-only/i.test(message)
      ? `The data folder ${directory} cannot be used: check it exists and is writable, or remove it to start clean.`
      : 'See the message above.';
  return new LocalS3StartError(`versitygw did not start on ${where}: ${message.trim()} ${fix}`);
}

/**
 * Starts the Versity S3 Gateway (posix backend, metadata in extended attributes, or in sidecar
 * files where the file system has none) and creates the buckets, with versioning when asked. Unlike s3rver it verifies
 * signatures, POST policies and conditional writes, and keeps versions.
 * @throws LocalS3StartError when the binary is missing (naming the install command), the port
 * is in use, the folder is unusable, or it is not ready in time.
 */
export async function startVersityGw(options: LocalS3Options = {}): Promise<LocalS3> {
  const binary = resolveVersityGw();
  const address = options.address ?? '127.0.0.1';
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'versitygw-')));
  const folders = {
    root: join(directory, 'buckets'),
    versions: join(directory, 'versions'),
    meta: join(directory, 'meta'),
  };
  const cleanUp = async () => {
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
  };
  try {
    for (const folder of Object.values(folders)) await mkdir(folder, { recursive: true });
  } catch (error) {
    await cleanUp();
    throw startFailure(`${address}:${options.port ?? 0}`, directory, (error as Error).message);
  }

  const port = options.port && options.port > 0 ? options.port : await freePort(address);
  const where = `${address}:${port}`;
  const endpoint = `http://${address}:${port}`;
  const credentials = VERSITYGW_CREDENTIALS;
  const launch = (sidecar: boolean) =>
    launchGateway(binary, {
      args: [
        '--access',
        credentials.accessKeyId,
        '--secret',
        credentials.secretAccessKey,
        '--region',
        VERSITYGW_REGION,
        '--port',
        where,
        '--keep-alive',
        '--quiet',
        'posix',
        ...(sidecar ? ['--sidecar', folders.meta] : []),
        ...(options.versioning === false ? [] : ['--versioning-dir', folders.versions]),
        folders.root,
      ],
      endpoint,
      timeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    });

  // Metadata in extended attributes, where the file system has them: v1.8.0's sidecar files
  // serve an object written over a purged delete marker as still deleted. Sidecar files are
  // the fallback for file systems without user xattrs.
  let gateway: Gateway;
  try {
    gateway = await launch(false).catch((error: Error) => {
      if (/xattr/i.test(error.message)) return launch(true);
      throw error;
    });
  } catch (error) {
    await cleanUp();
    throw startFailure(where, directory, (error as Error).message);
  }
  const client = new S3Client({
    region: VERSITYGW_REGION,
    endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await configureBuckets(client, options.buckets ?? [], options.versioning !== false);
  } catch (error) {
    await gateway.kill();
    await cleanUp();
    throw startFailure(where, directory, (error as Error).message);
  } finally {
    client.destroy();
  }

  let stopped: Promise<void> | undefined;
  return {
    engine: 'versitygw',
    endpoint,
    port,
    directory,
    credentials,
    region: VERSITYGW_REGION,
    stop() {
      stopped ??= gateway.kill().then(cleanUp);
      return stopped;
    },
  };
}
