import type { GENERATED_KINDS } from '../constants.ts';

/** A kind of generated illustration: a folder under the generated prefix. */
export type GeneratedKind = (typeof GENERATED_KINDS)[number];

/** The top-level prefixes of the bucket. Each ends in `/`. */
export interface KeyPrefixes {
  /** Subject reference images for LoRA training. @default 'subjects/' */
  readonly subjects: string;
  /** User avatar images. @default 'avatars/' */
  readonly avatars: string;
  /** AI-generated illustrations. @default 'generated/' */
  readonly generated: string;
  /** Development stub images. @default 'stubs/' */
  readonly stubs: string;
  /**
   * Pending-deletion markers: one per account whose deletion is not final yet. No user data.
   * @default 'deletions/'
   */
  readonly deletions: string;
}

/**
 * A named part of the key layout: what IAM grants, lifecycle filters and listings refer to.
 * `generated/memory` and `generated/subject` are the two kinds under `generated`.
 */
export type StorageArea =
  | 'subjects'
  | 'avatars'
  | 'generated'
  | 'generated/memory'
  | 'generated/subject'
  | 'stubs'
  | 'deletions';

/** Options for building a generated-illustration key. */
export interface GeneratedKeyOptions {
  /** When the illustration was made. @default - now */
  readonly date?: Date;
  /** The unique part of the key. @default - a random UUID */
  readonly uuid?: string;
}

/** A generated key taken apart. */
export interface ParsedGeneratedKey {
  readonly kind: GeneratedKind;
  readonly userId: string;
  readonly timestampMs: number;
  readonly uuid: string;
}
