import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../src/errors.ts';
import { assertKeySegment, KeyLayout } from '../../src/key-layout.ts';

const layout = new KeyLayout();

/**
 * The refused code points of `text`, found by arithmetic on code units: an implementation of
 * the rule independent of the regular expressions in key-layout.ts.
 */
function forbiddenIn(text: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    let codePoint = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      codePoint = 0x10000 + (unit - 0xd800) * 0x400 + (next - 0xdc00);
      i += 1;
    }
    const control = codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);
    const unpaired = codePoint >= 0xd800 && codePoint <= 0xdfff;
    const nonCharacter =
      (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe;
    if (control || unpaired || nonCharacter) found.push(codePoint);
  }
  return found;
}

/** The whole segment rule, written out again from the README. */
function allowed(text: string): boolean {
  return (
    text.length >= 1 &&
    text.length <= 128 &&
    text.trim() !== '' &&
    !text.includes('/') &&
    !text.includes('\\') &&
    text !== '.' &&
    !text.includes('..') &&
    !text.endsWith('.') &&
    forbiddenIn(text).length === 0
  );
}

const hex = (codePoint: number) => codePoint.toString(16).toUpperCase().padStart(4, '0');

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));
/** Every kind of refused code point, each kind as likely as the others. */
const forbiddenCodePoint = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }),
    fc.constant(0x7f),
    fc.integer({ min: 0x80, max: 0x9f }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.integer({ min: 0xfdd0, max: 0xfdef }),
    fc
      .tuple(fc.integer({ min: 0, max: 0x10 }), fc.constantFrom(0xfffe, 0xffff))
      .map(([plane, low]) => plane * 0x10000 + low),
  )
  .map((codePoint) => String.fromCodePoint(codePoint));
/** One code point of any kind: fast-check's "binary" unit has no lone surrogates, so add them. */
const anyUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '7', '-', '_', '.', '@', 'é', '😀') },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: forbiddenCodePoint },
);
/** Any string at all, up to a little over the length limit. */
const anyText = fc.string({ unit: anyUnit, maxLength: 140 });
/** Code points no rule refuses, for the parts around a refused one. */
const safeUnit = anyUnit.filter((unit) => allowed(`x${unit}`) && unit !== '.');
const safeText = fc.string({ unit: safeUnit, maxLength: 40 });

/**
 * Whether `run` returned (true) or threw InvalidKeyError (false). Any other error is thrown on,
 * failing the property with it (a plain check: vitest's expect costs more than the rule).
 */
function accepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof InvalidKeyError) return false;
    throw error;
  }
}

const RUNS = { differential: 10_000, roundTrip: 3_000, refusal: 3_000, anything: 3_000 };
/** About 1.5 s each here: room for a slow CI machine. */
const TIMEOUT_MS = 30_000;

describe('the key segment rule, over arbitrary Unicode', () => {
  it(
    'accepts exactly the strings that a second implementation of the rule allows',
    () => {
      // Counted so that the property cannot pass on inputs that all take one branch.
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(anyText, (text) => {
          const accepted = accepts(() => assertKeySegment(text, 'userId'));
          expect(accepted).toBe(allowed(text));
          if (accepted) seen.accepted += 1;
          else seen.refused += 1;
        }),
        { numRuns: RUNS.differential },
      );
      expect(seen.accepted).toBeGreaterThan(RUNS.differential / 10);
      expect(seen.refused).toBeGreaterThan(RUNS.differential / 10);
    },
    TIMEOUT_MS,
  );

  it(
    'lets every accepted id through encodeURIComponent, UTF-8 and every key builder and parser unchanged',
    () => {
      let roundTripped = 0;
      fc.assert(
        fc.property(anyText, fc.constantFrom('memory', 'subject' as const), (userId, kind) => {
          if (!accepts(() => assertKeySegment(userId, 'userId'))) return;
          roundTripped += 1;
          expect(forbiddenIn(userId)).toEqual([]);
          expect(decodeURIComponent(encodeURIComponent(userId))).toBe(userId);
          expect(Buffer.from(userId, 'utf8').toString('utf8')).toBe(userId);

          const subjectKey = layout.subjectKey(userId);
          expect(subjectKey).toBe(`subjects/${userId}.png`);
          expect(layout.areaOf(subjectKey)).toBe('subjects');
          expect(() => layout.assertKeyInLayout(subjectKey)).not.toThrow();
          expect(decodeURIComponent(encodeURIComponent(subjectKey))).toBe(subjectKey);
          expect(layout.avatarKey(userId)).toBe(`avatars/${userId}.png`);

          const generated = layout.generatedKey(kind, userId);
          expect(layout.parseGeneratedKey(generated)?.userId).toBe(userId);
          expect(layout.areaOf(generated)).toBe(`generated/${kind}`);
          expect(layout.userKeys(userId).generated[kind]).toBe(`generated/${kind}/${userId}/`);
          const stub = layout.stubKey(userId);
          expect(stub.startsWith(`stubs/${userId}`)).toBe(true);
          expect(layout.areaOf(stub)).toBe('stubs');
        }),
        { numRuns: RUNS.roundTrip },
      );
      expect(roundTripped).toBeGreaterThan(RUNS.roundTrip / 10);
    },
    TIMEOUT_MS,
  );

  it(
    'refuses an id holding any refused code point, anywhere, naming it in a message that shows it escaped',
    () => {
      fc.assert(
        fc.property(safeText, forbiddenCodePoint, safeText, (before, bad, after) => {
          const userId = `u${before}${bad}${after}`;
          fc.pre(userId.length <= 128);
          const codePoint = bad.codePointAt(0)!;

          const rule =
            codePoint <= 0x9f
              ? 'control characters'
              : codePoint <= 0xdfff && codePoint >= 0xd800
                ? 'unpaired surrogates'
                : 'Unicode non-characters';

          let error: unknown;
          try {
            assertKeySegment(userId, 'userId');
          } catch (caught) {
            error = caught;
          }

          if (!(error instanceof InvalidKeyError)) throw new Error(`accepted or threw ${error}`);
          // One expect per run: vitest's expect costs more than the rule itself.
          expect({
            value: error.value,
            namesTheRule: error.message.includes(`it must not contain ${rule}`),
            namesTheCodePoint: error.message.includes(
              `it has U+${hex(codePoint)} at index ${1 + before.length}`,
            ),
            // Escaped: the message holds no refused code point, so a terminal or a log shows it.
            hiddenInTheMessage: forbiddenIn(error.message),
            builtAnyway: [
              () => layout.subjectKey(userId),
              () => layout.avatarKey(userId),
              () => layout.generatedKey('memory', userId),
              () => layout.generatedUserPrefix('subject', userId),
              () => layout.userKeys(userId),
              () => layout.stubKey(userId),
              () => new KeyLayout({ stubs: `${userId}/` }),
            ].filter(accepts).length,
          }).toEqual({
            value: userId,
            namesTheRule: true,
            namesTheCodePoint: true,
            hiddenInTheMessage: [],
            builtAnyway: 0,
          });
        }),
        { numRuns: RUNS.refusal },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'throws nothing but InvalidKeyError, whatever it is given',
    () => {
      const anything = fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withNullPrototype: true,
        withObjectString: true,
        withSet: true,
        withTypedArray: true,
        withSparseArray: true,
      });
      fc.assert(
        fc.property(fc.oneof(anyText, anything), (value) => {
          accepts(() => assertKeySegment(value, 'userId'));
          accepts(() => layout.subjectKey(value as string));
          accepts(() => layout.generatedKey('memory', value as string));
          accepts(() => layout.stubKey(value as string));
          accepts(() => new KeyLayout({ avatars: value as string }));
          accepts(() => layout.assertKeyInLayout(value));
        }),
        { numRuns: RUNS.anything },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'lets no key through the layout check that encodeURIComponent would throw on',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom('subjects/', 'generated/memory/u/', 'stubs/'),
          anyText,
          (prefix, rest) => {
            const key = `${prefix}${rest}`;
            if (accepts(() => layout.assertKeyInLayout(key))) {
              expect(() => encodeURIComponent(key)).not.toThrow();
            }
            expect(() => layout.parseGeneratedKey(key)).not.toThrow();
          },
        ),
        { numRuns: RUNS.anything },
      );
    },
    TIMEOUT_MS,
  );
});
