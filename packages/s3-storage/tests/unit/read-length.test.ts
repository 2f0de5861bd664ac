import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3IntegrityError } from '../../src/errors.ts';
import { createS3Storage } from '../../src/storage.ts';
import { offlineConfig } from '../helpers/storage.ts';

// Node's HTTP client fails a body cut short of its Content-Length before the storage sees its
// end; a client whose body stream ends early anyway (another handler, a mock) must not pass it.
describe('a body that ends short of its Content-Length', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const storage = createS3Storage({ config: offlineConfig({ maxAttempts: 3 }), client });

  afterEach(() => {
    s3.reset();
  });

  it('is read again, then refused as an S3IntegrityError naming the bytes that came', async () => {
    s3.on(GetObjectCommand).callsFake(() => ({
      ContentLength: 10,
      Body: Readable.from([Buffer.from('short')]),
    }));

    const error = await storage
      .getObjectAsBase64('auto-bio-illustrations', 'subjects/u.png')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(S3IntegrityError);
    expect((error as Error).message).toContain('the body ended after 5 of the 10 bytes declared');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(3);
  });
});
