import { z } from 'zod';
import { ConfigurationError } from './errors.ts';

/** The environment a reader reads; `process.env` unless one is given. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The range's words in every whole-number error. */
function rangeOf(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
}

/**
 * The one whole-number rule of every package (environment variables, CLI options, CDK
 * settings): a safe integer from `min` to `max`, given as a number or as decimal digits, so
 * "1e3", "0x10" and "5.0" are refused rather than read as something else.
 */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = `must be a whole number ${rangeOf(min, max)}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.int({ error }).min(min, { error }).max(max, { error }),
  );
}

/** The trimmed value of a variable, or `undefined` when unset or blank. */
export function readOptional(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The trimmed value of a variable; throws a {@link ConfigurationError} naming it when unset. */
export function readRequired(env: Environment, name: string, example: string): string {
  const value = readOptional(env, name);
  if (value === undefined) {
    throw new ConfigurationError(name, `is not set. Set it, for example ${name}=${example}.`);
  }
  return value;
}

/** Bounds and advice for {@link readWholeNumber}. */
export interface WholeNumberOptions {
  /** The smallest value allowed. */
  readonly min: number;
  /** The largest value allowed. @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
  /** A sentence added to the error, such as why the bound is there. @default - none */
  readonly hint?: string;
}

/**
 * The variable as a whole number, `fallback` when unset.
 * @throws ConfigurationError naming the variable, the range and the value given.
 */
export function readWholeNumber(
  env: Environment,
  name: string,
  fallback: number,
  { min, max = Number.MAX_SAFE_INTEGER, hint }: WholeNumberOptions,
): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const parsed = wholeNumber(min, max).safeParse(raw);
  if (!parsed.success) {
    const message = `${parsed.error.issues[0]?.message}, got "${raw}".`;
    throw new ConfigurationError(name, hint ? `${message} ${hint}` : message);
  }
  return parsed.data;
}

/** The variable as true/false (also 1/0, yes/no), or `undefined` when unset. */
export function readBoolean(env: Environment, name: string): boolean | undefined {
  const raw = readOptional(env, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigurationError(name, `must be true or false, got "${env[name]}".`);
}

/**
 * The variable as an http(s) URL, or `undefined` when unset.
 * @throws ConfigurationError naming the variable, the value and an example (`Use one such as ...`).
 */
export function readHttpUrl(env: Environment, name: string, example: string): URL | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new ConfigurationError(
      name,
      `"${raw}" is not an http(s) URL. Use one such as ${example}.`,
    );
  }
  return url;
}
