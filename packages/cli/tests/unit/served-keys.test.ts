import { KeyLayout } from '@autobio/s3-storage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isServedKey,
  relatedAreas,
  servedKeyShapes,
  servedMapping,
} from '../../src/served-keys.ts';

const layout = new KeyLayout();
const custom = new KeyLayout({ generated: 'illustrations/', stubs: 'placeholders/' });
const userId = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('isServedKey', () => {
  it('takes every key the layout builds for a route', () => {
    fc.assert(
      fc.property(
        userId,
        fc.constantFrom('memory', 'subject') as fc.Arbitrary<'memory' | 'subject'>,
        (id, kind) => {
          for (const keys of [layout, custom]) {
            expect(isServedKey(keys, keys.subjectKey(id))).toBe(true);
            expect(isServedKey(keys, keys.avatarKey(id))).toBe(true);
            expect(isServedKey(keys, keys.generatedKey(kind, id))).toBe(true);
            expect(isServedKey(keys, keys.stubKey(id))).toBe(true);
          }
        },
      ),
    );
  });

  it.each([
    ['a file under generated/ that is not a generated key', 'generated/u1/img-1.png'],
    ['a generated key of an unknown kind', `generated/legacy/u1/1714521600000-${UUID}.png`],
    ['a generated key one folder too deep', `generated/memory/old/u1/1714521600000-${UUID}.png`],
    ['a subject image in a folder', 'subjects/2024/u1.png'],
    ['an avatar that is not a PNG key', 'avatars/u1.webp'],
    ['a stub in a folder', 'stubs/drafts/forest.png'],
    ['a key outside the layout', 'backups/u1.png'],
    [
      'a generated key under the default prefix when it is configured otherwise',
      `generated/memory/u1/1714521600000-${UUID}.png`,
    ],
  ])('refuses %s', (_, key) => {
    const keys = key.startsWith('generated/memory/u1/') ? custom : layout;
    expect(isServedKey(keys, key)).toBe(false);
  });
});

describe('servedKeyShapes', () => {
  it("names the keys the API reads with the layout's prefixes", () => {
    expect(servedKeyShapes(custom)).toBe(
      'subjects/{userId}.png, avatars/{userId}.png, ' +
        'illustrations/{memory|subject}/{userId}/{timestamp}-{uuid}.png, placeholders/{name}.png',
    );
  });
});

describe('servedMapping', () => {
  it('suggests every area under which a key below the source prefix is served', () => {
    expect(servedMapping(layout, 'u1.png')).toEqual({
      sourceSubPrefix: '',
      areas: ['subjects', 'avatars', 'stubs'],
      exampleKey: 'subjects/u1.png',
    });
    expect(servedMapping(layout, `memory/u1/1714521600000-${UUID}.png`)).toEqual({
      sourceSubPrefix: '',
      areas: ['generated'],
      exampleKey: `generated/memory/u1/1714521600000-${UUID}.png`,
    });
  });

  it('drops the fewest leading folders that are in the way', () => {
    expect(servedMapping(layout, `2024/legacy/u1/1714521600000-${UUID}.png`)).toEqual({
      sourceSubPrefix: '2024/legacy/',
      areas: ['generated/memory', 'generated/subject'],
      exampleKey: `generated/memory/u1/1714521600000-${UUID}.png`,
    });
  });

  it('looks only in the areas it is given', () => {
    const generated = relatedAreas(layout, 'generated');
    expect(servedMapping(layout, 'u1/img-1.png', generated)).toBeUndefined();
    expect(servedMapping(layout, 'u1/img-1.png')).toMatchObject({
      areas: ['subjects', 'avatars', 'stubs'],
    });
  });

  it('finds none for a name the API never reads', () => {
    expect(servedMapping(layout, 'notes.txt')).toBeUndefined();
  });
});

describe('relatedAreas', () => {
  it('gives an area, the areas inside it and the one it is inside', () => {
    expect(relatedAreas(layout, 'generated')).toEqual([
      'generated',
      'generated/memory',
      'generated/subject',
    ]);
    expect(relatedAreas(layout, 'generated/memory')).toEqual(['generated', 'generated/memory']);
    expect(relatedAreas(layout, 'stubs')).toEqual(['stubs']);
  });
});
