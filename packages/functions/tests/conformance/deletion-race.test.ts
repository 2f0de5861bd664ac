import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { afterTheDelay, ownedBy, sweepAt } from '../helpers/account-deletion.ts';
import { versionsUnder } from '../helpers/conformance-s3.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ engine: 'versitygw' });

const ROUNDS = 100;
const ROUNDS_AT_ONCE = 10;

const jitter = () => sleep(Math.floor(Math.random() * 15));

/** One user: a DELETE racing two generates and an upload (URL, then the PUT). */
async function round(user: string): Promise<{ statuses: string[] }> {
  const storage = fixture.storage();
  await storage.putObject(storage.getSubjectKey(user), fakePng(64), { contentType: 'image/png' });
  const generate = async () => {
    await jitter();
    const result = await invoke(generateIllustration, {
      method: 'POST',
      route: '/illustrations/{kind}',
      sub: user,
      pathParameters: { kind: 'memory' },
    });
    return `generate ${result.statusCode}`;
  };
  const upload = async () => {
    await jitter();
    const result = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: user,
      body: { contentType: 'image/png', contentLengthBytes: 64 },
    });
    if (result.statusCode !== 200) return `upload ${result.statusCode}`;
    await jitter();
    const put = await fetch(result.json.url, {
      method: 'PUT',
      headers: result.json.headers,
      body: fakePng(64),
    });
    return `upload 200, PUT ${put.status}`;
  };
  const remove = async () => {
    await jitter();
    return `delete ${(await invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub: user })).statusCode}`;
  };
  return { statuses: await Promise.all([remove(), generate(), generate(), upload()]) };
}

describe('account deletion racing the routes that write', () => {
  it(`leaves nothing of the user, no version either, once swept: ${ROUNDS} rounds of DELETE against generates and uploads`, async () => {
    const storage = fixture.storage();
    await storage.putObject(storage.getStubKey('placeholder'), fakePng(64), {
      contentType: 'image/png',
    });
    const users = Array.from({ length: ROUNDS }, () => fixture.newUser());
    const statuses: string[] = [];
    for (let start = 0; start < ROUNDS; start += ROUNDS_AT_ONCE) {
      const results = await Promise.all(users.slice(start, start + ROUNDS_AT_ONCE).map(round));
      for (const result of results) statuses.push(...result.statuses);
    }
    const expected = new Set([
      'delete 202',
      'delete 500',
      'generate 201',
      'generate 404',
      'generate 409',
      'upload 409',
      'upload 200, PUT 200',
      // versitygw may fail a PUT racing a delete of the key's versions; S3's answer, not the API's.
      'upload 200, PUT 500',
    ]);
    expect(statuses.filter((status) => !expected.has(status))).toEqual([]);
    // versitygw refuses to delete a version a PUT is still writing ("Invalid version id"): that
    // DELETE answers 500 DeletionIncomplete, and its marker, written first, still stands.
    const failures = fixture.logs().entries.filter((entry) => entry.message === 'Request failed');
    expect(failures.map((entry) => (entry.error as { name: string }).name)).toEqual(
      statuses.filter((status) => status === 'delete 500').map(() => 'DeletionIncompleteError'),
    );
    const markers = new Set<string>();
    for await (const object of storage.listKeys(storage.getAreaPrefix('deletions'))) {
      markers.add(object.key);
    }
    expect(users.filter((user) => !markers.has(storage.keys.deletionMarkerKey(user)))).toEqual([]);
    const all = await versionsUnder(storage, '');
    const survivedDelete = users.filter((user) =>
      all.some((entry) => ownedBy(storage, user)(entry) && !entry.key.startsWith('deletions/')),
    );

    const report = await sweepAt(afterTheDelay(), { primary: storage });

    expect(report.swept).toHaveLength(ROUNDS);
    const left = (await versionsUnder(storage, '')).filter((entry) =>
      users.some((user) => ownedBy(storage, user)(entry)),
    );
    expect(left).toEqual([]);
    // What the DELETE alone would have left: the race is real, and the sweep is what ends it.
    fixture.logs().restore();
    console.info(
      `deletion race: ${survivedDelete.length} of ${ROUNDS} users had data written after their DELETE; ` +
        `${statuses.filter((s) => s === 'generate 409' || s === 'upload 409').length} writes refused with 409`,
    );
  }, 90_000);
});
