import { describe, expect, it } from 'vitest';
import { handler as getAvatarImage } from '../../src/handlers/get-avatar-image.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();

describe('GET /images/subject and /images/avatar', () => {
  it('answers 404 SubjectImageNotFound, pointing at the upload route, when the caller has none', async () => {
    const result = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: fixture.newUser(),
    });
    expect(result.statusCode).toBe(404);
    expect(result.json.error).toMatchObject({ code: 'SubjectImageNotFound' });
    expect(result.json.error.message).toContain('POST /uploads/subject');
  });

  it('answers 404 AvatarNotFound when the caller has a subject image but no avatar', async () => {
    const user = fixture.newUser();
    await fixture
      .storage()
      .putObject(`subjects/${user}.png`, fakePng(), { contentType: 'image/png' });
    const result = await invoke(getAvatarImage, {
      method: 'GET',
      route: '/images/avatar',
      sub: user,
    });
    expect(result.statusCode).toBe(404);
    expect(result.json.error.code).toBe('AvatarNotFound');
  });

  it('serves the avatar with its size and date, and a URL that downloads it', async () => {
    const user = fixture.newUser();
    const image = fakePng(300);
    await fixture.storage().putObject(`avatars/${user}.png`, image, { contentType: 'image/png' });

    const result = await invoke(getAvatarImage, {
      method: 'GET',
      route: '/images/avatar',
      sub: user,
    });

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.json).toMatchObject({ key: `avatars/${user}.png`, sizeBytes: 300 });
    expect(Date.parse(result.json.lastModified)).not.toBeNaN();
    const expiresInMs = Date.parse(result.json.expiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(14 * 60 * 1000);
    expect(expiresInMs).toBeLessThanOrEqual(15 * 60 * 1000);
    const response = await fetch(result.json.url);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(image);
  });

  it("never serves another user's image, whatever the query or a longer id sharing the prefix", async () => {
    const userB = fixture.newUser();
    // Another user's key that starts with user A's whole key.
    const userA = `${userB}.png`;
    await fixture
      .storage()
      .putObject(`subjects/${userB}.png`, fakePng(), { contentType: 'image/png' });
    await fixture
      .storage()
      .putObject(`subjects/${userA}.png`, fakePng(), { contentType: 'image/png' });
    const userC = fixture.newUser();

    const asC = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: userC,
      query: { userId: userB, key: `subjects/${userB}.png` },
    });
    expect(asC.statusCode).toBe(404);

    // user B's key is a prefix of user A's: A gets A's, and B gets B's.
    const asA = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: userA,
    });
    expect(asA.json.key).toBe(`subjects/${userA}.png`);
    const asB = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: userB,
    });
    expect(asB.json.key).toBe(`subjects/${userB}.png`);
  });
});
