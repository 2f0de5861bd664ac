import type { GeneratedKind, S3Storage } from '@autobio/s3-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DELETION_SWEEP_DELAY_MS } from '../../src/constants.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { invoke } from '../helpers/events.ts';
import { type FakeCloudFront, startFakeCloudFront } from '../helpers/fake-cloudfront.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ replica: true });
let cloudFront: FakeCloudFront;
beforeAll(async () => {
  cloudFront = await startFakeCloudFront();
});
afterAll(async () => {
  await cloudFront.close();
});

async function seedUser(
  user: string,
  generated: Record<GeneratedKind, number>,
  storage: S3Storage = fixture.storage(),
): Promise<string[]> {
  const keys = [storage.getSubjectKey(user), storage.getAvatarKey(user)];
  for (const [kind, count] of Object.entries(generated) as [GeneratedKind, number][]) {
    for (let i = 0; i < count; i += 1) {
      keys.push(storage.getGeneratedKey(kind, user, { date: new Date(1.7e12 + i) }));
    }
  }
  await Promise.all(
    keys.map((key) => storage.putObject(key, fakePng(64), { contentType: 'image/png' })),
  );
  return keys;
}

async function markerOf(user: string): Promise<unknown> {
  const storage = fixture.storage();
  const key = storage.keys.deletionMarkerKey(user);
  if (!(await storage.objectExists(key))) return undefined;
  const base64 = await storage.getObjectAsBase64(storage.getBucketName(), key);
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
}

const remove = (sub: string | null) =>
  invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub });

function useCloudFront(): void {
  vi.stubEnv('CDN_DISTRIBUTION_ID', 'E2QWRUHAPOMQZL');
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFRONT', cloudFront.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
  cloudFront.take();
}

describe('DELETE /me/data', () => {
  it("records the deletion first, deletes every object of the caller, answers 202 with the sweep's time, and leaves other users' alone", async () => {
    const userA = fixture.newUser();
    const userB = fixture.newUser();
    const keysA = await seedUser(userA, { memory: 3, subject: 2 });
    const keysB = await seedUser(userB, { memory: 1, subject: 1 });
    const before = Date.now();

    const result = await remove(userA);

    expect(result.statusCode).toBe(202);
    const { sweepAfter, ...rest } = result.json;
    expect(rest).toEqual({
      deleted: { subjects: 1, avatars: 1, 'generated/memory': 3, 'generated/subject': 2 },
      total: 7,
      status: 'pending',
    });
    const marker = (await markerOf(userA)) as Record<string, string>;
    expect(marker).toEqual({ userId: userA, requestedAt: expect.any(String), sweepAfter });
    const requestedAt = Date.parse(marker.requestedAt!);
    expect(requestedAt).toBeGreaterThanOrEqual(before);
    expect(requestedAt).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(sweepAfter) - requestedAt).toBe(DELETION_SWEEP_DELAY_MS);
    for (const key of keysA) expect(await fixture.storage().objectExists(key), key).toBe(false);
    for (const key of keysB) expect(await fixture.storage().objectExists(key), key).toBe(true);
    expect(await markerOf(userB)).toBeUndefined();
  });

  it("keeps the first call's marker and sweepAfter: a second call deletes what is left and reports it", async () => {
    const user = fixture.newUser();
    await seedUser(user, { memory: 1, subject: 0 });
    const first = await remove(user);
    const marker = await markerOf(user);
    await fixture.storage().putObject(fixture.storage().getAvatarKey(user), fakePng(8));

    const again = await remove(user);

    expect(again.statusCode).toBe(202);
    expect(again.json).toEqual({
      deleted: { subjects: 0, avatars: 1, 'generated/memory': 0, 'generated/subject': 0 },
      total: 1,
      status: 'pending',
      sweepAfter: first.json.sweepAfter,
    });
    expect(await markerOf(user)).toEqual(marker);
  });

  it('rewrites a damaged marker with a sweep time counted from when S3 stored it, not from now', async () => {
    const user = fixture.newUser();
    const key = fixture.storage().keys.deletionMarkerKey(user);
    await fixture.storage().putObject(key, 'not json');
    const storedAt = (await fixture.storage().findObject(key))!.lastModified!;

    const result = await remove(user);

    expect(result.statusCode).toBe(202);
    expect(result.json.sweepAfter).toBe(
      new Date(storedAt.getTime() + DELETION_SWEEP_DELAY_MS).toISOString(),
    );
    expect(await markerOf(user)).toEqual({
      userId: user,
      requestedAt: storedAt.toISOString(),
      sweepAfter: result.json.sweepAfter,
    });
  });

  it("deletes the caller's copies in the replica bucket too when S3_REPLICA_BUCKET_NAME is set, and counts them apart", async () => {
    vi.stubEnv('S3_REPLICA_BUCKET_NAME', fixture.replicaBucket);
    const user = fixture.newUser();
    const other = fixture.newUser();
    const primaryKeys = await seedUser(user, { memory: 1, subject: 0 });
    const replicaKeys = await seedUser(user, { memory: 2, subject: 1 }, fixture.replicaStorage());
    const othersKeys = await seedUser(other, { memory: 1, subject: 1 }, fixture.replicaStorage());

    const result = await remove(user);

    expect(result.statusCode).toBe(202);
    expect(result.json.total).toBe(3);
    expect(result.json.replicaDeleted).toEqual({
      subjects: 1,
      avatars: 1,
      'generated/memory': 2,
      'generated/subject': 1,
    });
    for (const key of primaryKeys) expect(await fixture.storage().objectExists(key)).toBe(false);
    for (const key of replicaKeys)
      expect(await fixture.replicaStorage().objectExists(key), key).toBe(false);
    for (const key of othersKeys)
      expect(await fixture.replicaStorage().objectExists(key), key).toBe(true);
  });

  it('has recorded the deletion before it fails half-way, so the sweep still makes it final', async () => {
    // A replica that does not exist: the deletion fails after the primary's data is gone.
    vi.stubEnv('S3_REPLICA_BUCKET_NAME', 'autobio-no-such-replica');
    const user = fixture.newUser();
    const keys = await seedUser(user, { memory: 1, subject: 0 });

    const result = await remove(user);

    expect(result.statusCode).toBe(500);
    for (const key of keys) expect(await fixture.storage().objectExists(key)).toBe(false);
    expect(await markerOf(user)).toMatchObject({ userId: user });
  });

  it("invalidates the CDN's cache of the caller's illustrations with CDN_DISTRIBUTION_ID, with the paths encoded as the CDN's URLs are", async () => {
    useCloudFront();
    const user = `${fixture.newUser()}+x@y`;

    const result = await remove(user);

    expect(result.statusCode).toBe(202);
    const requests = cloudFront.take();
    expect(requests).toEqual([
      {
        distributionId: 'E2QWRUHAPOMQZL',
        callerReference: expect.stringMatching(/^account-deletion-[0-9a-f-]{36}$/),
        paths: [
          `/generated/memory/${encodeURIComponent(user)}/*`,
          `/generated/subject/${encodeURIComponent(user)}/*`,
        ],
        signed: true,
      },
    ]);
    expect(requests[0]!.paths[0]).toContain('%2Bx%40y');
    await remove(user);
    expect(cloudFront.take()[0]!.callerReference).not.toBe(requests[0]!.callerReference);
  });

  it('still answers 202 when CloudFront refuses the invalidation, and logs it: the sweep invalidates again', async () => {
    useCloudFront();
    const user = fixture.newUser();
    cloudFront.refuseFor(user);

    const result = await remove(user);
    cloudFront.refuseFor(undefined);

    expect(result.statusCode).toBe(202);
    expect(cloudFront.take()).toHaveLength(1);
    const warning = fixture
      .logs()
      .entries.find(
        (entry) => entry.message === 'Could not invalidate the CDN cache of a deleted account',
      );
    expect(JSON.stringify(warning)).toContain('TooManyInvalidationsInProgress');
  });

  it('answers 500 and records nothing when a deletion variable is bad, naming it in the log', async () => {
    vi.stubEnv('CDN_DISTRIBUTION_ID', 'not-an-id');
    const user = fixture.newUser();
    const keys = await seedUser(user, { memory: 1, subject: 0 });

    const result = await remove(user);

    expect(result.statusCode).toBe(500);
    expect(fixture.logs().text()).toContain('CDN_DISTRIBUTION_ID');
    expect(await markerOf(user)).toBeUndefined();
    for (const key of keys) expect(await fixture.storage().objectExists(key)).toBe(true);
  });

  it('refuses a request without a user with 401 and deletes nothing', async () => {
    const user = fixture.newUser();
    const keys = await seedUser(user, { memory: 1, subject: 1 });
    const result = await remove(null);
    expect(result.statusCode).toBe(401);
    for (const key of keys) expect(await fixture.storage().objectExists(key)).toBe(true);
  });
});
