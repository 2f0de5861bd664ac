import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../src/sha256.ts';

const hex = async (hash: Sha256) => Buffer.from(await hash.digest()).toString('hex');

describe("the signer's SHA-256", () => {
  it('digests as Node does, keyed by strings, bytes, views and ArrayBuffers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array(),
        fc.uint8Array({ minLength: 1 }),
        fc.string(),
        async (data, key, text) => {
          const plain = new Sha256();
          plain.update(data);
          plain.update(text);
          expect(await hex(plain)).toBe(
            createHash('sha256').update(data).update(text).digest('hex'),
          );

          const padded = new Uint8Array(key.length + 3);
          padded.set(key, 2);
          const secrets = [
            key,
            key.slice().buffer,
            padded.subarray(2, 2 + key.length),
            Buffer.from(key),
          ];
          const expected = createHmac('sha256', key).update(data).digest('hex');
          for (const secret of secrets) {
            const hmac = new Sha256(secret);
            hmac.update(data);
            expect(await hex(hmac)).toBe(expected);
          }
          const byText = new Sha256(text);
          byText.update(data);
          expect(await hex(byText)).toBe(createHmac('sha256', text).update(data).digest('hex'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps one key object per secret, never mixing two secrets up', async () => {
    const first = new Uint8Array(32).fill(1);
    const second = new Uint8Array(32).fill(2);
    for (let round = 0; round < 3; round += 1) {
      for (const secret of [first, second]) {
        const hmac = new Sha256(secret);
        hmac.update('string to sign');
        expect(await hex(hmac)).toBe(
          createHmac('sha256', secret).update('string to sign').digest('hex'),
        );
      }
    }
  });

  it('starts over after reset, with the same key', async () => {
    const hmac = new Sha256('key');
    hmac.update('discarded');
    hmac.reset();
    hmac.update('kept');
    expect(await hex(hmac)).toBe(createHmac('sha256', 'key').update('kept').digest('hex'));
  });

  it('accepts an empty key as an HMAC key of no bytes', async () => {
    const hmac = new Sha256(new Uint8Array(0));
    hmac.update('x');
    expect(await hex(hmac)).toBe(createHmac('sha256', Buffer.alloc(0)).update('x').digest('hex'));
  });
});
