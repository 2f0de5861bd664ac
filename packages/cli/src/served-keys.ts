import {
  GENERATED_KINDS,
  IMAGE_EXTENSION,
  type KeyLayout,
  STORAGE_AREAS,
  type StorageArea,
} from '@autobio/s3-storage';

/** Whether `build` makes exactly `key`: a key builder of the layout, which validates its input. */
function builds(key: string, build: () => string): boolean {
  try {
    return build() === key;
  } catch {
    return false;
  }
}

/**
 * Whether a route of the API reads `key`: a subject image or an avatar (`{userId}.png`), a
 * generated illustration (`{kind}/{userId}/{timestamp}-{uuid}.png`, the only keys the listing
 * returns) or a stub image (`{name}.png`). Judged by the key layout's own builders and parser,
 * so configured prefixes count. A key elsewhere in an area is stored, but nothing serves it.
 */
export function isServedKey(layout: KeyLayout, key: string): boolean {
  const area = layout.areaOf(key);
  if (area === undefined) return false;
  if (area === 'generated' || area === 'generated/memory' || area === 'generated/subject') {
    return layout.parseGeneratedKey(key) !== undefined;
  }
  if (!key.endsWith(IMAGE_EXTENSION)) return false;
  const name = key.slice(layout.areaPrefix(area).length, -IMAGE_EXTENSION.length);
  switch (area) {
    case 'subjects':
      return builds(key, () => layout.subjectKey(name));
    case 'avatars':
      return builds(key, () => layout.avatarKey(name));
    default:
      return builds(key, () => layout.stubKey(name));
  }
}

/** The keys the API reads, as people read them: `subjects/{userId}.png, ...`. */
export function servedKeyShapes(layout: KeyLayout): string {
  const image = (area: StorageArea, name: string) =>
    `${layout.areaPrefix(area)}${name}${IMAGE_EXTENSION}`;
  return [
    image('subjects', '{userId}'),
    image('avatars', '{userId}'),
    image('generated', `{${GENERATED_KINDS.join('|')}}/{userId}/{timestamp}-{uuid}`),
    image('stubs', '{name}'),
  ].join(', ');
}

/**
 * The areas related to `area`: itself, the areas inside it and the area it is inside
 * (`generated`, `generated/memory`, `generated/subject` for any of them), as the layout's
 * prefixes nest. A mapping is suggested only among them: the place the user chose, made right.
 */
export function relatedAreas(layout: KeyLayout, area: StorageArea): StorageArea[] {
  const prefix = layout.areaPrefix(area);
  return STORAGE_AREAS.filter((other) => {
    const otherPrefix = layout.areaPrefix(other);
    return otherPrefix.startsWith(prefix) || prefix.startsWith(otherPrefix);
  });
}

/**
 * The shortest mapping that puts a source object where a route reads it, in one of `areas`: a
 * `--to` area for its key below the source prefix, or, when its leading folders are in the
 * way, a longer `--from` with one. `undefined` when no mapping does (its name is not one the
 * API reads).
 * @returns the segments to add to `--from` (ending in `/`, or empty), the areas under which the
 *   rest of the key is served (in the layout's order), and the key the first of them gives.
 */
export function servedMapping(
  layout: KeyLayout,
  relativeKey: string,
  areas: readonly StorageArea[] = STORAGE_AREAS,
) {
  const segments = relativeKey.split('/');
  for (let dropped = 0; dropped < segments.length; dropped++) {
    const rest = segments.slice(dropped).join('/');
    const fitting = areas.filter((area) =>
      isServedKey(layout, `${layout.areaPrefix(area)}${rest}`),
    );
    if (fitting.length > 0) {
      const sourceSubPrefix = dropped === 0 ? '' : `${segments.slice(0, dropped).join('/')}/`;
      return {
        sourceSubPrefix,
        areas: fitting,
        exampleKey: `${layout.areaPrefix(fitting[0]!)}${rest}`,
      };
    }
  }
  return undefined;
}
