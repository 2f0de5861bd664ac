import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DELETION_SWEEP_DELAY_MS } from '../../src/constants.ts';
import { DeletionSweepError } from '../../src/errors.ts';
import { handler as createAvatarUpload } from '../../src/handlers/create-avatar-upload.ts';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as sweepHandler } from '../../src/handlers/sweep-deletions.ts';
import {
  afterTheDelay,
  byKeyAndVersion,
  cloudFrontClient,
  ownedBy,
  seedHistory,
  sweepAt,
} from '../helpers/account-deletion.ts';
import { postForm, versionsUnder } from '../helpers/conformance-s3.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import { type FakeCloudFront, startFakeCloudFront } from '../helpers/fake-cloudfront.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ engine: 'versitygw', replica: true });
let cloudFront: FakeCloudFront;
beforeAll(async () => {
  cloudFront = await startFakeCloudFront();
  await fixture.storage().putObject(fixture.storage().getStubKey('placeholder'), fakePng(64), {
    contentType: 'image/png',
  });
});
afterAll(async () => {
  await cloudFront.close();
});

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const locations = () => ({
  primary: fixture.storage(),
  replica: fixture.replicaStorage(),
  cdn: { distributionId: DISTRIBUTION, client: cloudFrontClient(cloudFront.endpoint) },
});

const remove = (sub: string) => invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub });

/** The three routes that store something for the caller, each with a request that would. */
const writes = {
  'POST /uploads/subject': (sub: string) =>
    invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub,
      body: { contentType: 'image/png', contentLengthBytes: 64 },
    }),
  'POST /uploads/avatar': (sub: string) =>
    invoke(createAvatarUpload, {
      method: 'POST',
      route: '/uploads/avatar',
      sub,
      body: { contentType: 'image/png', method: 'POST' },
    }),
  'POST /illustrations/{kind}': (sub: string) =>
    invoke(generateIllustration, {
      method: 'POST',
      route: '/illustrations/{kind}',
      sub,
      pathParameters: { kind: 'memory' },
    }),
};

const everything = async () => [
  ...(await versionsUnder(fixture.storage(), '')),
  ...(await versionsUnder(fixture.replicaStorage(), '')).map((entry) => ({
    ...entry,
    key: `replica:${entry.key}`,
  })),
];

describe('account deletion against versioned buckets of a real S3', () => {
  it('leaves nothing of the user in the bucket or its replica once swept, not even the marker, and every other user untouched', async () => {
    vi.stubEnv('S3_REPLICA_BUCKET_NAME', fixture.replicaBucket);
    const [primary, replica] = [fixture.storage(), fixture.replicaStorage()];
    const user = fixture.newUser();
    const other = fixture.newUser();
    const seeded = (await seedHistory(primary, user)) + (await seedHistory(replica, user));
    await seedHistory(primary, other);
    await seedHistory(replica, other);
    // Replication would copy the marker into the replica: the test writes that copy itself.
    await replica.putObject(replica.keys.deletionMarkerKey(user), '{}');
    const owned = (entry: { key: string }) =>
      ownedBy(primary, user)({ ...entry, key: entry.key.replace(/^replica:/, '') } as never);
    const before = await everything();
    expect(before.filter(owned)).toHaveLength(seeded + 1);
    const othersBefore = before.filter((entry) => !owned(entry)).sort(byKeyAndVersion);

    const result = await remove(user);
    expect(result.statusCode).toBe(202);
    expect(result.json.replicaDeleted).toEqual(result.json.deleted);
    // Pending: the marker is the one thing of the user left.
    expect((await everything()).filter(owned).map((entry) => entry.key)).toEqual([
      primary.keys.deletionMarkerKey(user),
      `replica:${replica.keys.deletionMarkerKey(user)}`,
    ]);
    const report = await sweepAt(afterTheDelay(), locations());

    expect(report.swept).toContain(user);
    const after = await everything();
    expect(after.filter(owned)).toEqual([]);
    expect(after.filter((entry) => entry.key.includes('deletions/'))).toEqual([]);
    expect(after.filter((entry) => !owned(entry)).sort(byKeyAndVersion)).toEqual(othersBefore);
  });

  it('leaves a marker alone until its sweepAfter has passed', async () => {
    const user = fixture.newUser();
    const result = await remove(user);

    const report = await sweepAt(new Date(Date.parse(result.json.sweepAfter) - 1_000), locations());

    expect(report.pending).toContain(user);
    expect(report.swept).not.toContain(user);
    expect(
      await fixture.storage().objectExists(fixture.storage().keys.deletionMarkerKey(user)),
    ).toBe(true);
  });

  it('removes an upload made after the deletion through a URL or form issued before it, once swept', async () => {
    const storage = fixture.storage();
    const user = fixture.newUser();
    const image = fakePng(64);
    const put = await writes['POST /uploads/subject'](user);
    const post = await writes['POST /uploads/avatar'](user);
    expect([put.statusCode, post.statusCode]).toEqual([200, 200]);
    expect((await remove(user)).statusCode).toBe(202);

    const putAnswer = await fetch(put.json.url, {
      method: 'PUT',
      headers: put.json.headers,
      body: image,
    });
    const postAnswer = await postForm(post.json.url, post.json.fields, fakePng(64));

    expect([putAnswer.status, postAnswer.status]).toEqual([200, 204]);
    expect(await storage.objectExists(storage.getSubjectKey(user))).toBe(true);
    expect(await storage.objectExists(storage.getAvatarKey(user))).toBe(true);
    await sweepAt(afterTheDelay(), locations());
    expect((await versionsUnder(storage, '')).filter(ownedBy(storage, user))).toEqual([]);
  });

  it('answers 409 DeletionPending on every route that stores something while the deletion is pending, and serves them again once swept', async () => {
    const storage = fixture.storage();
    const user = fixture.newUser();
    await storage.putObject(storage.getSubjectKey(user), fakePng(64), { contentType: 'image/png' });
    const { sweepAfter } = (await remove(user)).json;

    for (const [route, write] of Object.entries(writes)) {
      const refused = await write(user);
      expect(refused.statusCode, route).toBe(409);
      expect(refused.json.error.code, route).toBe('DeletionPending');
      expect(refused.json.error.message, route).toContain(`the first sweep after ${sweepAfter}`);
      expect(refused.json.error.message, route).toContain('try again after it');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(DELETION_SWEEP_DELAY_MS / 1000 - 5);
    }
    expect((await versionsUnder(storage, '')).filter(ownedBy(storage, user))).toHaveLength(1);
    await sweepAt(afterTheDelay(), locations());

    const upload = await writes['POST /uploads/subject'](user);
    expect(upload.statusCode).toBe(200);
    const uploaded = await fetch(upload.json.url, {
      method: 'PUT',
      headers: upload.json.headers,
      body: fakePng(64),
    });
    expect(uploaded.status).toBe(200);
    expect((await writes['POST /uploads/avatar'](user)).statusCode).toBe(200);
    expect((await writes['POST /illustrations/{kind}'](user)).statusCode).toBe(201);
  });

  it("invalidates the user's CDN paths again when it sweeps, through the CloudFront client it is given", async () => {
    const user = fixture.newUser();
    await remove(user);
    cloudFront.take();

    await sweepAt(afterTheDelay(), locations());

    const forUser = cloudFront
      .take()
      .filter((request) => request.paths.some((p) => p.includes(user)));
    expect(forUser).toEqual([
      {
        distributionId: DISTRIBUTION,
        callerReference: expect.stringMatching(/^account-deletion-/),
        paths: [`/generated/memory/${user}/*`, `/generated/subject/${user}/*`],
        signed: true,
      },
    ]);
  });

  it("sweeps every other account when one fails, keeps the failed one's marker, throws, and finishes it on the next run", async () => {
    const storage = fixture.storage();
    const [failing, ...others] = [fixture.newUser(), fixture.newUser(), fixture.newUser()];
    for (const user of [failing!, ...others]) {
      await seedHistory(storage, user);
      await remove(user);
      // A late upload, which the sweep must delete.
      await storage.putObject(storage.getAvatarKey(user), fakePng(64));
    }
    cloudFront.refuseFor(failing);

    const error = await sweepAt(afterTheDelay(), locations()).catch((e: unknown) => e);
    cloudFront.refuseFor(undefined);

    expect(error).toBeInstanceOf(DeletionSweepError);
    expect((error as DeletionSweepError).failedUserIds).toEqual([failing]);
    expect((error as Error).message).toContain(failing);
    for (const user of others) {
      expect((await versionsUnder(storage, '')).filter(ownedBy(storage, user)), user).toEqual([]);
    }
    expect(await storage.objectExists(storage.keys.deletionMarkerKey(failing!))).toBe(true);
    expect(
      fixture
        .logs()
        .entries.some(
          (entry) =>
            entry.message ===
              'Could not make an account deletion final: its marker stays for the next run' &&
            entry.userId === failing,
        ),
    ).toBe(true);

    const next = await sweepAt(afterTheDelay(), locations());

    expect(next.swept).toContain(failing);
    expect((await versionsUnder(storage, '')).filter(ownedBy(storage, failing!))).toEqual([]);
  });

  it('runs as the scheduled handler from the environment: the replica and the CDN as the variables name them', async () => {
    vi.stubEnv('S3_REPLICA_BUCKET_NAME', fixture.replicaBucket);
    vi.stubEnv('CDN_DISTRIBUTION_ID', DISTRIBUTION);
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFRONT', cloudFront.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
    // Local only: the deletion's sweep time is now, so the handler's own clock has passed it.
    vi.stubEnv('DELETION_SWEEP_DELAY_SECONDS', '0');
    const [primary, replica] = [fixture.storage(), fixture.replicaStorage()];
    const user = fixture.newUser();
    await seedHistory(replica, user);
    await remove(user);
    await primary.putObject(primary.getSubjectKey(user), fakePng(64));
    cloudFront.take();

    const report = await sweepHandler({}, lambdaContext());

    expect(report.swept).toContain(user);
    for (const storage of [primary, replica]) {
      expect((await versionsUnder(storage, '')).filter(ownedBy(storage, user))).toEqual([]);
    }
    expect(cloudFront.take().some((request) => request.paths.some((p) => p.includes(user)))).toBe(
      true,
    );
  });
});
