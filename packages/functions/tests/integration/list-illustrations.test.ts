import type { GeneratedKind } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();

/** Stores `count` illustrations one minute apart; returns their keys and bytes, oldest first. */
async function seed(user: string, kind: GeneratedKind, count: number) {
  const made: { key: string; image: Buffer; createdAt: Date }[] = [];
  for (let i = 0; i < count; i += 1) {
    const createdAt = new Date(Date.UTC(2025, 0, 1, 12, i));
    const key = fixture.storage().getGeneratedKey(kind, user, { date: createdAt });
    const image = fakePng(100 + i);
    await fixture.storage().putObject(key, image, { contentType: 'image/png' });
    made.push({ key, image, createdAt });
  }
  return made;
}

const list = (sub: string, kind: string, query?: Record<string, string>) =>
  invoke(listIllustrations, {
    method: 'GET',
    route: '/illustrations/{kind}',
    sub,
    pathParameters: { kind },
    ...(query ? { query } : {}),
  });

describe('GET /illustrations/{kind}', () => {
  it('lists newest first, page by page with the cursor, each with a URL that downloads it', async () => {
    const user = fixture.newUser();
    const made = await seed(user, 'memory', 5);
    await seed(user, 'subject', 2);
    const newestFirst = [...made].reverse();

    const seen: { key: string; url: string; createdAt: string; sizeBytes: number }[] = [];
    let cursor: string | undefined;
    const pageSizes: number[] = [];
    do {
      const page = await list(user, 'memory', { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.statusCode).toBe(200);
      pageSizes.push(page.json.items.length);
      seen.push(...page.json.items);
      cursor = page.json.nextCursor ?? undefined;
    } while (cursor);

    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen.map((item) => item.key)).toEqual(newestFirst.map((item) => item.key));
    expect(seen.map((item) => item.createdAt)).toEqual(
      newestFirst.map((item) => item.createdAt.toISOString()),
    );
    expect(seen.map((item) => item.sizeBytes)).toEqual(
      newestFirst.map((item) => item.image.length),
    );
    for (const [index, item] of seen.entries()) {
      const response = await fetch(item.url);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(newestFirst[index]!.image);
    }
  });

  it('answers an empty first page with a null cursor when there is nothing', async () => {
    const result = await list(fixture.newUser(), 'subject');
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ items: [], nextCursor: null });
  });

  it('uses 50 as the default page size', async () => {
    const user = fixture.newUser();
    await Promise.all(
      Array.from({ length: 51 }, (_, i) =>
        fixture
          .storage()
          .putObject(
            fixture.storage().getGeneratedKey('subject', user, { date: new Date(1e12 + i) }),
            fakePng(16),
          ),
      ),
    );
    const result = await list(user, 'subject');
    expect(result.json.items).toHaveLength(50);
    expect(result.json.nextCursor).toEqual(expect.any(String));
  });

  describe('refuses', () => {
    it('a kind that is not memory or subject, including path tricks, with 400 naming the kinds', async () => {
      const user = fixture.newUser();
      for (const kind of [
        'avatar',
        '..',
        '../subject',
        'memory/..',
        'memory/other-user',
        '%2e%2e',
        '',
        'MEMORY',
      ]) {
        const result = await list(user, kind);
        expect(result.statusCode, kind).toBe(400);
        expect(result.json.error.code).toBe('InvalidRequest');
        expect(result.json.error.details).toEqual([
          { path: 'path.kind', message: 'must be one of memory, subject' },
        ]);
      }
    });

    it('a limit outside 1 to 1000 with 400 naming limit', async () => {
      for (const limit of ['0', '1001', '-1', '2.5', 'ten', '']) {
        const result = await list(fixture.newUser(), 'memory', { limit });
        expect(result.statusCode, limit).toBe(400);
        expect(result.json.error.details[0].path).toBe('query.limit');
      }
    });

    it("another user's cursor with 400 InvalidCursor, and never pages through their items", async () => {
      const userA = fixture.newUser();
      const userB = fixture.newUser();
      await seed(userA, 'memory', 1);
      await seed(userB, 'memory', 3);
      const pageOfB = await list(userB, 'memory', { limit: '1' });
      expect(pageOfB.json.nextCursor).toEqual(expect.any(String));

      const result = await list(userA, 'memory', { cursor: pageOfB.json.nextCursor });

      expect(result.statusCode).toBe(400);
      expect(result.json.error.code).toBe('InvalidCursor');
      expect(result.rawBody).not.toContain(userB);
    });

    it("a cursor of the caller's other kind, or one made up, with 400", async () => {
      const user = fixture.newUser();
      await seed(user, 'subject', 2);
      const subjectPage = await list(user, 'subject', { limit: '1' });
      const forged = Buffer.from(`generated/memory/${user}/../../subject/${user}/x.png`).toString(
        'base64url',
      );
      for (const cursor of [subjectPage.json.nextCursor, 'not-a-cursor', 'a/b', forged]) {
        const result = await list(user, 'memory', { cursor });
        expect(result.statusCode, cursor).toBe(400);
      }
    });
  });

  it("lists only the caller's illustrations, never another user's", async () => {
    const userA = fixture.newUser();
    const userB = fixture.newUser();
    const madeA = await seed(userA, 'memory', 2);
    await seed(userB, 'memory', 3);

    const result = await list(userA, 'memory', { limit: '1000' });

    expect(result.json.items.map((item: { key: string }) => item.key).sort()).toEqual(
      madeA.map((item) => item.key).sort(),
    );
  });
});
