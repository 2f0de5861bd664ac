// Runs in a fresh process so that the peaks it reports belong to one getObjectAsBase64 call.
import { createS3Storage } from '../src/index.ts';

const [endpoint, region, accessKeyId, secretAccessKey, bucket, key, sizeText] = process.argv.slice(
  2,
) as [string, string, string, string, string, string, string];
const storage = createS3Storage({
  config: {
    bucketName: bucket,
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxReadSizeBytes: 64 * 1024 * 1024,
  },
});
// Warm up: load every module and open a connection, then settle the heap.
await storage.getObjectAsBase64(bucket, 'stubs/warm-up.png');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
gc();
gc();
// What the JavaScript runtime holds: its heap plus memory outside it (buffers, external strings).
const held = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};
const heldBefore = held();
let heldPeak = heldBefore;
const sampler = setInterval(() => {
  heldPeak = Math.max(heldPeak, held());
}, 1);
const before = process.memoryUsage().rss;
const peakBefore = process.resourceUsage().maxRSS * 1024;
const started = performance.now();
const base64 = await storage.getObjectAsBase64(bucket, key);
const readMs = performance.now() - started;
heldPeak = Math.max(heldPeak, held());
clearInterval(sampler);
const peak = process.resourceUsage().maxRSS * 1024;
if (Buffer.byteLength(base64, 'base64') !== Number(sizeText))
  throw new Error('object read back with the wrong size');
process.stdout.write(
  `${JSON.stringify({ before, peakBefore, peak, heldGrowth: heldPeak - heldBefore, readMs })}\n`,
);
