import { randomUUID } from 'node:crypto';
import {
  DEFAULT_PREFIXES,
  GENERATED_KINDS,
  IMAGE_EXTENSION,
  MAX_SEGMENT_LENGTH,
  TIMESTAMP_WIDTH,
} from './constants.ts';
import { InvalidKeyError } from './errors.ts';
import type {
  GeneratedKeyOptions,
  GeneratedKind,
  KeyPrefixes,
  ParsedGeneratedKey,
  StorageArea,
} from './types/key-layout.ts';

export type {
  GeneratedKeyOptions,
  GeneratedKind,
  KeyPrefixes,
  ParsedGeneratedKey,
  StorageArea,
} from './types/key-layout.ts';

/** Every named part of the layout, in a fixed order. */
export const STORAGE_AREAS: readonly StorageArea[] = [
  'subjects',
  'avatars',
  'generated',
  'generated/memory',
  'generated/subject',
  'stubs',
  'deletions',
];

/** What follows the user id in a pending-deletion marker's key. */
const MARKER_EXTENSION = '.json';

/**
 * The code points no user id, stub name or prefix may hold, each with the rule it breaks.
 * Unpaired surrogates have no UTF-8 form, so no S3 key and no URL (encodeURIComponent throws
 * URIError); control characters and non-characters are invisible in logs and consoles, and
 * XML 1.0 (S3's listings) cannot carry some of them.
 */
const FORBIDDEN_CODE_POINTS: readonly { readonly pattern: RegExp; readonly rule: string }[] = [
  {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects.
    pattern: /[\u0000-\u001f\u007f-\u009f]/u,
    rule: 'control characters (U+0000-U+001F, U+007F-U+009F)',
  },
  { pattern: /\p{Surrogate}/u, rule: 'unpaired surrogates (U+D800-U+DFFF outside a pair)' },
  {
    pattern: /\p{Noncharacter_Code_Point}/u,
    rule: 'Unicode non-characters (U+FDD0-U+FDEF, U+xxFFFE, U+xxFFFF)',
  },
];

/**
 * What a key may not hold. Looser than a segment: objects written while ids could hold C1 or
 * non-characters must stay reachable, to be deleted or migrated; an unpaired surrogate never
 * reached S3, and refusing it here keeps URIError out of every request.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects.
const KEY_FORBIDDEN = /[\u0000-\u001f\u007f]|\p{Surrogate}/u;

/** The forbidden code points JSON.stringify leaves as they are (it escapes C0 and surrogates). */
const SHOWN_ESCAPED = /[\u007f-\u009f]|\p{Noncharacter_Code_Point}/gu;

// Starts and ends with anything but ".": "..", the trailing "." and the rest go the long way.
const PLAIN_SEGMENT = new RegExp(
  `^[A-Za-z0-9_@+=:-](?:[A-Za-z0-9_.@+=:-]{0,${MAX_SEGMENT_LENGTH - 2}}[A-Za-z0-9_@+=:-])?$`,
);
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SEGMENT_FIX =
  `Use 1-${MAX_SEGMENT_LENGTH} characters with no "/", "\\" or "..", no "." at the end, no control ` +
  'character, unpaired surrogate or non-character.';

/** A value for an error message: quoted, with every forbidden code point escaped so it shows. */
function show(value: unknown): string {
  if (typeof value !== 'string') {
    try {
      return String(value);
    } catch {
      // An object without a prototype has no toString; the message must still be built.
      return Object.prototype.toString.call(value);
    }
  }
  return JSON.stringify(value).replace(SHOWN_ESCAPED, (match) =>
    Array.from(
      { length: match.length },
      (_, i) => `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`,
    ).join(''),
  );
}

/** The first rule above that `text` breaks, naming the code point and where, or `undefined`. */
function forbiddenCodePoint(text: string): string | undefined {
  for (const { pattern, rule } of FORBIDDEN_CODE_POINTS) {
    const match = pattern.exec(text);
    if (match) {
      const codePoint = text.codePointAt(match.index)!;
      const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
      return `it must not contain ${rule}, and it has ${name} at index ${match.index}`;
    }
  }
  return undefined;
}

/** Whether `value` is one of the generated kinds. */
export function isGeneratedKind(value: unknown): value is GeneratedKind {
  return typeof value === 'string' && (GENERATED_KINDS as readonly string[]).includes(value);
}

/**
 * Checks that `value` can stand as one path segment of a key: not empty or blank, at most
 * {@link MAX_SEGMENT_LENGTH} characters, no `/` or `\`, no `..`, no `.` at the end, no control
 * character (U+0000-U+001F, U+007F-U+009F), unpaired surrogate or Unicode non-character
 * (U+FDD0-U+FDEF, U+xxFFFE, U+xxFFFF). The one check of user ids and stub names.
 * @throws InvalidKeyError naming the value (escaped), the rule it breaks and the fix; never
 *   anything else.
 */
export function assertKeySegment(value: unknown, what: string): asserts value is string {
  // Fast path for the usual ids (presigning calls this for every URL).
  if (typeof value === 'string' && PLAIN_SEGMENT.test(value) && !value.includes('..')) return;
  const fail = (rule: string): never => {
    throw new InvalidKeyError(
      typeof value === 'string' ? value : show(value),
      `Invalid ${what} ${show(value)}: ${rule}. ${SEGMENT_FIX}`,
    );
  };
  if (typeof value !== 'string') fail('it must be a string');
  const text = value as string;
  if (text.length === 0 || text.trim().length === 0) fail('it must not be empty or blank');
  if (text.length > MAX_SEGMENT_LENGTH) {
    fail(`it must be at most ${MAX_SEGMENT_LENGTH} characters (it has ${text.length})`);
  }
  if (text.includes('/') || text.includes('\\')) fail('it must not contain "/" or "\\"');
  if (text === '.' || text.includes('..')) fail('it must not contain ".."');
  // The image keys append ".png": "x." would make "subjects/x..png", which the layout refuses.
  if (text.endsWith('.')) fail(`it must not end in "." (its key would hold ".." before ".png")`);
  const forbidden = forbiddenCodePoint(text);
  if (forbidden !== undefined) fail(forbidden);
}

/**
 * Checks that a prefix is usable: non-empty, ends in `/`, no leading `/`, no `..`, no empty
 * segments, and none of the code points a segment may not hold.
 * @throws InvalidKeyError naming the prefix and the fix.
 */
export function assertPrefix(prefix: unknown, what: string): asserts prefix is string {
  const fail = (rule: string): never => {
    throw new InvalidKeyError(
      typeof prefix === 'string' ? prefix : show(prefix),
      `Invalid ${what} ${show(prefix)}: ${rule}.`,
    );
  };
  if (typeof prefix !== 'string' || prefix.length === 0) fail('it must be a non-empty string');
  const text = prefix as string;
  if (!text.endsWith('/')) fail(`it must end in "/" (for example ${show(`${text}/`)})`);
  if (text.startsWith('/')) fail('it must not start with "/"');
  if (text.includes('..')) fail('it must not contain ".."');
  if (text.includes('//')) fail('it must not contain an empty segment ("//")');
  const forbidden = forbiddenCodePoint(text);
  if (forbidden !== undefined) fail(forbidden);
}

/**
 * The bucket's key layout: the spec's tree, with prefixes from configuration. The one place
 * where keys are built and recognised; infra, handlers and tools all use it.
 *
 * ```
 * subjects/{userId}.png
 * avatars/{userId}.png
 * generated/{memory|subject}/{userId}/{timestamp}-{uuid}.png
 * stubs/{name}.png
 * deletions/{userId}.json
 * ```
 */
export class KeyLayout {
  public readonly prefixes: KeyPrefixes;

  public constructor(prefixes: Partial<KeyPrefixes> = {}) {
    const merged: KeyPrefixes = { ...DEFAULT_PREFIXES, ...prefixes };
    for (const [name, value] of Object.entries(merged)) assertPrefix(value, `${name} prefix`);
    const values = Object.values(merged);
    for (const a of values) {
      for (const b of values) {
        if (a !== b && b.startsWith(a)) {
          throw new InvalidKeyError(
            b,
            `Prefix "${b}" lies inside prefix "${a}": every prefix must be separate, or keys of ` +
              'one kind could be mistaken for another. Choose prefixes that do not nest.',
          );
        }
      }
      if (values.filter((v) => v === a).length > 1) {
        throw new InvalidKeyError(a, `Prefix "${a}" is used twice: give each part its own prefix.`);
      }
    }
    this.prefixes = Object.freeze(merged);
  }

  /** `subjects/{userId}.png`: the subject's reference image for LoRA training. */
  public subjectKey(userId: string): string {
    assertKeySegment(userId, 'userId');
    return `${this.prefixes.subjects}${userId}${IMAGE_EXTENSION}`;
  }

  /** `avatars/{userId}.png`: the user's avatar. */
  public avatarKey(userId: string): string {
    assertKeySegment(userId, 'userId');
    return `${this.prefixes.avatars}${userId}${IMAGE_EXTENSION}`;
  }

  /**
   * `generated/{kind}/{userId}/{timestamp}-{uuid}.png`, with a zero-padded millisecond
   * timestamp so that a user's keys sort by time.
   */
  public generatedKey(
    kind: GeneratedKind,
    userId: string,
    options: GeneratedKeyOptions = {},
  ): string {
    const timestampMs = (options.date ?? new Date()).getTime();
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
      throw new InvalidKeyError(
        String(options.date),
        'Invalid date for a generated key: it must be a valid date after 1970.',
      );
    }
    const uuid = options.uuid ?? randomUUID();
    if (!UUID_PATTERN.test(uuid)) {
      throw new InvalidKeyError(
        uuid,
        `Invalid uuid ${JSON.stringify(uuid)}: use a lowercase RFC 4122 UUID.`,
      );
    }
    const timestamp = String(timestampMs).padStart(TIMESTAMP_WIDTH, '0');
    return `${this.generatedUserPrefix(kind, userId)}${timestamp}-${uuid}${IMAGE_EXTENSION}`;
  }

  /** `generated/{kind}/{userId}/`: every illustration of one kind of one user. */
  public generatedUserPrefix(kind: GeneratedKind, userId: string): string {
    this.assertKind(kind);
    assertKeySegment(userId, 'userId');
    return `${this.prefixes.generated}${kind}/${userId}/`;
  }

  /** `stubs/{name}.png`; a name without the extension gets it. */
  public stubKey(name: string): string {
    assertKeySegment(name, 'stub name');
    return `${this.prefixes.stubs}${name.endsWith(IMAGE_EXTENSION) ? name : `${name}${IMAGE_EXTENSION}`}`;
  }

  /**
   * `deletions/{userId}.json`: the marker of an account deletion that is not final yet. It holds
   * no user data, so it is not among {@link userKeys}: deleting the data leaves it in place.
   */
  public deletionMarkerKey(userId: string): string {
    assertKeySegment(userId, 'userId');
    return `${this.prefixes.deletions}${userId}${MARKER_EXTENSION}`;
  }

  /** The user id of a pending-deletion marker's key, or `undefined` when it is not one. */
  public parseDeletionMarkerKey(key: string): string | undefined {
    if (!key.startsWith(this.prefixes.deletions) || !key.endsWith(MARKER_EXTENSION)) {
      return undefined;
    }
    const userId = key.slice(this.prefixes.deletions.length, -MARKER_EXTENSION.length);
    try {
      assertKeySegment(userId, 'userId');
    } catch {
      return undefined;
    }
    return userId;
  }

  /** The key prefix of a named part of the layout, for IAM grants, lifecycle filters and listings. */
  public areaPrefix(area: StorageArea): string {
    switch (area) {
      case 'subjects':
        return this.prefixes.subjects;
      case 'avatars':
        return this.prefixes.avatars;
      case 'generated':
        return this.prefixes.generated;
      case 'generated/memory':
        return `${this.prefixes.generated}memory/`;
      case 'generated/subject':
        return `${this.prefixes.generated}subject/`;
      case 'stubs':
        return this.prefixes.stubs;
      case 'deletions':
        return this.prefixes.deletions;
      default:
        throw new InvalidKeyError(
          String(area),
          `Unknown storage area ${JSON.stringify(area)}: use one of ${STORAGE_AREAS.join(', ')}.`,
        );
    }
  }

  /** Every key or key prefix that holds one user's data, one per area that is per user. */
  public userKeys(userId: string): {
    readonly subject: string;
    readonly avatar: string;
    readonly generated: Readonly<Record<GeneratedKind, string>>;
  } {
    return {
      subject: this.subjectKey(userId),
      avatar: this.avatarKey(userId),
      generated: {
        memory: this.generatedUserPrefix('memory', userId),
        subject: this.generatedUserPrefix('subject', userId),
      },
    };
  }

  /** The area a key belongs to, or `undefined` when it is outside the layout. */
  public areaOf(key: string): StorageArea | undefined {
    if (typeof key !== 'string' || key.includes('..') || KEY_FORBIDDEN.test(key)) return undefined;
    for (const kind of GENERATED_KINDS) {
      const area = `generated/${kind}` as const;
      if (key.startsWith(this.areaPrefix(area)) && key.length > this.areaPrefix(area).length)
        return area;
    }
    for (const area of ['subjects', 'avatars', 'generated', 'stubs', 'deletions'] as const) {
      const prefix = this.areaPrefix(area);
      if (key.startsWith(prefix) && key.length > prefix.length) return area;
    }
    return undefined;
  }

  /**
   * Checks that a key lies inside the layout (under one of the prefixes, no `..`).
   * @throws InvalidKeyError naming the key and the prefixes it may use.
   */
  public assertKeyInLayout(key: unknown): asserts key is string {
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > 1024 ||
      this.areaOf(key) === undefined
    ) {
      throw new InvalidKeyError(
        typeof key === 'string' ? key : show(key),
        `Key ${show(key)} is outside the bucket's layout: it must start with one of ` +
          `${Object.values(this.prefixes).join(', ')} and must not contain "..", a C0 control ` +
          'character, DEL or an unpaired surrogate. ' +
          'Build keys with the key layout (getSubjectKey, getGeneratedKey, ...).',
      );
    }
  }

  /** Takes a generated key apart, or returns `undefined` when it is not one. */
  public parseGeneratedKey(key: string): ParsedGeneratedKey | undefined {
    if (!key.startsWith(this.prefixes.generated)) return undefined;
    const parts = key.slice(this.prefixes.generated.length).split('/');
    if (parts.length !== 3) return undefined;
    const [kind, userId, file] = parts as [string, string, string];
    if (!isGeneratedKind(kind)) return undefined;
    const match = new RegExp(
      `^(\\d{${TIMESTAMP_WIDTH},})-([0-9a-f-]{36})${IMAGE_EXTENSION.replace('.', '\\.')}$`,
    ).exec(file);
    if (!match || !UUID_PATTERN.test(match[2]!)) return undefined;
    return { kind, userId, timestampMs: Number(match[1]), uuid: match[2]! };
  }

  private assertKind(kind: unknown): asserts kind is GeneratedKind {
    if (!isGeneratedKind(kind)) {
      throw new InvalidKeyError(
        String(kind),
        `Invalid generated kind ${JSON.stringify(kind)}: use one of ${GENERATED_KINDS.join(', ')}.`,
      );
    }
  }
}

/** The layout with the spec's default prefixes, for code that has no configuration (infra). */
export const defaultKeyLayout = new KeyLayout();
