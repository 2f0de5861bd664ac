import {
  type CallOptions,
  ObjectNotFoundError,
  ObjectTooLargeError,
  type S3Storage,
} from '@autobio/s3-storage';
import * as z from 'zod';
import type { DeletionMarker } from '../types/deletion.ts';

// A marker is under 300 bytes; anything far larger is not one, and is not read into memory.
const MARKER_MAX_BYTES = 4096;

const markerSchema = z.strictObject({
  userId: z.string().min(1),
  requestedAt: z.iso.datetime({ offset: false }),
  sweepAfter: z.iso.datetime({ offset: false }),
});

/** A marker as read: `damaged` when its body is not one, and its dates came from S3's listing. */
export interface FoundMarker {
  readonly marker: DeletionMarker;
  readonly damaged: boolean;
}

/** The marker a body holds, or `undefined` when it is not a marker of this user. */
function parseMarker(base64: string, userId: string): DeletionMarker | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = markerSchema.safeParse(json);
  return parsed.success && parsed.data.userId === userId ? parsed.data : undefined;
}

/**
 * The user's pending-deletion marker, or `undefined` when there is none. Found by listing its
 * exact key (a GET of a missing key answers 403 under a prefix-conditioned s3:ListBucket), then
 * read. A marker whose body is not one still means a deletion is pending: it is dated from when
 * S3 stored it, with `sweepDelayMs`, and reported `damaged`.
 */
export async function readDeletionMarker(
  storage: S3Storage,
  userId: string,
  sweepDelayMs: number,
  call: CallOptions,
): Promise<FoundMarker | undefined> {
  const key = storage.keys.deletionMarkerKey(userId);
  const listed = await storage.findObject(key, call);
  if (!listed) return undefined;
  let base64: string | undefined;
  try {
    base64 = await storage.getObjectAsBase64(storage.getBucketName(), key, {
      ...call,
      maxSizeBytes: MARKER_MAX_BYTES,
    });
  } catch (error) {
    // Swept between the listing and the read: no deletion is pending any more.
    if (error instanceof ObjectNotFoundError) return undefined;
    if (!(error instanceof ObjectTooLargeError)) throw error;
  }
  const marker = base64 === undefined ? undefined : parseMarker(base64, userId);
  if (marker) return { marker, damaged: false };
  const storedAt = listed.lastModified ?? new Date();
  return {
    marker: {
      userId,
      requestedAt: storedAt.toISOString(),
      sweepAfter: new Date(storedAt.getTime() + sweepDelayMs).toISOString(),
    },
    damaged: true,
  };
}

/** Writes the user's marker (a new one, or a damaged one rewritten with the dates it had). */
export async function writeDeletionMarker(
  storage: S3Storage,
  marker: DeletionMarker,
  call: CallOptions,
): Promise<void> {
  await storage.putObject(storage.keys.deletionMarkerKey(marker.userId), JSON.stringify(marker), {
    ...call,
    contentType: 'application/json',
  });
}
