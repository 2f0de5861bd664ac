// Reads one object with getObjectAsBase64 in a process of its own, whose trusted CAs the test
// chooses (NODE_EXTRA_CA_CERTS is read once, at startup). Prints the outcome as JSON.
import { createS3Storage } from '../../src/storage.ts';
import { TEST_CREDENTIALS } from './storage.ts';

const [endpoint = '', key = ''] = process.argv.slice(2);
const storage = createS3Storage({
  config: {
    bucketName: 'auto-bio-test',
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestTimeoutMs: 5_000,
  },
});
try {
  const base64 = await storage.getObjectAsBase64('auto-bio-test', key);
  process.stdout.write(JSON.stringify({ base64 }));
} catch (error) {
  const e = error as Error & { code?: string };
  process.stdout.write(
    JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } }),
  );
}
