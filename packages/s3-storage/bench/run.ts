// `pnpm bench`: throughput and memory figures, as ratios against a baseline in the same run.
import { benchPresign } from './presign.ts';
import { benchReadMemory } from './read-memory.ts';

const PRESIGN_TARGET = 10;
const MEMORY_TARGET = 2.6;
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
const { direct, sdk } = memory;
const memoryOk = direct.ratio <= MEMORY_TARGET;
failed ||= !memoryOk;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
console.log(
  `getObjectAsBase64: object ${mib(memory.objectSizeBytes)}, peak memory growth ${mib(direct.peakGrowthBytes)}, ` +
    `ratio ${direct.ratio.toFixed(2)}x (target <= ${MEMORY_TARGET}x) ${memoryOk ? 'PASS' : 'FAIL'}`,
);
console.log(
  `  (heap plus external memory peaks at ${mib(direct.heldGrowthBytes)}, ${direct.heldRatio.toFixed(2)}x; ` +
    `floor: the buffer plus its base64 string, ${mib(memory.objectSizeBytes * (1 + 4 / 3))} = 2.33x; ` +
    'highest of three runs)',
);
console.log(
  `  through the SDK's HTTP handler (directReads: false): peak growth ${mib(sdk.peakGrowthBytes)}, ` +
    `${sdk.ratio.toFixed(2)}x: socket chunks wait for the garbage collector; ` +
    `read time direct ${direct.readMs.toFixed(0)} ms vs SDK ${sdk.readMs.toFixed(0)} ms`,
);
process.exitCode = failed ? 1 : 0;
