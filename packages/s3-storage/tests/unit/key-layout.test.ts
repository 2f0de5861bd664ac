import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../src/errors.ts';
import { KeyLayout, STORAGE_AREAS } from '../../src/key-layout.ts';

const layout = new KeyLayout();

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
    ]);
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['a/b', 'must not contain "/"'],
    ['a\\b', 'must not contain "/" or "\\"'],
    ['..', 'must not contain ".."'],
    ['a..b', 'must not contain ".."'],
    ['a\nb', 'control characters'],
    ['x'.repeat(129), 'at most 128 characters'],
  ])('throws when the user id is %j', (userId, rule) => {
    expect(() => layout.subjectKey(userId)).toThrow(InvalidKeyError);
    expect(() => layout.subjectKey(userId)).toThrow(rule);
  });

  it('throws when the generated kind is unknown', () => {
    expect(() => layout.generatedKey('other' as 'memory', 'u')).toThrow(
      'Invalid generated kind "other": use one of memory, subject.',
    );
  });

  it.each([
    [{ subjects: 'subjects' }, 'must end in "/"'],
    [{ avatars: '/avatars/' }, 'must not start with "/"'],
    [{ stubs: '../stubs/' }, 'must not contain ".."'],
    [{ stubs: 'a//b/' }, 'empty segment'],
    [{ stubs: 'generated/stubs/' }, 'lies inside prefix "generated/"'],
    [{ stubs: 'generated/' }, 'used twice'],
  ])('throws when a prefix is invalid: %j', (prefixes, rule) => {
    expect(() => new KeyLayout(prefixes)).toThrow(rule);
  });

  it('refuses keys outside the layout', () => {
    for (const key of [
      'other/x.png',
      'subjects/',
      '',
      'subjects/../avatars/x.png',
      'subjects/a\u0000b',
    ]) {
      expect(() => layout.assertKeyInLayout(key)).toThrow(InvalidKeyError);
    }
    expect(() => layout.assertKeyInLayout('generated/memory/u/x.png')).not.toThrow();
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
