import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.ts';
import { createKeyFilter } from '../../src/key-filter.ts';

const KEYS = ['a.png', 'b.webp', '.hidden.png', 'u1/c.png', 'u1/drafts/d.png', 'u2/e.txt'];
const selected = (include: string[], exclude: string[] = []) =>
  KEYS.filter(createKeyFilter(include, exclude));

describe('createKeyFilter', () => {
  it('selects every key when no glob is given', () => {
    expect(selected([])).toEqual(KEYS);
  });

  it.each([
    [['*.png'], ['a.png', '.hidden.png', 'u1/c.png', 'u1/drafts/d.png']],
    [['u1/*'], ['u1/c.png']],
    [['u1/**'], ['u1/c.png', 'u1/drafts/d.png']],
    [['**/drafts/**'], ['u1/drafts/d.png']],
    [['*.{webp,txt}'], ['b.webp', 'u2/e.txt']],
    [['?.png'], ['a.png', 'u1/c.png', 'u1/drafts/d.png']],
    [['u[12]/*'], ['u1/c.png', 'u2/e.txt']],
  ])('with --include %j selects %j', (include, expected) => {
    expect(selected(include)).toEqual(expected);
  });

  it('selects a key that matches any --include, and leaves out one that matches any --exclude', () => {
    expect(selected(['*.png', '*.txt'], ['u1/**', '.*'])).toEqual(['a.png', 'u2/e.txt']);
  });

  it('throws naming the option for an empty glob', () => {
    expect(() => createKeyFilter([], [' '])).toThrow(InvalidOptionError);
    expect(() => createKeyFilter([''])).toThrow(/--include "" cannot be used/);
  });
});
