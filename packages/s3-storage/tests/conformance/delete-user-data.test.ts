import { describe, expect, it } from 'vitest';
import type { S3Storage } from '../../src/storage.ts';
import { imageBytes, type StoredVersion, useConformanceS3 } from '../helpers/conformance-s3.ts';

const s3 = useConformanceS3();

/** What happened to a key, in order: each put writes a version, each delete a delete marker. */
type History = readonly ('put' | 'delete')[];

/**
 * Gives the user versions and delete markers in every area of the layout. No put follows a
 * delete: on versitygw v1.8.0 with sidecar metadata an object put at a key that has had a
 * delete marker is listed and served as one (the marker's attribute outlives it).
 * @returns how many versions and markers the user's keys hold.
 */
async function seedHistory(storage: S3Storage, user: string): Promise<number> {
  const at = (ms: number) => ({ date: new Date(1_760_000_000_000 + ms) });
  const histories: [string, History][] = [
    [storage.getSubjectKey(user), ['put', 'put', 'delete', 'delete']],
    [storage.getAvatarKey(user), ['put', 'put', 'put', 'delete']],
    [storage.getGeneratedKey('memory', user, at(1)), ['put', 'put']],
    [storage.getGeneratedKey('memory', user, at(2)), ['put', 'delete', 'delete']],
    [storage.getGeneratedKey('subject', user, at(3)), ['put', 'put', 'delete']],
    [storage.getGeneratedKey('subject', user, at(4)), ['put', 'put', 'put']],
  ];
  for (const [key, history] of histories) {
    for (const step of history) {
      if (step === 'put')
        await storage.putObject(key, imageBytes(64), { contentType: 'image/png' });
      else await storage.deleteObject(key);
    }
  }
  return histories.reduce((sum, [, history]) => sum + history.length, 0);
}

/** Whether a listed key is one of the user's, by the layout's own keys and prefixes. */
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

describe('deleteUserData with all versions, on a versioned bucket of a real S3', () => {
  it.each([
    ['listed in pages of the default size', {}],
    // Small pages make every listing go on from a marker, as a user with many versions does.
    ['listed in pages of two entries', { listPageSize: 2 }],
  ])(
    "leaves no version or delete marker of the user in any area, and every other user's untouched (%s)",
    async (_, options) => {
      const storage = s3.storage(options);
      const user = s3.newUser();
      const other = s3.newUser();
      const seeded = await seedHistory(storage, user);
      await seedHistory(storage, other);
      const before = await s3.versionsUnder('');
      expect(before.filter(ownedBy(storage, user))).toHaveLength(seeded);
      const othersBefore = before.filter((entry) => !ownedBy(storage, user)(entry));

      const deleted = await storage.deleteUserData(user, { allVersions: true });

      expect(deleted).toEqual({
        subjects: 1,
        avatars: 1,
        'generated/memory': 2,
        'generated/subject': 2,
      });
      const after = await s3.versionsUnder('');
      expect(after.filter(ownedBy(storage, user))).toEqual([]);
      expect(after.sort(byKeyAndVersion)).toEqual(othersBefore.sort(byKeyAndVersion));
    },
  );
});

describe('deleteObjectVersions on a versioned bucket of a real S3', () => {
  it('leaves no version or delete marker of the key, and every other key untouched', async () => {
    const storage = s3.storage({ listPageSize: 2 });
    const user = s3.newUser();
    const marker = storage.keys.deletionMarkerKey(user);
    // A key the marker's key is a prefix of must survive: the deletion is of the exact key.
    const longer = `${marker}.bak`;
    for (const key of [marker, marker, longer]) {
      await storage.putObject(key, '{}', { contentType: 'application/json' });
    }
    await storage.deleteObject(marker);
    await storage.putObject(marker, '{}', { contentType: 'application/json' });
    expect(await s3.versionsOf(marker)).toHaveLength(4);
    const othersBefore = (await s3.versionsUnder('')).filter((entry) => entry.key !== marker);

    expect(await storage.deleteObjectVersions(marker)).toBe(true);

    expect(await s3.versionsOf(marker)).toEqual([]);
    const after = await s3.versionsUnder('');
    expect(after.sort(byKeyAndVersion)).toEqual(othersBefore.sort(byKeyAndVersion));
    expect(await storage.deleteObjectVersions(marker)).toBe(false);
  });
});
