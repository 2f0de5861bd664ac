import type { S3Storage } from '@autobio/s3-storage';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DELETION_SWEEP_DELAY_MS } from '../../src/constants.ts';
import { type SweepOptions, sweepDeletions } from '../../src/internal/deletion-sweep.ts';
import { requestLogger } from '../../src/internal/logger.ts';
import type { SweepReport } from '../../src/types/deletion.ts';
import type { StoredVersion } from './conformance-s3.ts';
import { fakePng } from './images.ts';

/**
 * Gives the user two versions and a delete marker, or three versions, at keys of every area.
 * No put follows a delete: on versitygw v1.8.0 with sidecar metadata an object put at a key
 * that has had a delete marker is listed and served as one (the marker's attribute outlives it).
 * @returns how many versions and markers the user's keys hold.
 */
export async function seedHistory(storage: S3Storage, user: string): Promise<number> {
  const keys = [
    storage.getSubjectKey(user),
    storage.getAvatarKey(user),
    storage.getGeneratedKey('memory', user, { date: new Date(1_760_000_000_001) }),
    storage.getGeneratedKey('memory', user, { date: new Date(1_760_000_000_002) }),
    storage.getGeneratedKey('subject', user, { date: new Date(1_760_000_000_003) }),
  ];
  for (const [index, key] of keys.entries()) {
    await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
    await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
    // Every other key ends deleted, the rest current, so both kinds are in the areas.
    if (index % 2 === 0) await storage.deleteObject(key);
    else await storage.putObject(key, fakePng(64), { contentType: 'image/png' });
  }
  return keys.length * 3;
}

/** Whether a listed entry is one of the user's data or their marker, by the layout's own keys. */
export function ownedBy(storage: S3Storage, user: string): (entry: StoredVersion) => boolean {
  const keys = storage.keys.userKeys(user);
  const marker = storage.keys.deletionMarkerKey(user);
  return ({ key }) =>
    key === keys.subject ||
    key === keys.avatar ||
    key === marker ||
    key.startsWith(keys.generated.memory) ||
    key.startsWith(keys.generated.subject);
}

export const byKeyAndVersion = (a: StoredVersion, b: StoredVersion) =>
  `${a.key}\n${a.versionId}`.localeCompare(`${b.key}\n${b.versionId}`);

/** A CloudFront client for the test's own endpoint: a real SDK client, its endpoint overridden. */
export function cloudFrontClient(endpoint: string): CloudFrontClient {
  return new CloudFrontClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDSWEEP', secretAccessKey: 'sweep-secret' },
    maxAttempts: 1,
  });
}

/** A time past every sweepAfter written from now on with the full delay. */
export const afterTheDelay = () => new Date(Date.now() + DELETION_SWEEP_DELAY_MS + 1_000);

/** One sweep run at `now` (tests pass a later time rather than fake the clock, which SigV4 reads). */
export function sweepAt(
  now: Date,
  locations: Pick<SweepOptions, 'primary' | 'replica' | 'cdn'>,
): Promise<SweepReport> {
  return sweepDeletions({
    ...locations,
    now,
    sweepDelayMs: DELETION_SWEEP_DELAY_MS,
    log: requestLogger({ task: 'sweep-deletions' }),
  });
}
