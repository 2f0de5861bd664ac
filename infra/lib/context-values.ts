import { InfraConfigError } from './errors.ts';

/** How to set a context key, for the end of error messages. */
export function howToSet(key: string, example: unknown): string {
  const shown = typeof example === 'string' ? example : JSON.stringify(example);
  return `Set it in cdk.json ("context": { "${key}": ${JSON.stringify(example)} }) or pass -c ${key}=${shown}.`;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
}

/**
 * A string value: cdk.json may hold any JSON type, `-c key=value` always gives a string.
 * Blank strings count as unset.
 */
export function readString(key: string, raw: unknown, example: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    throw new InfraConfigError(
      key,
      raw,
      `must be a string, got ${shown(raw)}. ${howToSet(key, example)}`,
    );
  }
  const value = raw.trim();
  return value === '' ? undefined : value;
}

/** A whole number in `[min, max]`, from a number or a numeric string. */
export function readInteger(
  key: string,
  raw: unknown,
  range: { readonly min: number; readonly max: number },
): number | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    return undefined;
  }
  const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < range.min ||
    value > range.max
  ) {
    throw new InfraConfigError(
      key,
      raw,
      `must be a whole number from ${range.min} to ${range.max}, got ${shown(raw)}. ${howToSet(key, range.min)}`,
    );
  }
  return value;
}

/** A boolean, from `true`/`false` or the strings `"true"`/`"false"`. */
export function readBoolean(key: string, raw: unknown): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim().toLowerCase();
    if (text === '') return undefined;
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  throw new InfraConfigError(
    key,
    raw,
    `must be true or false, got ${shown(raw)}. ${howToSet(key, true)}`,
  );
}

/**
 * A list of strings: a JSON array in cdk.json, or on the command line either a JSON array or a
 * comma-separated string. An empty array or string gives an empty list.
 */
export function readStringList(
  key: string,
  raw: unknown,
  example: readonly string[],
): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[')) {
      try {
        list = JSON.parse(text);
      } catch (error) {
        throw new InfraConfigError(
          key,
          raw,
          `is not a valid JSON array (${(error as Error).message}). Use a JSON array or a comma-separated list, for example ${example.join(',')}.`,
          { cause: error },
        );
      }
    } else {
      list = text === '' ? [] : text.split(',');
    }
  }
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
    throw new InfraConfigError(
      key,
      raw,
      `must be a list of strings, got ${shown(raw)}. ${howToSet(key, example)}`,
    );
  }
  return (list as string[]).map((item) => item.trim()).filter((item) => item !== '');
}

/** One of a fixed set of strings. */
export function readChoice<T extends string>(
  key: string,
  raw: unknown,
  choices: readonly T[],
): T | undefined {
  const value = readString(key, raw, choices[0] ?? '');
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new InfraConfigError(
      key,
      raw,
      `must be one of ${choices.join(', ')}, got ${shown(raw)}. ${howToSet(key, choices[0])}`,
    );
  }
  return value as T;
}
