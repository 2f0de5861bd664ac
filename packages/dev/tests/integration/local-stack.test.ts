import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevStartError } from '../../src/errors.ts';
import { startLocalStack } from '../../src/local-stack.ts';

describe('the local stack', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'autobio-stack-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('says when the --public-host does not lead back to its S3, and leaves nothing running or locked', async () => {
    const dataDir = join(root, 'data');
    const before = { ...process.env };

    const starting = startLocalStack({
      port: 0,
      s3Port: 0,
      dataDir,
      s3Mode: 'embedded',
      s3Engine: 's3rver',
      localBucket: 'auto-bio-local',
      // Both loopback, so nothing leaves the machine: the S3 listens on .2, URLs name .3.
      host: '127.0.0.2',
      publicHost: '127.0.0.3',
    });

    await expect(starting).rejects.toThrow(DevStartError);
    await expect(starting).rejects.toThrow(
      /^The embedded S3 cannot be reached at http:\/\/127\.0\.0\.3:\d+ \(connect ECONNREFUSED 127\.0\.0\.3:\d+\), the endpoint presigned URLs are signed for/,
    );
    const left = await readdir(dataDir);
    expect(left).not.toContain('dev.lock');
    expect(left).not.toContain('connection.json');
    expect(process.env).toEqual(before);
  });
});
