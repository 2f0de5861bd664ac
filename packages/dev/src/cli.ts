import { join } from 'node:path';
import { createS3Storage, type S3Storage } from '@autobio/s3-storage';
import { Command } from 'commander';
import { startBanner } from './banner.ts';
import { bucketStartError } from './bucket-errors.ts';
import { type DevConfig, loadDevConfig, REPO_ROOT, validateHost } from './config.ts';
import { readLocalConnection } from './connection.ts';
import { ALL_INTERFACES, ENV_FILE_NAME } from './constants.ts';
import { resetDataDir } from './data-folder.ts';
import { type LoadedEnvFile, loadEnvFile } from './env-file.ts';
import { startLocalStack } from './local-stack.ts';
import { seedSampleUsers, seedStubs } from './seed.ts';

const ENVIRONMENT_HELP = `
Environment (also read from ${ENV_FILE_NAME} at the repo's root; the environment's own values win):
  DEV_PORT, DEV_S3_PORT    ports of the page/API and of the embedded S3 (default 3000, 4569; 0: any free)
  DEV_DATA_DIR             the embedded S3's folder, with the lock and connection files (default .local-s3)
  DEV_S3                   s3rver (default) or versitygw (pnpm s3:install first)
  DEV_HOST                 as --host
  DEV_PUBLIC_HOST          as --public-host
  DEV_WATCH=1              as --watch
  DEV_ILLUSTRATION_GEN     fake: the fake illustration-gen service; fake-foreign-bucket: one that
                           answers images in another bucket (generate answers 502 ForeignBucket)
  DEV_LOG_REQUESTS=1       one line per request
  DEV_ENV_FILE             another file than ${ENV_FILE_NAME}
  S3_BUCKET_NAME           a real bucket instead of the embedded S3 (with S3_CLIENT_REGION, credentials)
`;

/** Time a stop may take before pnpm dev exits without finishing it. */
const STOP_TIMEOUT_MS = 15_000;

/** What the start command's flags set. */
interface StartFlags {
  readonly watch?: boolean;
  readonly host?: string | true;
  readonly publicHost?: string;
}

/** The environment file `pnpm dev` reads, loaded into process.env under the real environment. */
async function loadEnvironmentFile(): Promise<LoadedEnvFile | undefined> {
  const path = process.env.DEV_ENV_FILE?.trim() || join(REPO_ROOT, ENV_FILE_NAME);
  return loadEnvFile(path);
}

function configWithFlags(config: DevConfig, flags: StartFlags): DevConfig {
  return {
    ...config,
    ...(flags.watch ? { watch: true } : {}),
    ...(flags.host !== undefined
      ? { host: flags.host === true ? ALL_INTERFACES : validateHost(flags.host, '--host') }
      : {}),
    ...(flags.publicHost !== undefined
      ? { publicHost: validateHost(flags.publicHost, '--public-host') }
      : {}),
  };
}

async function start(flags: StartFlags): Promise<void> {
  const started = Date.now();
  const envFile = await loadEnvironmentFile();
  const config = configWithFlags(loadDevConfig(), flags);
  const stack = await startLocalStack(
    config,
    process.env.DEV_LOG_REQUESTS ? (line) => console.log(line) : undefined,
  );
  console.log(startBanner(stack, { readyInMs: Date.now() - started, envFile }).join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    // pnpm passes the terminal's Ctrl-C on as well: one signal of each arrives.
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    setTimeout(() => {
      console.error(`pnpm dev did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway.`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    await stack.stop();
    console.log('stopped.');
    // A clean stop is a success: pnpm prints no ELIFECYCLE for it.
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function reset(): Promise<void> {
  await loadEnvironmentFile();
  const { dataDir } = loadDevConfig();
  const outcome = await resetDataDir(dataDir);
  console.log(
    outcome === 'deleted'
      ? `Deleted the data folder ${dataDir}: the next pnpm dev starts with an empty bucket.`
      : `Nothing to delete: the data folder ${dataDir} does not exist.`,
  );
}

async function seedInto(storage: S3Storage, users: boolean): Promise<string[]> {
  return [...(await seedStubs(storage)), ...(users ? await seedSampleUsers(storage) : [])];
}

async function seed(flags: { readonly users?: boolean }): Promise<void> {
  await loadEnvironmentFile();
  const config = loadDevConfig();
  const users = flags.users === true;
  let written: string[];
  let where: string;
  if (config.s3Mode === 'external') {
    const storage = createS3Storage();
    where = `the real bucket ${storage.getBucketName()}`;
    try {
      written = await seedInto(storage, users);
    } catch (error) {
      throw bucketStartError(error, storage.getBucketName()) ?? error;
    }
  } else {
    const running = await readLocalConnection(config.dataDir);
    if (running) {
      where = `the running pnpm dev (pid ${running.pid})`;
      const storage = createS3Storage({
        config: {
          bucketName: running.bucket,
          endpoint: running.endpoint,
          region: running.region,
          credentials: {
            accessKeyId: running.accessKeyId,
            secretAccessKey: running.secretAccessKey,
          },
          forcePathStyle: true,
        },
      });
      written = await seedInto(storage, users);
    } else {
      // No pnpm dev runs on the folder: start its S3 for the time of the seeding, on free ports.
      where = `the data folder ${config.dataDir}`;
      const stack = await startLocalStack({ ...config, port: 0, s3Port: 0, watch: false });
      try {
        written = [
          ...stack.seededStubs,
          ...(users ? await seedSampleUsers(createS3Storage()) : []),
        ];
      } finally {
        await stack.stop();
      }
    }
  }
  console.log(
    written.length > 0
      ? `Seeded ${where} with ${written.join(', ')}.`
      : `Nothing to seed: ${where} has every stub${users ? ' and sample user' : ''} already.`,
  );
}

/** `pnpm dev`'s command line: start (the default), reset and seed. */
export function createDevProgram(): Command {
  const program = new Command('pnpm dev')
    .description(
      "The storage system on this machine: an embedded S3, the API's handlers and a page to try it.",
    )
    .showHelpAfterError()
    .addHelpText('after', ENVIRONMENT_HELP);
  program
    .command('start', { isDefault: true })
    .description('start the local stack (the default command)')
    .option(
      '--watch',
      'reload the handlers when packages/functions/src or packages/s3-storage/src change',
    )
    .option(
      '--host [address]',
      `listen on this address, for containers and other machines (alone: ${ALL_INTERFACES}, every interface)`,
    )
    .option(
      '--public-host <name>',
      'the name browsers reach this machine by, for the page URL, presigned URLs and CORS',
    )
    .addHelpText('after', ENVIRONMENT_HELP)
    .action((flags: StartFlags) => start(flags));
  program
    .command('reset')
    .description('delete the local data folder (only when no pnpm dev runs on it)')
    .action(() => reset());
  program
    .command('seed')
    .description("upload the stub images, and with --users sample users' images, to the bucket")
    .option('--users', 'also give sample users a subject image, an avatar and an illustration')
    .action((flags: { users?: boolean }) => seed(flags));
  return program;
}
