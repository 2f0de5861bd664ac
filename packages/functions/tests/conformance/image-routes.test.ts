import { describe, expect, it } from 'vitest';
import { handler as getAvatarImage } from '../../src/handlers/get-avatar-image.ts';
import { sendRaw, withKey, withTamperedSignature } from '../helpers/conformance-s3.ts';
import { invoke } from '../helpers/events.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage({ engine: 'versitygw' });

/** A fresh user with an avatar, and the URL GET /images/avatar gives them for it. */
async function servedAvatar() {
  const user = fixture.newUser();
  const image = fakePng(2000);
  const key = fixture.storage().getAvatarKey(user);
  await fixture.storage().putObject(key, image, { contentType: 'image/png' });
  const result = await invoke(getAvatarImage, {
    method: 'GET',
    route: '/images/avatar',
    sub: user,
  });
  expect(result.statusCode).toBe(200);
  return { image, key, url: result.json.url as string };
}

describe('GET /images/avatar against a real S3', () => {
  it('gives a URL that the server answers with 200 and the stored bytes', async () => {
    const { image, url } = await servedAvatar();

    const get = await sendRaw('GET', url);

    expect(get.status).toBe(200);
    expect(get.body.equals(image)).toBe(true);
  });

  it("gives a URL that the server refuses with 403 once its signature is tampered with or it is pointed at another user's avatar", async () => {
    const { key, url } = await servedAvatar();
    const other = await servedAvatar();

    const tampered = await sendRaw('GET', withTamperedSignature(url));
    const elsewhere = await sendRaw('GET', withKey(url, key, other.key));

    expect([tampered.status, tampered.errorCode]).toEqual([403, 'SignatureDoesNotMatch']);
    expect([elsewhere.status, elsewhere.errorCode]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(elsewhere.body.includes(other.image.subarray(8, 40))).toBe(false);
  });
});
