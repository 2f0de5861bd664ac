import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROUTES } from '@autobio/functions';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStorageApp, ESM_REQUIRE_BANNER } from '../lib/index.ts';
import { CDK_JSON_CONTEXT, logicalIdOf } from './helpers/app.ts';

/**
 * Measured: the largest bundle is about 1.04 MiB (1,066,083 bytes, generate-illustration,
 * of which zod is 0.45 MiB). The bound leaves room for the handlers to grow, not for a second
 * copy of the SDK.
 */
const MAX_BUNDLE_BYTES = 1.25 * 1024 * 1024;

/**
 * The local sign-in of the dev server (`Authorization: Bearer dev-user:<id>`, packages/dev). It
 * must never reach a deployed function, where it would let anyone be anyone.
 */
const DEV_SIGN_IN = 'dev-user:';

let outdir: string;
let bundles: { name: string; dir: string; code: string }[];

// The one synth in the suite that bundles for real: the dev stack, with the local esbuild.
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'autobio-bundles-'));
  const app = new App({
    outdir,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': ['AutoBio-dev'] },
  });
  const stacks = buildStorageApp(app, { processEnv: {} });
  const template = app.synth().getStackByName(stacks.dev.storage.stackName).template;
  bundles = ROUTES.map((route) => {
    const fn = stacks.dev.storage.api.functions[route.name]!;
    const logicalId = logicalIdOf(stacks.dev.storage, fn.function);
    const key: string = template.Resources[logicalId].Properties.Code.S3Key;
    const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    return { name: route.name, dir, code: readFileSync(join(dir, 'index.mjs'), 'utf8') };
  });
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('the function bundles of pnpm synth', () => {
  it('are one ESM file and its source map per function', () => {
    expect(new Set(bundles.map((b) => b.dir)).size).toBe(ROUTES.length);
    for (const { dir } of bundles) {
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    }
  });

  it('start with the createRequire banner and end with their source map', () => {
    for (const { name, code } of bundles) {
      expect({ name, start: code.slice(0, ESM_REQUIRE_BANNER.length) }).toEqual({
        name,
        start: ESM_REQUIRE_BANNER,
      });
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    }
  });

  it('load as ES modules in a fresh Node.js, with no node_modules to fall back on', () => {
    for (let dir = outdir; dir !== join(dir, '..'); dir = join(dir, '..')) {
      expect(readdirSync(dir)).not.toContain('node_modules');
    }
    const urls = bundles.map((b) => pathToFileURL(join(b.dir, 'index.mjs')).href);
    const script =
      'const out = {}; for (const url of JSON.parse(process.env.BUNDLES)) ' +
      '{ out[url] = typeof (await import(url)).handler; } console.log(JSON.stringify(out));';

    const result = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      { encoding: 'utf8', env: { PATH: process.env.PATH, BUNDLES: JSON.stringify(urls) } },
    );

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(
      Object.fromEntries(urls.map((url) => [url, 'function'])),
    );
  });

  it('import nothing but Node.js built-ins: the AWS SDK is bundled', () => {
    for (const { name, code } of bundles) {
      // Minified imports: `from"x"`, `import"x"`, `import("x")` (messages in the SDK quote
      // `import "x"` with a space, and are not imports).
      const specifiers = [...code.matchAll(/(?:\bfrom|\bimport\(?)"([^"]+)"/g)].map((m) => m[1]);

      expect({ name, packages: specifiers.filter((s) => !s?.startsWith('node:')) }).toEqual({
        name,
        packages: [],
      });
      expect(specifiers).toContain('node:https');
    }
  });

  it('keep the error class names the logs report', () => {
    for (const { code } of bundles) expect(code).toContain('"ObjectNotFoundError"');
  });

  it(`stay under ${MAX_BUNDLE_BYTES} bytes`, () => {
    const sizes = Object.fromEntries(
      bundles.map((b) => [b.name, statSync(join(b.dir, 'index.mjs')).size]),
    );

    for (const [name, size] of Object.entries(sizes)) {
      expect({ name, size, under: size < MAX_BUNDLE_BYTES }).toEqual({ name, size, under: true });
    }
  });

  it('never contain the local dev sign-in', () => {
    for (const { name, dir } of bundles) {
      for (const file of readdirSync(dir)) {
        expect({
          name,
          file,
          found: readFileSync(join(dir, file), 'utf8').includes(DEV_SIGN_IN),
        }).toEqual({ name, file, found: false });
      }
    }
  });
});
