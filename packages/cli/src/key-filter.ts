import picomatch from 'picomatch';
import { InvalidOptionError } from './errors.ts';

/** Decides, from its key below the source prefix, whether a source object is migrated. */
type KeyFilter = (relativeKey: string) => boolean;

/** The glob of one `--include` or `--exclude`, as a test of a relative key. */
function compile(option: string, pattern: string): KeyFilter {
  if (pattern.trim() === '') {
    throw new InvalidOptionError(option, pattern, 'give a glob, such as "*.png" or "u-1001/**".');
  }
  // Keys are not files: a leading "." is nothing special, so "*" matches ".x" too.
  const matches = picomatch(pattern, { dot: true });
  if (pattern.includes('/')) return matches;
  // A glob without "/" names the last segment, at any depth, as in .gitignore.
  return (key) => matches(key.slice(key.lastIndexOf('/') + 1));
}

/**
 * The filter of `--include` and `--exclude` globs, matched as migrate's help says: a key below
 * the source prefix is migrated when it matches an include (or none is given) and no exclude.
 * @throws InvalidOptionError for an empty glob.
 */
export function createKeyFilter(include: readonly string[] = [], exclude: readonly string[] = []) {
  const included = include.map((pattern) => compile('--include', pattern));
  const excluded = exclude.map((pattern) => compile('--exclude', pattern));
  return (key: string) =>
    (included.length === 0 || included.some((matches) => matches(key))) &&
    !excluded.some((matches) => matches(key));
}
