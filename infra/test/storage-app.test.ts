import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildStorageApp, InfraConfigError } from '../lib/index.ts';
import { CDK_JSON_CONTEXT, newApp, SKIP_BUNDLING } from './helpers/app.ts';

const infraDir = fileURLToPath(new URL('..', import.meta.url));

describe('buildStorageApp', () => {
  it('adds one stack per environment, and a replica stack where replication is on', () => {
    const app = newApp({ 'autobio:prod:replication': true });

    buildStorageApp(app, { processEnv: {} });

    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      'AutoBio-dev',
      'AutoBio-local',
      'AutoBio-prod',
      'AutoBio-prod-replica',
    ]);
  });

  it('throws when the context has a bad value, before any stack exists', () => {
    const app = newApp({ 'autobio:prod:removal': 'destroy' });

    expect(() => buildStorageApp(app, { processEnv: {} })).toThrow(InfraConfigError);
    expect(app.node.children).toEqual([]);
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
    const { status, stderr } = runBin({ 'autobio:dev:noncurrentVersionExpirationDays': 'ninety' });

    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      'Configuration error: autobio:dev:noncurrentVersionExpirationDays: must be a whole number from 1 to 3650, ' +
        'got "ninety". Set it in cdk.json ("context": { "autobio:dev:noncurrentVersionExpirationDays": 1 }) or ' +
        'pass -c autobio:dev:noncurrentVersionExpirationDays=1.',
    );
  });
});
