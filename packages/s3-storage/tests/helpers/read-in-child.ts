// Reads one object with getObjectAsBase64 in a process of its own, whose trusted CAs the test
// chooses (NODE_EXTRA_CA_CERTS is read once, at startup), as many times as asked. Prints each
// outcome as JSON.
import { createS3Storage } from '../../src/storage.ts';
import { TEST_CREDENTIALS } from './storage.ts';

const [endpoint = '', key = '', times = '1'] = process.argv.slice(2);
const storage = createS3Storage({
  config: {
    bucketName: 'auto-bio-test',
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestTimeoutMs: 5_000,
  },
  warn: () => {},
});
const outcomes: unknown[] = [];
for (let read = 0; read < Number(times); read += 1) {
  try {
    outcomes.push({ base64: await storage.getObjectAsBase64('auto-bio-test', key) });
  } catch (error) {
    const e = error as Error & { code?: string };
    outcomes.push({ error: { name: e.name, code: e.code, message: e.message } });
  }
}
process.stdout.write(JSON.stringify(outcomes));
