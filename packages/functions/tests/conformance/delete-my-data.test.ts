import type { S3Storage } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { type StoredVersion, versionsUnder } from '../helpers/conformance-s3.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ engine: 'versitygw' });

/**
 * Gives the user two versions and a delete marker, or three versions, at keys of every area.
 * No put follows a delete: on versitygw v1.8.0 with sidecar metadata an object put at a key
 * that has had a delete marker is listed and served as one (the marker's attribute outlives it).
 * @returns how many versions and markers the user's keys hold.
 */
async function seedHistory(storage: S3Storage, user: string): Promise<number> {
  const keys = [
    storage.getSubjectKey(user),
    storage.getAvatarKey(user),
    storage.getGeneratedKey('memory', user, { date: new Date(1_760_000_000_001) }),
    storage.getGeneratedKey('memory', user, { date: new Date(1_760_000_000_002) }),
    storage.getGeneratedKey('subject', user, { date: new Date(1_760_000_000_003) }),
  ];
  for (const [index, key] of keys.entries()) {
    await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
    await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
    // Every other key ends deleted, the rest current, so both kinds are in the areas.
    if (index % 2 === 0) await storage.deleteObject(key);
    else await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
  }
  return keys.length * 3;
}

function ownedBy(storage: S3Storage, user: string): (entry: StoredVersion) => boolean {
  const keys = storage.keys.userKeys(user);
  return ({ key }) =>
    key === keys.subject ||
    key === keys.avatar ||
    key.startsWith(keys.generated.memory) ||
    key.startsWith(keys.generated.subject);
}

const byKeyAndVersion = (a: StoredVersion, b: StoredVersion) =>
  `${a.key}\n${a.versionId}`.localeCompare(`${b.key}\n${b.versionId}`);

describe('DELETE /me/data against a versioned bucket of a real S3', () => {
  it("leaves no version or delete marker of the caller, and every other user's untouched", async () => {
    const storage = fixture.storage();
    const user = fixture.newUser();
    const other = fixture.newUser();
    const seeded = await seedHistory(storage, user);
    await seedHistory(storage, other);
    const before = await versionsUnder(storage, '');
    expect(before.filter(ownedBy(storage, user))).toHaveLength(seeded);
    const othersBefore = before.filter((entry) => !ownedBy(storage, user)(entry));

    const result = await invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub: user });

    expect(result.statusCode).toBe(200);
    expect(result.json.deleted).toEqual({
      subjects: 1,
      avatars: 1,
      'generated/memory': 2,
      'generated/subject': 1,
    });
    const after = await versionsUnder(storage, '');
    expect(after.filter(ownedBy(storage, user))).toEqual([]);
    expect(after.sort(byKeyAndVersion)).toEqual(othersBefore.sort(byKeyAndVersion));
  });
});
