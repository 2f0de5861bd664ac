import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../src/errors.ts';
import { KeyLayout, type KeyPrefixes, STORAGE_AREAS } from '../../src/key-layout.ts';

const layout = new KeyLayout();

/** Test names that show the code points the rule refuses: %j leaves C1 and others raw. */
const escapeRefused = (json: string) =>
  json.replace(
    /[\u007f-\u009f]|\p{Noncharacter_Code_Point}/gu,
    (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`,
  );
const visible = (text: string) => escapeRefused(JSON.stringify(text));

describe('KeyLayout', () => {
  it('builds the spec tree with the default prefixes', () => {
    expect(layout.subjectKey('user-1')).toBe('subjects/user-1.png');
    expect(layout.avatarKey('user-1')).toBe('avatars/user-1.png');
    expect(layout.stubKey('cat')).toBe('stubs/cat.png');
    expect(layout.stubKey('cat.png')).toBe('stubs/cat.png');
  });

  it('builds generated keys with a fixed-width timestamp and the uuid', () => {
    const key = layout.generatedKey('memory', 'user-1', {
      date: new Date(5),
      uuid: '123e4567-e89b-42d3-a456-426614174000',
    });
    expect(key).toBe(
      'generated/memory/user-1/0000000000005-123e4567-e89b-42d3-a456-426614174000.png',
    );
  });

  it('makes generated keys that sort in time order', () => {
    const early = layout.generatedKey('subject', 'u', { date: new Date(999) });
    const late = layout.generatedKey('subject', 'u', { date: new Date(1_700_000_000_000) });
    expect([late, early].sort()).toEqual([early, late]);
  });

  it('parses the generated keys it builds', () => {
    const key = layout.generatedKey('subject', 'user-9', {
      date: new Date(1_700_000_000_123),
      uuid: '123e4567-e89b-42d3-a456-426614174000',
    });
    expect(layout.parseGeneratedKey(key)).toEqual({
      kind: 'subject',
      userId: 'user-9',
      timestampMs: 1_700_000_000_123,
      uuid: '123e4567-e89b-42d3-a456-426614174000',
    });
    expect(layout.parseGeneratedKey('generated/memory/u/not-a-key.png')).toBeUndefined();
    expect(layout.parseGeneratedKey('subjects/u.png')).toBeUndefined();
  });

  it('uses configured prefixes everywhere', () => {
    const custom = new KeyLayout({ subjects: 'refs/', generated: 'gen/v2/' });
    expect(custom.subjectKey('u')).toBe('refs/u.png');
    expect(custom.areaPrefix('generated/memory')).toBe('gen/v2/memory/');
    expect(custom.areaOf('gen/v2/subject/u/x.png')).toBe('generated/subject');
    expect(custom.areaOf('subjects/u.png')).toBeUndefined();
  });

  it('names every area with its prefix', () => {
    expect(STORAGE_AREAS.map((area) => layout.areaPrefix(area))).toEqual([
      'subjects/',
      'avatars/',
      'generated/',
      'generated/memory/',
      'generated/subject/',
      'stubs/',
      'deletions/',
    ]);
  });

  it('builds one pending-deletion marker key per user, outside every user area, and parses it back', () => {
    const key = layout.deletionMarkerKey('user-1');
    expect(key).toBe('deletions/user-1.json');
    expect(layout.areaOf(key)).toBe('deletions');
    expect(layout.parseDeletionMarkerKey(key)).toBe('user-1');
    const userKeys = layout.userKeys('user-1');
    expect([userKeys.subject, userKeys.avatar, ...Object.values(userKeys.generated)]).not.toContain(
      key,
    );
    expect(new KeyLayout({ deletions: 'ops/erase/' }).deletionMarkerKey('u')).toBe(
      'ops/erase/u.json',
    );
  });

  it('parses no marker from a key that is not one', () => {
    for (const key of [
      'deletions/u.png',
      'deletions/.json',
      'deletions/a/b.json',
      'deletions/a..json',
      'subjects/u.json',
      'deletions/',
    ]) {
      expect(layout.parseDeletionMarkerKey(key), key).toBeUndefined();
    }
  });

  it('throws when a marker is asked for a user id the layout refuses', () => {
    expect(() => layout.deletionMarkerKey('a/b')).toThrow(InvalidKeyError);
  });

  it.each(
    [
      ['', 'must not be empty'],
      ['   ', 'must not be empty'],
      ['a/b', 'must not contain "/"'],
      ['a\\b', 'must not contain "/" or "\\"'],
      ['..', 'must not contain ".."'],
      ['a..b', 'must not contain ".."'],
      ['a.', 'must not end in "."'],
      ['.', 'must not contain ".."'],
      ['\u00e9.', 'must not end in "."'],
      ['a\nb', 'control characters'],
      ['a\u007fb', 'control characters'],
      ['a\u0085b', 'control characters'],
      ['\u009f', 'control characters'],
      ['a\ud800b', 'unpaired surrogates'],
      ['a\udc00', 'unpaired surrogates'],
      ['\udfff\ud800', 'unpaired surrogates'],
      ['a\ufdd0', 'non-characters'],
      ['a\ufffe', 'non-characters'],
      ['a\u{10ffff}', 'non-characters'],
      ['x'.repeat(129), 'at most 128 characters'],
    ].map(([userId, rule]) => [visible(userId!), userId!, rule!]),
  )('throws when the user id is %s', (_name, userId, rule) => {
    expect(() => layout.subjectKey(userId)).toThrow(InvalidKeyError);
    expect(() => layout.subjectKey(userId)).toThrow(rule);
  });

  it('accepts ids in any script, astral characters, and the space and format characters next to the refused ranges', () => {
    for (const userId of [
      'émile',
      'ユーザー',
      '😀',
      'a\u00a0b',
      'a\u00a1',
      'a\u007e',
      'a\ufdcf',
      'a\ufdf0',
      'a\ufffd',
      '\u{10fffd}',
    ]) {
      expect(layout.subjectKey(userId), userId).toBe(`subjects/${userId}.png`);
    }
  });

  it('names the refused code point, escaped so it shows, with the rule and the fix', () => {
    expect(() => layout.subjectKey('a\u0085b')).toThrow(
      'Invalid userId "a\\u0085b": it must not contain control characters (U+0000-U+001F, ' +
        'U+007F-U+009F), and it has U+0085 at index 1. Use 1-128 characters with no "/", "\\" ' +
        'or "..", no "." at the end, no control character, unpaired surrogate or non-character.',
    );
    expect(() => layout.stubKey('x\u007f')).toThrow('Invalid stub name "x\\u007f"');
    expect(() => layout.subjectKey('x\ud83d')).toThrow(
      '"x\\ud83d": it must not contain unpaired surrogates',
    );
    expect(() => layout.avatarKey('x\u{1fffe}')).toThrow(
      '"x\\ud83f\\udffe": it must not contain Unicode non-characters (U+FDD0-U+FDEF, U+xxFFFE, ' +
        'U+xxFFFF), and it has U+1FFFE at index 1.',
    );
  });

  it('keeps the refused value itself on the error', () => {
    expect(() => layout.subjectKey('a\u0085b')).toThrow(
      expect.objectContaining({ value: 'a\u0085b' }),
    );
  });

  it('throws InvalidKeyError, not TypeError, when the id is not a string, even an object without a prototype', () => {
    for (const userId of [undefined, 42, Symbol('id'), Object.create(null), { toString: 1 }]) {
      expect(() => layout.subjectKey(userId as string), String(typeof userId)).toThrow(
        InvalidKeyError,
      );
    }
  });

  it('throws when the generated kind is unknown', () => {
    expect(() => layout.generatedKey('other' as 'memory', 'u')).toThrow(
      'Invalid generated kind "other": use one of memory, subject.',
    );
  });

  it.each(
    (
      [
        [{ subjects: 'subjects' }, 'must end in "/"'],
        [{ avatars: '/avatars/' }, 'must not start with "/"'],
        [{ stubs: '../stubs/' }, 'must not contain ".."'],
        [{ stubs: 'a//b/' }, 'empty segment'],
        [{ stubs: 'generated/stubs/' }, 'lies inside prefix "generated/"'],
        [{ stubs: 'generated/' }, 'used twice'],
        [{ deletions: 'subjects/deletions/' }, 'lies inside prefix "subjects/"'],
        [{ stubs: 'st\u0085ubs/' }, 'control characters'],
        [{ stubs: 'stubs\ud800/' }, 'unpaired surrogates'],
        [{ stubs: 'stubs\uffff/' }, 'non-characters'],
      ] satisfies [Partial<KeyPrefixes>, string][]
    ).map(([prefixes, rule]) => [escapeRefused(JSON.stringify(prefixes)), prefixes, rule] as const),
  )('throws when a prefix is invalid: %s', (_name, prefixes, rule) => {
    expect(() => new KeyLayout(prefixes)).toThrow(rule);
  });

  it('refuses keys outside the layout', () => {
    for (const key of [
      'other/x.png',
      'subjects/',
      '',
      'subjects/../avatars/x.png',
      'subjects/a\u0000b',
      'subjects/a\ud800b.png',
    ]) {
      expect(() => layout.assertKeyInLayout(key)).toThrow(InvalidKeyError);
    }
    expect(() => layout.assertKeyInLayout('generated/memory/u/x.png')).not.toThrow();
  });

  it('still places keys that ids could hold before C1 and non-characters were refused, so they can be deleted', () => {
    expect(layout.areaOf('subjects/a\u0085b.png')).toBe('subjects');
    expect(layout.areaOf('generated/memory/a\ufffe/x.png')).toBe('generated/memory');
  });
});

describe('KeyLayout properties', () => {
  const anyText = fc.string({ unit: 'binary', maxLength: 200 });

  it('never builds a subject or avatar key outside its prefix, and puts the id in one segment', () => {
    fc.assert(
      fc.property(anyText, (userId) => {
        let key: string;
        try {
          key = layout.subjectKey(userId);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidKeyError);
          return;
        }
        expect(key.startsWith('subjects/')).toBe(true);
        expect(key.split('/')).toHaveLength(2);
        expect(key).not.toContain('..');
        expect(layout.areaOf(key)).toBe('subjects');
        expect(layout.avatarKey(userId).startsWith('avatars/')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never builds a generated key outside the user's own folder", () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('memory', 'subject') as fc.Arbitrary<'memory' | 'subject'>,
        (userId, kind) => {
          let key: string;
          try {
            key = layout.generatedKey(kind, userId);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidKeyError);
            return;
          }
          expect(key.startsWith(`generated/${kind}/${userId}/`)).toBe(true);
          expect(key.split('/')).toHaveLength(4);
          expect(layout.parseGeneratedKey(key)?.userId).toBe(userId);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never lets one user's generated prefix contain another user's keys", () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        fc.pre(a !== b);
        let prefixA: string;
        let keyB: string;
        try {
          prefixA = layout.generatedUserPrefix('memory', a);
          keyB = layout.generatedKey('memory', b);
        } catch {
          return;
        }
        expect(keyB.startsWith(prefixA)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('never builds a stub key outside the stubs prefix', () => {
    fc.assert(
      fc.property(anyText, (name) => {
        try {
          const key = layout.stubKey(name);
          expect(key.startsWith('stubs/')).toBe(true);
          expect(key.split('/')).toHaveLength(2);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidKeyError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
