import type { GeneratedKind } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();

async function seedUser(user: string, generated: Record<GeneratedKind, number>): Promise<string[]> {
  const storage = fixture.storage();
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

const remove = (sub: string | null) =>
  invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub });

describe('DELETE /me/data', () => {
  it("deletes every object of the caller, reports them per prefix, and leaves other users' alone", async () => {
    const userA = fixture.newUser();
    const userB = fixture.newUser();
    const keysA = await seedUser(userA, { memory: 3, subject: 2 });
    const keysB = await seedUser(userB, { memory: 1, subject: 1 });

    const result = await remove(userA);

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({
      deleted: { subjects: 1, avatars: 1, 'generated/memory': 3, 'generated/subject': 2 },
      total: 7,
    });
    for (const key of keysA) expect(await fixture.storage().objectExists(key), key).toBe(false);
    for (const key of keysB) expect(await fixture.storage().objectExists(key), key).toBe(true);
  });

  it('is idempotent: a second call, or a user with nothing, reports zeros', async () => {
    const user = fixture.newUser();
    await seedUser(user, { memory: 1, subject: 0 });
    await remove(user);

    const again = await remove(user);

    expect(again.statusCode).toBe(200);
    expect(again.json).toEqual({
      deleted: { subjects: 0, avatars: 0, 'generated/memory': 0, 'generated/subject': 0 },
      total: 0,
    });
  });

  it('refuses a request without a user with 401 and deletes nothing', async () => {
    const user = fixture.newUser();
    const keys = await seedUser(user, { memory: 1, subject: 1 });
    const result = await remove(null);
    expect(result.statusCode).toBe(401);
    for (const key of keys) expect(await fixture.storage().objectExists(key)).toBe(true);
  });
});
