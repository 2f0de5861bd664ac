import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import {
  buildStorageApp,
  ENVIRONMENT_NAMES,
  type EnvironmentName,
  type EnvironmentStacks,
} from '../../lib/index.ts';
import { CFN_GUARD_PLUGIN_NAME, failOnEveryFinding } from '../../lib/nag.ts';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING, type SplitValues, splitValues } from './app.ts';
import { testCdnKeyPair } from './cdn-key.ts';

/** Every opt-in switch on somewhere, so that each construct meets every validator. */
export const EVERYTHING_ON: SplitValues = splitValues({
  'autobio:dev:cdn': true,
  'autobio:dev:cdnPublicKeyPem': testCdnKeyPair().publicKeyPem,
  'autobio:dev:replication': true,
  'autobio:dev:transferAcceleration': true,
  'autobio:dev:archiveAreas': ['generated'],
  'autobio:dev:illustrationGenPrincipal': 'arn:aws:iam::210987654321:role/illustration-gen',
  'autobio:dev:illustrationGenExternalId': 'autobio-dev',
  'autobio:prod:cdn': true,
  'autobio:prod:cdnPublicKeyPem': testCdnKeyPair().publicKeyPem,
  'autobio:prod:replication': true,
  'autobio:prod:corsOrigins': ['https://app.example.com'],
  'autobio:prod:jwtIssuer': 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
  'autobio:prod:jwtAudience': ['1example23456789'],
  'autobio:prod:illustrationGenUrl': 'https://illustration-gen.example.com/generate',
  'autobio:local:serverAccessLogs': false,
});

/** The two apps every validator checks: as configured, and with every opt-in switch on. */
export const APP_VARIANTS = {
  'as configured': splitValues({}),
  'with every opt-in switch on': EVERYTHING_ON,
} as const satisfies Record<string, SplitValues>;

/** A name of {@link APP_VARIANTS}. */
export type AppVariant = keyof typeof APP_VARIANTS;

const REPORT_ONLY = { [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false };

/** One synthesized stack template. */
export interface SynthesizedTemplate {
  readonly stackName: string;
  readonly environment: EnvironmentName;
  /** The stack's region. */
  readonly region: string;
  /** Absolute path of the template file in the synth's output folder. */
  readonly templatePath: string;
  readonly template: CfnTemplate;
}

/** The parts of a CloudFormation template the validators read. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResourceJson>;
  readonly [key: string]: unknown;
}

/** One resource of a template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** One finding of a validation plugin, as CDK's validation report gives it. */
export interface ValidationFinding {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: readonly {
    readonly constructPath?: string;
    readonly cloudFormationResource?: { readonly templatePath: string; readonly logicalId: string };
  }[];
  /** Why it was acknowledged. @default - none: the finding is not acknowledged */
  readonly reason?: string;
  readonly acknowledgedAt?: string;
}

/** One plugin's part of the validation report. */
export interface PluginReport {
  readonly pluginName: string;
  /** `failure` when a finding is left that fails synth. */
  readonly conclusion: 'success' | 'failure';
  readonly violations: readonly ValidationFinding[];
  readonly suppressedViolations?: readonly ValidationFinding[];
}

/** A synthesized app in its own output folder. */
export interface ValidatedSynth {
  readonly app: App;
  readonly outdir: string;
  readonly stacks: Readonly<Record<EnvironmentName, EnvironmentStacks>>;
  readonly templates: readonly SynthesizedTemplate[];
  /** The validation report's plugin reports (cfn-guard's when it ran). */
  readonly pluginReports: readonly PluginReport[];
  /** Deletes the output folder. */
  dispose(): void;
}

/** Options of {@link synthValidatedApp}. */
export interface SynthValidatedAppOptions {
  /** Register cfn-guard's Control Tower rules, as `pnpm synth` does. @default false */
  readonly cfnGuard?: boolean;
  /** Adds constructs after the app is built (a canary the validators must flag). @default - none */
  readonly extend?: (app: App) => void;
}

/**
 * Builds every environment of one {@link APP_VARIANTS} into a fresh output folder and synthesizes
 * it once, without bundling or cdk-nag (their own tests run them). With `cfnGuard`, a finding that
 * no construct acknowledges is in `pluginReports` instead of failing the synth.
 */
export function synthValidatedApp(
  variant: AppVariant,
  options: SynthValidatedAppOptions = {},
): ValidatedSynth {
  const { context, settings } = APP_VARIANTS[variant];
  const outdir = mkdtempSync(join(tmpdir(), 'autobio-validators-'));
  const app = new App({
    outdir,
    // Findings go to the report only, for the tests to read, instead of a thrown error.
    context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...REPORT_ONLY, ...context },
  });
  // As bin/autobio-storage.ts registers it.
  if (options.cfnGuard) Validations.of(app).addPlugins(failOnEveryFinding(new CfnGuardValidator()));
  const stacks = buildStorageApp(app, { processEnv: {}, nag: false, settings });
  options.extend?.(app);
  app.synth();
  const reportPath = join(outdir, 'validation-report.json');
  const templates = ENVIRONMENT_NAMES.flatMap((environment) => {
    const { storage, replica } = stacks[environment];
    return ([storage, replica] as (Stack | undefined)[])
      .filter((stack): stack is Stack => stack !== undefined)
      .map((stack) => {
        const templatePath = join(outdir, stack.templateFile);
        return {
          stackName: stack.stackName,
          environment,
          region: stack.region,
          templatePath,
          template: JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate,
        };
      });
  });
  const pluginReports: PluginReport[] = existsSync(reportPath)
    ? JSON.parse(readFileSync(reportPath, 'utf8')).pluginReports
    : [];
  return {
    app,
    outdir,
    stacks,
    templates,
    pluginReports,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** cfn-guard's report in a synth that ran it. @throws Error when it did not run. */
export function cfnGuardReport(synth: ValidatedSynth): PluginReport {
  const report = synth.pluginReports.find((r) => r.pluginName === CFN_GUARD_PLUGIN_NAME);
  if (!report) {
    throw new Error(
      `No ${CFN_GUARD_PLUGIN_NAME} report in ${synth.outdir}: synthesize with { cfnGuard: true }.`,
    );
  }
  return report;
}

/** Whether a finding's construct lies at or under `scope`. */
export function findingIsUnder(finding: ValidationFinding, scope: Construct): boolean {
  const path = scope.node.path;
  return finding.violatingConstructs.some(
    (c) => c.constructPath === path || c.constructPath?.startsWith(`${path}/`),
  );
}
