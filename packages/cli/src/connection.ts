import { type Environment, validateRegion } from '@autobio/s3-storage';
import { readHttpUrl } from '@autobio/s3-storage/settings';
import { EXIT_USAGE } from './constants.ts';
import { CliError, checkOption, InvalidOptionError } from './errors.ts';
import type { ConnectionContext, ConnectionOptions } from './types/connection.ts';

/** `--local` found no `pnpm dev` running on the data folder it looked at. Nothing was attempted. */
export class LocalDevNotRunningError extends CliError {
  public constructor(reason: string, options?: { cause?: unknown }) {
    super(
      'LocalDevNotRunning',
      `--local: ${reason} Start it with \`pnpm dev\` at the repository's root and run this ` +
        'again; a pnpm dev started with DEV_DATA_DIR=<folder> is found with the same ' +
        'DEV_DATA_DIR here. Without pnpm dev, drop --local and pass --endpoint-url (or set ' +
        'S3_ENDPOINT, S3_BUCKET_NAME and the keys).',
      { ...options, exitCode: EXIT_USAGE },
    );
  }
}

/** The settings of the `pnpm dev` that runs, as the storage package's variables. */
async function localEnvironment(env: Environment) {
  // Loaded only for --local: the dev package brings the whole local stack with it.
  const { LocalConnectionError, localConnectionEnvironment, readLocalConnection, resolveDataDir } =
    await import('@autobio/dev');
  const dataDir = resolveDataDir(env as NodeJS.ProcessEnv);
  const connection = await readLocalConnection(dataDir).catch((error: unknown) => {
    if (error instanceof LocalConnectionError) {
      throw new LocalDevNotRunningError(error.message, { cause: error });
    }
    throw error;
  });
  if (!connection) {
    throw new LocalDevNotRunningError(
      `no pnpm dev is running on the data folder ${dataDir} (DEV_DATA_DIR ` +
        `${env.DEV_DATA_DIR?.trim() ? `is ${JSON.stringify(env.DEV_DATA_DIR.trim())}` : 'is not set'}): ` +
        'it holds no connection settings, or only those of a pnpm dev that has stopped.',
    );
  }
  return {
    env: localConnectionEnvironment(connection),
    context: {
      local: { engine: connection.engine, dataDir: connection.dataDir },
      endpointFrom: '--local' as const,
    },
  };
}

/**
 * Applies the connection options to the environment, each winning over the variable it stands
 * for, as the help says; `--profile` drops BACKEND_AWS_KEY/BACKEND_AWS_SECRET, so that the
 * profile's credentials are used.
 * @throws InvalidOptionError for a bad value; LocalDevNotRunningError when `--local` finds no
 *   pnpm dev.
 */
export async function resolveConnection(env: Environment, options: ConnectionOptions) {
  if (options.local) {
    const local = await localEnvironment(env);
    return { env: { ...env, ...local.env }, context: local.context };
  }
  const { endpointUrl, region, profile } = options;
  const resolved: Record<string, string | undefined> = { ...env };
  let endpointFrom: ConnectionContext['endpointFrom'] = env.S3_ENDPOINT?.trim()
    ? 'S3_ENDPOINT'
    : undefined;
  if (endpointUrl !== undefined) {
    const example = 'http://127.0.0.1:4569';
    checkOption('--endpoint-url', endpointUrl, () =>
      readHttpUrl({ '--endpoint-url': endpointUrl }, '--endpoint-url', example),
    );
    resolved.S3_ENDPOINT = endpointUrl;
    endpointFrom = '--endpoint-url';
  }
  if (region !== undefined) {
    checkOption('--region', region, () => validateRegion(region, '--region'));
    resolved.S3_CLIENT_REGION = region;
  }
  if (profile !== undefined) {
    if (!/^[\w.@+-]+$/.test(profile)) {
      throw new InvalidOptionError(
        '--profile',
        profile,
        'give the name of a profile of the shared AWS config (~/.aws/config), as `aws configure list-profiles` lists them.',
      );
    }
    delete resolved.BACKEND_AWS_KEY;
    delete resolved.BACKEND_AWS_SECRET;
  }
  return { env: resolved, context: { endpointFrom, profile } };
}
