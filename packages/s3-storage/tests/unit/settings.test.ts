import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.ts';
import { readWholeNumber, wholeNumber } from '../../src/settings.ts';

describe('wholeNumber', () => {
  it('accepts every integer in range, as a number or as its digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 50 }), fc.boolean(), (value, asText) => {
        const parsed = wholeNumber(-10, 10).safeParse(asText ? ` ${value} ` : value);
        expect(parsed.success).toBe(value >= -10 && value <= 10);
        if (parsed.success) expect(parsed.data).toBe(value);
      }),
    );
  });

  it.each(['1e3', '0x10', '5.0', '5.5', '', 'ten', '9007199254740993'])(
    'refuses %j, which Number() would read as something',
    (raw) => {
      expect(wholeNumber(0).safeParse(raw).success).toBe(false);
    },
  );

  it('refuses any string that is not plain decimal digits', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/^\s*-?\d+\s*$/.test(text)),
        (text) => {
          expect(wholeNumber(0).safeParse(text).success).toBe(false);
        },
      ),
    );
  });
});

describe('readWholeNumber', () => {
  it('returns the fallback when the variable is unset or blank', () => {
    expect(readWholeNumber({ N: ' ' }, 'N', 7, { min: 1 })).toBe(7);
  });

  it('throws a ConfigurationError naming the variable, the range, the value and the hint', () => {
    const read = () => readWholeNumber({ N: '1e3' }, 'N', 7, { min: 1, max: 99, hint: 'Why.' });
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('N: must be a whole number from 1 to 99, got "1e3". Why.');
  });

  it('says "of at least" when there is no upper bound', () => {
    expect(() => readWholeNumber({ N: '0' }, 'N', 7, { min: 1 })).toThrow(
      'N: must be a whole number of at least 1, got "0".',
    );
  });
});
