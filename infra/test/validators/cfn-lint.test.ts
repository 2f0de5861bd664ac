import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../lib/index.ts';
import {
  APP_VARIANTS,
  type AppVariant,
  type SynthesizedTemplate,
  synthValidatedApp,
  type ValidatedSynth,
} from '../helpers/validated-synth.ts';

const REQUIREMENTS = new URL('../../requirements.txt', import.meta.url);
const INSTALL = 'pip install -r infra/requirements.txt';

/** The cfn-lint version infra/requirements.txt pins. */
const PINNED_VERSION = /^cfn-lint==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'))?.[1];

/** One finding of `cfn-lint --format json`. */
interface LintFinding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
  readonly Rule: { readonly Id: string };
}

/**
 * Findings let through, each narrowed to where it is known to come from and why it is harmless.
 * Everything else, warnings included, fails the test.
 */
const IGNORED: readonly {
  readonly rule: string;
  readonly why: string;
  matches(f: LintFinding): boolean;
}[] = [
  {
    rule: 'W3005',
    why:
      'aws-cdk-lib makes each Lambda function DependsOn its role (and the role policy); the ' +
      "function's Fn::GetAtt of the role already orders them, so that DependsOn entry is " +
      'redundant, not wrong.',
    matches: (f) =>
      /enforced by a 'GetAtt' at 'Resources\/[^/]+\/Properties\/Role'$/.test(f.Message),
  },
];

function cfnLint(args: readonly string[]) {
  return spawnSync('cfn-lint', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Lints templates grouped by region (a replica stack lives in another one). */
function lint(templates: readonly SynthesizedTemplate[]): LintFinding[] {
  const regions = [...new Set(templates.map((t) => t.region))];
  return regions.flatMap((region) => {
    const group = templates.filter((t) => t.region === region);
    const run = cfnLint([
      '--format',
      'json',
      '--regions',
      region,
      '--',
      ...group.map((t) => t.templatePath),
    ]);
    // Exit codes are bit flags of the levels found; only output that is not JSON is a failure.
    if (run.error || !run.stdout.trim().startsWith('[')) {
      throw new Error(`cfn-lint failed (exit ${run.status}): ${run.error ?? run.stderr}`);
    }
    return JSON.parse(run.stdout) as LintFinding[];
  });
}

describe('cfn-lint', () => {
  it(`is installed at the version infra/requirements.txt pins (${INSTALL})`, () => {
    const run = cfnLint(['--version']);

    expect(
      run.error === undefined,
      `cfn-lint is not on PATH (${run.error?.message}): run \`${INSTALL}\`.`,
    ).toBe(true);
    expect(run.stdout.trim(), `run \`${INSTALL}\` for the pinned version`).toBe(
      `cfn-lint ${PINNED_VERSION}`,
    );
  });
});

const synths = new Map<AppVariant, ValidatedSynth>();
const findings = new Map<AppVariant, LintFinding[]>();

beforeAll(() => {
  for (const variant of Object.keys(APP_VARIANTS) as AppVariant[]) {
    const synth = synthValidatedApp(variant);
    synths.set(variant, synth);
    // Without cfn-lint, the version test above names the install command; these fail too.
    if (cfnLint(['--version']).error === undefined) findings.set(variant, lint(synth.templates));
  }
}, 180_000);

afterAll(() => {
  for (const synth of synths.values()) synth.dispose();
});

describe.each(Object.keys(APP_VARIANTS) as AppVariant[])('cfn-lint, app %s,', (variant) => {
  it.each(ENVIRONMENT_NAMES)('finds no error or warning in the templates of %s', (environment) => {
    const synth = synths.get(variant) as ValidatedSynth;
    const all = findings.get(variant);
    if (all === undefined) throw new Error(`cfn-lint did not run: run \`${INSTALL}\`.`);
    const files = synth.templates
      .filter((t) => t.environment === environment)
      .map((t) => t.templatePath);

    const left = all
      .filter((f) => files.includes(f.Filename))
      .filter((f) => !IGNORED.some((ignored) => ignored.rule === f.Rule.Id && ignored.matches(f)))
      .map((f) => ({
        rule: f.Rule.Id,
        level: f.Level,
        file: relative(synth.outdir, f.Filename),
        at: f.Location.Path.join('/'),
        message: f.Message,
      }));

    expect(files.length).toBeGreaterThan(0);
    expect(left).toEqual([]);
  });
});
