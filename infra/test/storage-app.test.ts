import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStorageApp, ENVIRONMENT_DEFAULTS, InfraConfigError } from '../lib/index.ts';
import { CDK_JSON_CONTEXT, newApp, SKIP_BUNDLING } from './helpers/app.ts';

const infraDir = fileURLToPath(new URL('..', import.meta.url));

describe('buildStorageApp', () => {
  it('adds one stack per environment, and a replica stack where replication is on', () => {
    const app = newApp();

    buildStorageApp(app, {
      processEnv: {},
      settings: { prod: { ...ENVIRONMENT_DEFAULTS.prod, replication: true } },
    });

    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      'AutoBio-dev',
      'AutoBio-local',
      'AutoBio-prod',
      'AutoBio-prod-replica',
    ]);
  });

  it('throws when the context has a bad value, before any stack exists', () => {
    const app = newApp({ 'autobio:prod:jwtIssuer': 'http://issuer.example.com' });

    expect(() => buildStorageApp(app, { processEnv: {} })).toThrow(InfraConfigError);
    expect(app.node.children).toEqual([]);
  });

  it('throws when a setting is bad, before any stack exists', () => {
    const app = newApp();
    const settings = { dev: { ...ENVIRONMENT_DEFAULTS.dev, noncurrentVersionsToRetain: 0 } };

    expect(() => buildStorageApp(app, { processEnv: {}, settings })).toThrow(InfraConfigError);
    expect(app.node.children).toEqual([]);
  });

  it('notes where the illustration-gen role trusts its whole account, and only there', () => {
    const app = newApp();
    const stacks = buildStorageApp(app, { processEnv: {}, nag: false });
    const notes = (name: 'dev' | 'prod') =>
      Annotations.fromStack(stacks[name].storage).findInfo(
        '*',
        Match.stringLikeRegexp('illustration-gen role trusts every principal of its account'),
      );

    expect([notes('dev').length, notes('prod').length]).toEqual([1, 0]);
  });
});

describe('the CDK app entry point', () => {
  function runBin(context: Record<string, unknown>) {
    const outdir = mkdtempSync(join(tmpdir(), 'autobio-cdk-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/autobio-storage.ts'], {
        cwd: infraDir,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          // Bundling is tested once, in bundles.test.ts.
          CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context }),
          CDK_DEFAULT_ACCOUNT: '',
          CDK_DEFAULT_REGION: '',
        },
      });
      return { ...result, files: readdirSync(outdir) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('writes a template for every environment', () => {
    const { status, files, stderr } = runBin({
      'autobio:prod:corsOrigins': ['https://app.example.com'],
      'autobio:prod:jwtIssuer': 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
      'autobio:prod:jwtAudience': ['1example23456789'],
      'autobio:prod:illustrationGenUrl': 'https://illustration-gen.example.com/generate',
    });

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(files.filter((f) => f.endsWith('.template.json')).sort()).toEqual([
      'AutoBio-dev.template.json',
      'AutoBio-local.template.json',
      'AutoBio-prod.template.json',
    ]);
  });

  it('exits with the key, the value and the fix when the configuration is bad', () => {
    const { status, stderr } = runBin({ 'autobio:dev:account': '1234' });

    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      'Configuration error: autobio:dev:account: is not an AWS account id: use its 12 digits (from ' +
        'context, or CDK_DEFAULT_ACCOUNT). Got "1234". Set it in cdk.json ("context": { ' +
        '"autobio:dev:account": "123456789012" }) or pass -c autobio:dev:account=123456789012.',
    );
  });

  it('exits saying where a setting that is now code lives', () => {
    const { status, stderr } = runBin({ 'autobio:dev:noncurrentVersionExpirationDays': '45' });

    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      'Configuration error: autobio:dev:noncurrentVersionExpirationDays: is not read from context: ' +
        'noncurrentVersionExpirationDays is code, in infra/config/dev.ts. Set it there and remove the key.',
    );
  });

  it('exits when prod names no illustration-gen principal', () => {
    const { status, stderr } = runBin({ 'autobio:prod:illustrationGenPrincipal': '' });

    expect(status).toBe(1);
    expect(stderr).toContain(
      'Configuration error: autobio:prod:illustrationGenPrincipal: must name who assumes the illustration-gen role in prod',
    );
  });
});
