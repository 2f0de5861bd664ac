// `pnpm bench`: throughput and memory figures, as ratios against a baseline in the same run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchPresign } from './presign.ts';
import { benchReadMemory } from './read-memory.ts';

const PRESIGN_TARGET = 6;
const MEMORY_TARGET = 4;
const MiB = 1024 * 1024;
let failed = false;

console.log(`@autobio/s3-storage benchmarks (node ${process.version})`);
for (const r of await benchPresign()) {
  const ok = r.ratio >= PRESIGN_TARGET && r.identical;
  failed ||= !ok;
  console.log(
    `presign ${r.operation}: getSignedUrl ${r.sdkPerSecond.toFixed(0)}/s, package ${r.packagePerSecond.toFixed(0)}/s, ` +
      `ratio ${r.ratio.toFixed(1)}x (target >= ${PRESIGN_TARGET}x), URLs identical at a fixed date: ${r.identical} ` +
      `${ok ? 'PASS' : 'FAIL'}`,
  );
}
const memory = await benchReadMemory();
const memoryOk = memory.ratio <= MEMORY_TARGET;
failed ||= !memoryOk;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
console.log(
  `getObjectAsBase64: object ${mib(memory.objectSizeBytes)}, peak memory growth ${mib(memory.peakGrowthBytes)}, ` +
    `ratio ${memory.ratio.toFixed(2)}x (target <= ${MEMORY_TARGET}x) ${memoryOk ? 'PASS' : 'FAIL'}`,
);
console.log(
  `  (heap plus external memory peaks at ${mib(memory.heldGrowthBytes)}, ${memory.heldRatio.toFixed(2)}x; ` +
    `floor: the buffer plus its base64 string, ${mib(memory.objectSizeBytes * (1 + 4 / 3))} = 2.33x; the ` +
    `rest is the SDK's socket chunks, freed at the next garbage collection; read in ` +
    `${memory.readMs.toFixed(0)} ms; highest of three runs)`,
);
// The generate handler's whole path (read, request body, send) lives in the functions package;
// its bench runs from here so that `pnpm bench` prints it.
const { stdout } = await promisify(execFile)(
  process.execPath,
  ['--expose-gc', '--no-warnings', '--import', 'tsx', 'bench/generate-peak.ts'],
  { cwd: fileURLToPath(new URL('../../functions/', import.meta.url)) },
);
process.stdout.write(stdout);
process.exitCode = failed ? 1 : 0;
