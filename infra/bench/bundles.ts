/**
 * `pnpm bench` (infra): every function bundled with the settings the StorageFunction construct
 * uses, its size, and its cold module-load time in a fresh `node` process, against a fresh
 * process importing the unbundled AWS SDK (`@aws-sdk/client-s3` and
 * `@aws-sdk/s3-request-presigner`) in the same run. Target: no bundle loads slower than the SDK.
 *
 * Run with `pnpm --filter @autobio/infra bench`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROUTES } from '@autobio/functions';
import { build } from 'esbuild';
import { FUNCTION_NODE_OPTIONS, functionEsbuildOptions } from '../lib/function-bundling.ts';

const RUNS = 21;
const TARGET_RATIO = 1;
const KiB = 1024;
// The storage package depends on the SDK, so its directory resolves it as a handler would.
const SDK_HOME = fileURLToPath(new URL('../../packages/s3-storage/', import.meta.url));
const SDK_IMPORT =
  "await import('@aws-sdk/client-s3'); await import('@aws-sdk/s3-request-presigner');";

interface Subject {
  readonly name: string;
  readonly script: string;
  readonly sizeBytes?: number;
  readonly mapBytes?: number;
}

/** Milliseconds from before the first import to after the last, measured in a fresh process. */
function loadOnce(script: string): number {
  const result = spawnSync(
    process.execPath,
    // As in Lambda: the functions run with NODE_OPTIONS=--enable-source-maps.
    [FUNCTION_NODE_OPTIONS, '--input-type=module', '-e', timed(script)],
    { cwd: SDK_HOME, encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  const ms = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`A load failed (status ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  return ms;
}

function timed(body: string): string {
  return `const t0 = performance.now(); ${body} process.stdout.write(String(performance.now() - t0));`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const outdir = mkdtempSync(join(tmpdir(), 'autobio-bench-bundles-'));
try {
  console.log('@autobio/infra benchmarks: function bundles');
  const subjects: Subject[] = [{ name: 'unbundled SDK import (baseline)', script: SDK_IMPORT }];
  for (const route of ROUTES) {
    const dir = join(outdir, route.name);
    const started = performance.now();
    await build(functionEsbuildOptions(route.entry, dir));
    const file = join(dir, 'index.mjs');
    subjects.push({
      name: route.name,
      script: `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); if (typeof m.handler !== 'function') throw new Error('no handler');`,
      sizeBytes: statSync(file).size,
      mapBytes: statSync(`${file}.map`).size,
    });
    console.log(`  bundled ${route.name} in ${(performance.now() - started).toFixed(0)} ms`);
  }

  // Interleaved, so that a slow moment of the machine hits every subject alike.
  const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  loadOnce(SDK_IMPORT); // warm the file system cache
  for (let run = 0; run < RUNS; run++) {
    for (const subject of subjects) times.get(subject.name)!.push(loadOnce(subject.script));
  }

  const sdkTimes = times.get(subjects[0]!.name)!;
  const baseline = median(sdkTimes);
  console.log(
    `\nCold module load in a fresh node ${process.version} with ${FUNCTION_NODE_OPTIONS}, ` +
      `median of ${RUNS} runs (ratio = bundle / unbundled SDK, target <= ${TARGET_RATIO}):`,
  );
  console.log(
    `  ${'function'.padEnd(33)}${'bundle'.padStart(10)}${'source map'.padStart(12)}` +
      `${'load'.padStart(10)}${'ratio'.padStart(7)}${'slower in'.padStart(11)}`,
  );
  let failed = false;
  for (const subject of subjects) {
    const own = times.get(subject.name)!;
    const ms = median(own);
    const ratio = ms / baseline;
    const isBundle = subject.sizeBytes !== undefined;
    // Each round loads the SDK and every bundle back to back: count the rounds the bundle lost.
    const slower = own.filter((t, run) => t > sdkTimes[run]!).length;
    const verdict = ratio <= TARGET_RATIO ? 'PASS' : 'FAIL';
    failed ||= isBundle && verdict === 'FAIL';
    console.log(
      `  ${subject.name.padEnd(33)}` +
        `${isBundle ? `${(subject.sizeBytes! / KiB).toFixed(0)} KiB` : '-'}`.padStart(10) +
        `${isBundle ? `${(subject.mapBytes! / KiB).toFixed(0)} KiB` : '-'}`.padStart(12) +
        `${ms.toFixed(1)} ms`.padStart(10) +
        `${ratio.toFixed(2)}`.padStart(7) +
        `${isBundle ? `${slower}/${RUNS}` : '-'}`.padStart(11) +
        (isBundle ? `  ${verdict}` : ''),
    );
  }
  console.log(
    `\n${failed ? 'NOT MET' : 'MET'}: every bundle's median load time is at most ${TARGET_RATIO}x the ` +
      'unbundled SDK\'s in the same run ("slower in": the rounds a bundle lost to it).',
  );
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
