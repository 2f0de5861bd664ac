import { Stack } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../lib/index.ts';
import { GUARD_RULES } from '../../lib/nag.ts';
import {
  APP_VARIANTS,
  type AppVariant,
  cfnGuardReport,
  findingIsUnder,
  synthValidatedApp,
  type ValidatedSynth,
  type ValidationFinding,
} from '../helpers/validated-synth.ts';

// A stack no construct of the app acknowledges anything in, synthesized beside the app: the
// validator must flag it, so a clean app means acknowledged findings, not a validator that saw
// nothing.
const CANARY_STACK = 'GuardCanary';

function findingsIn(synth: ValidatedSynth, environment: string): ValidationFinding[] {
  const { storage, replica } = synth.stacks[environment as keyof ValidatedSynth['stacks']];
  return cfnGuardReport(synth).violations.filter(
    (finding) => findingIsUnder(finding, storage) || (replica && findingIsUnder(finding, replica)),
  );
}

function summary(findings: readonly ValidationFinding[]) {
  return findings.map((f) => ({
    rule: f.description,
    at: f.violatingConstructs.map((c) => c.constructPath),
  }));
}

const synths = new Map<AppVariant, ValidatedSynth>();

beforeAll(() => {
  for (const variant of Object.keys(APP_VARIANTS) as AppVariant[]) {
    synths.set(
      variant,
      synthValidatedApp(variant, {
        cfnGuard: true,
        extend: (app) => {
          const canary = new Stack(app, CANARY_STACK);
          new LogGroup(canary, 'ShortLivedLogs', { retention: RetentionDays.ONE_WEEK });
        },
      }),
    );
  }
  // Two synths and cfn-guard over eight templates: tens of seconds on a busy 2-core machine.
}, 180_000);

afterAll(() => {
  for (const synth of synths.values()) synth.dispose();
});

describe.each(Object.keys(APP_VARIANTS) as AppVariant[])(
  "cfn-guard's Control Tower rules, app %s,",
  (variant) => {
    it.each(ENVIRONMENT_NAMES)('find nothing unacknowledged in %s', (environment) => {
      const synth = synths.get(variant) as ValidatedSynth;

      expect(summary(findingsIn(synth, environment))).toEqual([]);
    });

    it('flag a log group that no construct acknowledged, and fail synth for it', () => {
      const synth = synths.get(variant) as ValidatedSynth;
      const canary = synth.app.node.findChild(CANARY_STACK);
      const report = cfnGuardReport(synth);

      const flagged = report.violations
        .filter((f) => findingIsUnder(f, canary))
        .map((f) => f.ruleName);

      expect(flagged).toEqual(
        expect.arrayContaining([
          GUARD_RULES['CT.CLOUDWATCH.PR.2'],
          GUARD_RULES['CT.CLOUDWATCH.PR.3'],
        ]),
      );
      expect(report.conclusion).toBe('failure');
    });

    it('give a reason for every finding they acknowledge', () => {
      const synth = synths.get(variant) as ValidatedSynth;
      const acknowledged = cfnGuardReport(synth).suppressedViolations ?? [];

      expect(acknowledged.length).toBeGreaterThan(0);
      expect(
        acknowledged.filter((f) => (f.reason ?? '').trim().length < 40).map((f) => f.ruleName),
      ).toEqual([]);
    });
  },
);
