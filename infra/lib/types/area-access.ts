import type { StorageArea } from '@autobio/s3-storage';
import type { KeyLayout } from '@autobio/s3-storage/key-layout';
import type { AREA_LIST_ACTIONS, AREA_OBJECT_ACTIONS } from '../constants.ts';

/** An S3 action on objects, granted on the keys of one area. */
export type AreaObjectAction = (typeof AREA_OBJECT_ACTIONS)[number];

/** An S3 listing action, granted on the bucket for one area's prefix. */
export type AreaListAction = (typeof AREA_LIST_ACTIONS)[number];

/** Any action the area grant helper gives. */
export type StorageAction = AreaObjectAction | AreaListAction;

/** Options of the area grant helper. */
export interface AreaAccessOptions {
  /** The key layout whose prefixes the areas name. @default defaultKeyLayout */
  readonly layout?: KeyLayout;
}

/** Exactly what one function may do in one area of the key layout. */
export interface StorageAreaGrant {
  /** The area; its prefix comes from the key layout. */
  readonly area: StorageArea;
  /** The exact actions (no wildcards). */
  readonly actions: readonly StorageAction[];
}
