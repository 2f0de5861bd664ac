import { createRequire } from 'node:module';
import {
  ConfigurationError,
  ENVIRONMENT_VARIABLES,
  InvalidKeyError,
  STORAGE_AREAS,
  InvalidArgumentError as StorageArgumentError,
} from '@autobio/s3-storage';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createMigrationTarget } from './clients.ts';
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
import { CHECK_IDS, runDoctor } from './doctor.ts';
import { formatDoctorReport } from './doctor-report.ts';
import { CliError } from './errors.ts';
import { runMigration } from './migrate.ts';
import { formatMigrationReport } from './migrate-report.ts';
import { createProgressListener } from './progress.ts';
import type { CliContext } from './types/context.ts';
import type { CheckId } from './types/doctor.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`Use a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

function checkList(value: string): CheckId[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !(CHECK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown check ${unknown.join(', ')}: use ${CHECK_IDS.join(', ')}.`,
    );
  }
  return ids as CheckId[];
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (
    error instanceof ConfigurationError ||
    error instanceof InvalidKeyError ||
    error instanceof StorageArgumentError
  ) {
    return EXIT_USAGE;
  }
  return EXIT_FAILURE;
}

/** Words joined into lines of at most `width` characters, each indented. */
function wrap(words: readonly string[], width = 96, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

const ENVIRONMENT_HELP = `
Configuration is read from the environment, as the server reads it (S3_BUCKET_NAME is required;
S3_ENDPOINT points at a local S3-compatible server):
${wrap(ENVIRONMENT_VARIABLES)}

Exit codes: 0 all good, 1 something failed, 2 bad usage or configuration, 130 interrupted.`;

const DOCTOR_HELP = `
Checks, in order:
${wrap(CHECK_IDS)}
The probe object is written under <area prefix>_doctor/ and deleted even when a step fails.

Examples:
  $ ${CLI_NAME} doctor
  $ ${CLI_NAME} doctor --json --s3-uri s3://auto-bio-illustrations/generated/memory/u1/x.png
  $ ${CLI_NAME} doctor --warn-only versioning,region`;

const MIGRATE_HELP = `
--to takes an area of the key layout, resolved with the configured prefixes:
${wrap(STORAGE_AREAS)}
or a key prefix inside the layout, ending in "/" (generated/memory/legacy/). Keys keep their
path below the source prefix: s3://old/photos/a/b.png -> generated/a/b.png.

Objects already at the destination with the same size and ETag (or checksum) are skipped, so
rerunning an interrupted migration copies only the rest. A different object at the destination
is a conflict: it is left alone, listed, and makes the exit code 1, unless --overwrite.
Copies are conditional on the destination being as listed (absent, or the listed ETag with
--overwrite): an object written there during the run is a conflict too, never replaced.
The source is only read.

Examples:
  $ ${CLI_NAME} migrate --from s3://autobio-staging --to generated --dry-run
  $ ${CLI_NAME} migrate --from s3://autobio-assets/stubs/ --to stubs --verify
  $ ${CLI_NAME} migrate --from s3://old --to generated/memory/legacy/ --json > report.json`;

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
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      getOutHelpWidth: () => context.stdout.columns ?? 100,
      getErrHelpWidth: () => context.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ENVIRONMENT_HELP);

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
    .action(
      async (options: {
        json?: boolean;
        s3Uri?: string;
        probeArea: string;
        warnOnly?: CheckId[];
        strict?: boolean;
      }) => {
        json = options.json === true;
        const report = await runDoctor(context.env, {
          probeArea: options.probeArea,
          ...(options.s3Uri !== undefined ? { s3Uri: options.s3Uri } : {}),
          ...(options.warnOnly ? { warnOnly: options.warnOnly } : {}),
          strict: options.strict === true,
        });
        context.stdout.write(
          json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report),
        );
        exitCode = report.ok ? EXIT_OK : EXIT_FAILURE;
      },
    );

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
      wholeNumber(1, MAX_CONCURRENCY),
      DEFAULT_CONCURRENCY,
    )
    .option(
      '--max-attempts <n>',
      "tries per request; the SDK's adaptive retries back off between them",
      wholeNumber(1, 20),
      DEFAULT_MAX_ATTEMPTS,
    )
    .option('--page-size <n>', 'keys per listing page', wholeNumber(1, 1000), DEFAULT_PAGE_SIZE)
    .option('--from-region <region>', "the source bucket's region (default: asked of the bucket)")
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'draw no progress bar (or lines, when not on a terminal)')
    .addHelpText('after', MIGRATE_HELP)
    .action(
      async (options: {
        from: string;
        to: string;
        dryRun?: boolean;
        overwrite?: boolean;
        verify?: boolean;
        concurrency: number;
        maxAttempts: number;
        pageSize: number;
        fromRegion?: string;
        json?: boolean;
        progress: boolean;
      }) => {
        json = options.json === true;
        const target = createMigrationTarget(context.env, {
          maxSockets: options.concurrency + DEFAULT_PART_CONCURRENCY,
          maxAttempts: options.maxAttempts,
        });
        try {
          const report = await runMigration(target, {
            from: options.from,
            to: options.to,
            dryRun: options.dryRun === true,
            overwrite: options.overwrite === true,
            verify: options.verify === true,
            concurrency: options.concurrency,
            pageSize: options.pageSize,
            ...(options.fromRegion !== undefined ? { fromRegion: options.fromRegion } : {}),
            ...(options.progress ? { progress: createProgressListener(context.stderr) } : {}),
            ...(context.signal ? { signal: context.signal } : {}),
          });
          context.stdout.write(
            json ? `${JSON.stringify(report, null, 2)}\n` : formatMigrationReport(report),
          );
          exitCode = report.interrupted ? EXIT_INTERRUPTED : report.ok ? EXIT_OK : EXIT_FAILURE;
        } finally {
          target.destroy();
        }
      },
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const message = error instanceof Error ? error.message : String(error);
    context.stderr.write(`error: ${message}\n`);
    if (json) {
      const { name, code } = error as { name?: string; code?: string };
      context.stdout.write(
        `${JSON.stringify({ ok: false, error: { name, code, message } }, null, 2)}\n`,
      );
    }
    return exitCodeOf(error);
  }
}
