import { Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildStorageApp } from '../lib/index.ts';
import { newApp } from './helpers/app.ts';
import { EVERYTHING_ON } from './helpers/validated-synth.ts';

function findings(app: ReturnType<typeof newApp>) {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(app).violations.map((v) => ({
      rule: v.ruleName,
      severity: v.severity,
      at: v.violatingResources.map((r) => r.constructPath),
    })),
  );
}

describe('cdk-nag AwsSolutions and Serverless', () => {
  it('find nothing unacknowledged in the default app', () => {
    const app = newApp();
    buildStorageApp(app, { processEnv: {}, nag: false });

    expect(findings(app)).toEqual([]);
  });

  it('find nothing unacknowledged with every opt-in switch on', () => {
    const app = newApp(EVERYTHING_ON.context);
    buildStorageApp(app, { processEnv: {}, nag: false, settings: EVERYTHING_ON.settings });

    expect(app.node.findAll().some((c) => c.node.id === 'Distribution')).toBe(true);
    expect(findings(app)).toEqual([]);
  });

  it('leave no construct warning with every opt-in switch on', () => {
    const app = newApp(EVERYTHING_ON.context);
    buildStorageApp(app, { processEnv: {}, nag: false, settings: EVERYTHING_ON.settings });

    const messages = app
      .synth()
      .stacks.flatMap((stack) =>
        stack.messages.map((m) => ({ level: m.level, at: m.id, message: String(m.entry.data) })),
      );
    expect(messages.filter((m) => m.level !== 'info')).toEqual([]);
  });

  it('run at synth, which fails on an unacknowledged finding', () => {
    const app = newApp();
    const stacks = buildStorageApp(app, { processEnv: {} });
    new Bucket(stacks.dev.storage, 'UnloggedBucket');

    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('let synth through when everything is acknowledged', () => {
    const app = newApp(EVERYTHING_ON.context);
    buildStorageApp(app, { processEnv: {}, settings: EVERYTHING_ON.settings });

    expect(() => app.synth()).not.toThrow();
  });

  it('flag what the storage constructs acknowledge when it is built by hand', () => {
    const app = newApp();
    const stack = new Stack(app, 'Bare');
    new Bucket(stack, 'Bucket');

    expect(findings(app).map((f) => f.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
