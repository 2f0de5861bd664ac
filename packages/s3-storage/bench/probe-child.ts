import { createS3Storage } from '../src/index.ts';

const [endpoint, bucket, key] = process.argv.slice(2) as [string, string, string];
const storage = createS3Storage({
  config: {
    bucketName: bucket,
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxReadSizeBytes: 64 * 1024 * 1024,
  },
});
await storage.getObjectAsBase64(bucket, 'stubs/warm-up.png');
(globalThis as any).gc();
(globalThis as any).gc();
const m0 = process.memoryUsage();
let peak = { rss: 0, ab: 0, heap: 0, ext: 0 };
const t = setInterval(() => {
  const m = process.memoryUsage();
  peak = {
    rss: Math.max(peak.rss, m.rss - m0.rss),
    ab: Math.max(peak.ab, m.arrayBuffers - m0.arrayBuffers),
    heap: Math.max(peak.heap, m.heapUsed - m0.heapUsed),
    ext: Math.max(peak.ext, m.external - m0.external),
  };
}, 1);
const s = await storage.getObjectAsBase64(bucket, key);
const m = process.memoryUsage();
clearInterval(t);
console.log(
  JSON.stringify({
    peakMiB: Object.fromEntries(
      Object.entries(peak).map(([k, v]) => [k, (v / 1048576).toFixed(1)]),
    ),
    endRss: ((m.rss - m0.rss) / 1048576).toFixed(1),
    endAb: ((m.arrayBuffers - m0.arrayBuffers) / 1048576).toFixed(1),
    endExt: ((m.external - m0.external) / 1048576).toFixed(1),
    len: s.length,
  }),
);
