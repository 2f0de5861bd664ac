import { createRequire } from 'node:module';
import {
  ConfigurationError,
  ENVIRONMENT_VARIABLES,
  InvalidKeyError,
  STORAGE_AREAS,
  InvalidArgumentError as StorageArgumentError,
} from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import { wholeNumber } from '@autobio/s3-storage/settings';
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { createMigrationTarget } from './clients.ts';
import { resolveConnection } from './connection.ts';
import {
  CLI_NAME,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PAGE_SIZE,
  DEFAULT_PART_CONCURRENCY,
  DEFAULT_PROBE_AREA,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  MAX_CONCURRENCY,
} from './constants.ts';
import { CHECK_IDS, doctorExitCode, runDoctor } from './doctor.ts';
import { formatDoctorReport } from './doctor-report.ts';
import { CliError } from './errors.ts';
import { runMigration } from './migrate.ts';
import { formatMigrationReport } from './migrate-report.ts';
import { createProgressListener } from './progress.ts';
import type { CliContext } from './types/context.ts';
import type { CheckId, DoctorOptions } from './types/doctor.ts';
import type { MigrationOptions } from './types/migrate.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Parses a whole number option by the shared rule of every package. */
function wholeNumberOption(min: number, max: number) {
  const schema = wholeNumber(min, max);
  const problem = `Use a whole number from ${min} to ${max}.`;
  return (value: string): number => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(problem);
    return parsed.data;
  };
}

function checkList(value: string): CheckId[] {
  const ids = value.split(',').flatMap((id) => id.trim() || []);
  const unknown = ids.filter((id) => !(CHECK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown check ${unknown.join(', ')}: use ${CHECK_IDS.join(', ')}.`,
    );
  }
  return ids as CheckId[];
}

type MigrateCommandOptions = Omit<MigrationOptions, 'progress'> & {
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly json?: boolean;
  readonly progress: boolean;
};

function repeatable(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

const help = new Help();

/** Words joined into lines of at most 96 characters, each indented by two spaces. */
function wrap(words: readonly string[]): string {
  return help.boxWrap(words.join(' '), 94).replace(/^/gm, '  ');
}

const ENVIRONMENT_HELP = `
Configuration is read from the environment, as the server reads it (S3_BUCKET_NAME is required;
S3_ENDPOINT points at a local S3-compatible server):
${wrap(ENVIRONMENT_VARIABLES)}
The options before or after the command win over them: --endpoint-url over S3_ENDPOINT, --region
over S3_CLIENT_REGION, --profile over BACKEND_AWS_KEY/BACKEND_AWS_SECRET and AWS_PROFILE.
--local takes the endpoint, bucket, region and keys of the pnpm dev that runs (from the
connection settings it writes in its data folder, DEV_DATA_DIR or .local-s3/).

Exit codes: 0 all good, 1 something failed, 2 bad usage or configuration, 130 interrupted.`;

const DOCTOR_HELP = `
Checks, in order:
${wrap(CHECK_IDS)}
The probe object is written under <area prefix>_doctor/ and deleted even when a step fails.

--s3-uri is checked as POST /illustrations/{kind} checks the service's answer: in this bucket,
a generated key ({generated prefix}{memory|subject}/{userId}/{timestamp}-{uuid}.png), and stored.

Exit codes: 0 no check failed, 1 a check failed (or warned, with --strict), 2 the configuration
does not load (the config check fails) or the command line is wrong.

Examples:
  $ ${CLI_NAME} doctor --local                # the S3 of the pnpm dev that runs
  $ ${CLI_NAME} doctor --endpoint-url http://127.0.0.1:4569
  $ ${CLI_NAME} doctor --profile prod --region eu-west-1
  $ ${CLI_NAME} doctor --json --s3-uri s3://auto-bio-illustrations/generated/memory/u1/0001714521600000-3b241101-e2bb-4255-8caf-4136c566a962.png
  $ ${CLI_NAME} doctor --warn-only versioning,region`;

const MIGRATE_HELP = `
--to takes an area of the key layout, resolved with the configured prefixes:
${wrap(STORAGE_AREAS)}
or a key prefix inside the layout, ending in "/" (generated/memory/legacy/). Keys keep their
path below the source prefix: s3://old/photos/u1/1714521600000-<uuid>.png with --to
generated/memory -> generated/memory/u1/1714521600000-<uuid>.png.

A key no route of the API reads (generated/u1/img-1.png: the app lists only
generated/{kind}/{userId}/{timestamp}-{uuid}.png) is refused, not copied, with the --to (or
--from) that would fit; --allow-unlisted copies such keys anyway, as an archive.

--include and --exclude take globs, matched against the key below the source prefix
(u1/a.png for s3://old/photos/u1/a.png with --from s3://old/photos), each as often as needed:
a key is copied when it matches an --include (or none is given) and no --exclude. "*" matches
within a folder, "**" across folders, "?" one character, [abc] and {png,webp} as in the shell;
a glob without "/" matches the last segment at any depth ("*.png": every PNG).

Objects already at the destination with the same size and ETag (or checksum) are skipped, so
rerunning an interrupted migration copies only the rest. A different object at the destination
is a conflict: it is left alone, listed, and makes the exit code 1, unless --overwrite.
Copies are conditional on the destination being as listed (absent, or the listed ETag with
--overwrite): an object written there during the run is a conflict too, never replaced.
The source is only read.

Examples:
  $ ${CLI_NAME} migrate --from s3://autobio-staging/illustrations --to generated --dry-run
  $ ${CLI_NAME} migrate --from s3://autobio-assets/stubs/ --to stubs --include '*.png' --verify
  $ ${CLI_NAME} migrate --local --from s3://autobio-legacy/memories --to generated/memory
  $ ${CLI_NAME} migrate --from s3://old --to generated/legacy/ --allow-unlisted --exclude '**/tmp/**'
  $ ${CLI_NAME} migrate --from s3://old --to generated --json > report.json`;

/**
 * Runs the command line `argv` (without the node and script paths) and resolves with the exit
 * code. Writes only to the context's streams and never exits the process, so tests can run it.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  let exitCode = EXIT_OK;
  let json = false;
  const program = new Command()
    .name(CLI_NAME)
    .description(
      'Operations for the AutoBio bucket: check the setup (doctor) and consolidate old ' +
        'buckets into it (migrate).',
    )
    .version(version)
    .exitOverride()
    // Every line the CLI prints may hold an endpoint a user gave, password and all.
    .configureOutput({
      writeOut: (text) => context.stdout.write(redactUrl(text)),
      writeErr: (text) => context.stderr.write(redactUrl(text)),
      getOutHelpWidth: () => context.stdout.columns ?? 100,
      getErrHelpWidth: () => context.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      new Option(
        '--local',
        'use the embedded S3 of the pnpm dev that runs: its endpoint, bucket, region and keys',
      ).conflicts(['endpointUrl', 'region', 'profile']),
    )
    .option(
      '--endpoint-url <url>',
      'send requests to this S3-compatible endpoint (wins over S3_ENDPOINT)',
    )
    .option('--region <region>', "the bucket's region (wins over S3_CLIENT_REGION)")
    .option(
      '--profile <name>',
      'use the credentials of this profile of the shared AWS config (wins over BACKEND_AWS_KEY and AWS_PROFILE)',
    )
    .addHelpText('after', ENVIRONMENT_HELP);
  const write = (stream: CliContext['stdout'], text: string) => stream.write(redactUrl(text));
  const printJson = (value: unknown) =>
    write(context.stdout, `${JSON.stringify(value, null, 2)}\n`);
  const print = <T>(report: T, format: (report: T) => string) =>
    json ? printJson(report) : write(context.stdout, format(report));

  program
    .command('doctor')
    .description(
      "Check the setup against the spec's Troubleshooting: configuration, credentials, bucket, " +
        'region, put/read/delete of a probe object, versioning; each with its fix.',
    )
    .option('--json', 'print the report as JSON')
    .option(
      '--s3-uri <uri>',
      'also check that an S3 URI from the illustration-gen service is in the bucket',
    )
    .addOption(
      new Option('--probe-area <area>', 'layout area to write the probe object under')
        .choices(STORAGE_AREAS)
        .default(DEFAULT_PROBE_AREA),
    )
    .option(
      '--warn-only <checks>',
      'comma-separated checks whose failure is only a warning (default: versioning when S3_ENDPOINT is set, else none)',
      checkList,
    )
    .option('--strict', 'count warnings as failures')
    .addHelpText('after', DOCTOR_HELP)
    .action(async ({ json: asJson, ...options }: DoctorOptions & { json?: boolean }) => {
      json = asJson === true;
      const connection = await resolveConnection(context.env, program.opts());
      const report = await runDoctor(connection.env, {
        ...options,
        connection: connection.context,
      });
      print(report, formatDoctorReport);
      exitCode = doctorExitCode(report);
    });

  program
    .command('migrate')
    .description(
      "Copy objects from an old bucket into this one, server-side (the spec's Migration Guide): " +
        'resumable, never overwriting unless asked.',
    )
    .requiredOption('--from <s3-uri>', 'what to copy: s3://old-bucket or s3://old-bucket/prefix/')
    .requiredOption('--to <area-or-prefix>', 'where in the bucket: a layout area or a key prefix')
    .option('--dry-run', 'list what would be copied, skipped or in conflict; write nothing')
    .option('--overwrite', 'replace destination objects that differ from their source')
    .option(
      '--verify',
      'after copying, re-read both sides (HEAD) and compare size, content, type and metadata',
    )
    .option(
      '--concurrency <n>',
      'objects copied at once',
      wholeNumberOption(1, MAX_CONCURRENCY),
      DEFAULT_CONCURRENCY,
    )
    .option(
      '--max-attempts <n>',
      "tries per request; the SDK's adaptive retries back off between them",
      wholeNumberOption(1, 20),
      DEFAULT_MAX_ATTEMPTS,
    )
    .option(
      '--page-size <n>',
      'keys per listing page',
      wholeNumberOption(1, 1000),
      DEFAULT_PAGE_SIZE,
    )
    .option('--from-region <region>', "the source bucket's region (default: asked of the bucket)")
    .option(
      '--include <glob>',
      'copy only keys below the source prefix that match (repeatable; see below)',
      repeatable,
    )
    .option(
      '--exclude <glob>',
      'leave out keys below the source prefix that match (repeatable)',
      repeatable,
    )
    .option(
      '--allow-unlisted',
      'also copy keys no route of the API reads (an archive, such as generated/legacy/...); they are refused otherwise',
    )
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'draw no progress bar (or lines, when not on a terminal)')
    .addHelpText('after', MIGRATE_HELP)
    .action(async (options: MigrateCommandOptions) => {
      const { json: asJson, maxAttempts, progress, ...migration } = options;
      json = asJson === true;
      const connection = await resolveConnection(context.env, program.opts());
      const target = createMigrationTarget(connection.env, {
        maxSockets: migration.concurrency + DEFAULT_PART_CONCURRENCY,
        maxAttempts,
        connection: connection.context,
      });
      try {
        const report = await runMigration(target, {
          ...migration,
          progress: progress ? createProgressListener(context.stderr) : undefined,
          signal: context.signal,
        });
        print(report, formatMigrationReport);
        exitCode = report.interrupted ? EXIT_INTERRUPTED : report.ok ? EXIT_OK : EXIT_FAILURE;
      } finally {
        target.destroy();
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const message = error instanceof Error ? error.message : String(error);
    write(context.stderr, `error: ${message}\n`);
    if (json) {
      const { name, code } = error as { name?: string; code?: string };
      printJson({ ok: false, error: { name, code, message } });
    }
    if (error instanceof CliError) return error.exitCode;
    const usage = [ConfigurationError, InvalidKeyError, StorageArgumentError];
    return usage.some((type) => error instanceof type) ? EXIT_USAGE : EXIT_FAILURE;
  }
}
