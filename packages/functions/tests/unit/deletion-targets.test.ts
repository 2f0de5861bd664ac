import { defaultKeyLayout } from '@autobio/s3-storage/key-layout';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replicaStorage } from '../../src/internal/account-deletion.ts';
import { userCdnPaths } from '../../src/internal/cdn-invalidation.ts';

describe('userCdnPaths', () => {
  it("covers every illustration URL of the user, and no other user's", () => {
    expect(userCdnPaths(defaultKeyLayout, 'alice')).toEqual([
      '/generated/memory/alice/*',
      '/generated/subject/alice/*',
    ]);
  });

  it('cuts a path at a * of the id, the only place CloudFront takes a wildcard', () => {
    const paths = userCdnPaths(defaultKeyLayout, 'a*b');

    expect(paths).toEqual(['/generated/memory/a*', '/generated/subject/a*']);
    for (const path of paths) expect(path.indexOf('*')).toBe(path.length - 1);
  });
});

describe('replicaStorage', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("signs for the replica's bucket and region, never through the primary's acceleration", () => {
    vi.stubEnv('S3_BUCKET_NAME', 'autobio-prod');
    vi.stubEnv('S3_CLIENT_REGION', 'us-east-1');
    vi.stubEnv('S3_USE_ACCELERATE_ENDPOINT', 'true');

    const replica = replicaStorage({
      replica: { bucketName: 'autobio-prod-replica', region: 'us-west-2' },
      sweepDelayMs: 1,
    });

    expect(replica?.getBucketName()).toBe('autobio-prod-replica');
    expect(replica?.getRegion()).toBe('us-west-2');
    expect(replica?.getConfig().useAccelerateEndpoint).toBe(false);
  });
});
