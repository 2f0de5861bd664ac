import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../src/errors.ts';
import { createS3Storage } from '../../src/storage.ts';
import { offlineConfig } from '../helpers/storage.ts';

describe('deleteUserData with allVersions', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const storage = createS3Storage({ config: offlineConfig(), client });

  afterEach(() => {
    s3.reset();
  });

  it("deletes every version and delete marker of the user's keys, across pages, and nobody else's", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({});
    s3.on(ListObjectVersionsCommand, { Prefix: 'subjects/u.png' }).resolves({
      Versions: [
        { Key: 'subjects/u.png', VersionId: 'v2' },
        { Key: 'subjects/u.png', VersionId: 'v1' },
        { Key: 'subjects/u.png.bak', VersionId: 'x1' },
      ],
      DeleteMarkers: [{ Key: 'subjects/u.png', VersionId: 'd1' }],
    });
    s3.on(ListObjectVersionsCommand, { Prefix: 'generated/memory/u/' })
      .resolvesOnce({
        Versions: [{ Key: 'generated/memory/u/1.png', VersionId: 'a' }],
        IsTruncated: true,
        NextKeyMarker: 'generated/memory/u/1.png',
        NextVersionIdMarker: 'a',
      })
      .resolvesOnce({ Versions: [{ Key: 'generated/memory/u/2.png', VersionId: 'b' }] });
    s3.on(DeleteObjectsCommand).resolves({});

    const counts = await storage.deleteUserData('u', { allVersions: true });

    expect(counts).toEqual({
      subjects: 1,
      avatars: 0,
      'generated/memory': 2,
      'generated/subject': 0,
    });
    const deleted = s3
      .commandCalls(DeleteObjectsCommand)
      .map((call) => call.args[0].input.Delete?.Objects);
    expect(deleted).toEqual([
      [
        { Key: 'subjects/u.png', VersionId: 'v2' },
        { Key: 'subjects/u.png', VersionId: 'v1' },
        { Key: 'subjects/u.png', VersionId: 'd1' },
      ],
      [
        { Key: 'generated/memory/u/1.png', VersionId: 'a' },
        { Key: 'generated/memory/u/2.png', VersionId: 'b' },
      ],
    ]);
    const secondPage = s3.commandCalls(ListObjectVersionsCommand, {
      Prefix: 'generated/memory/u/',
    })[1];
    expect(secondPage?.args[0].input).toMatchObject({
      KeyMarker: 'generated/memory/u/1.png',
      VersionIdMarker: 'a',
    });
  });

  it('falls back to current objects on a store without versioning (HTTP 405)', async () => {
    s3.on(ListObjectVersionsCommand).rejects(
      new S3ServiceException({
        name: 'MethodNotAllowed',
        $fault: 'client',
        $metadata: { httpStatusCode: 405 },
      }),
    );
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectsV2Command, { Prefix: 'avatars/u.png' }).resolves({
      Contents: [{ Key: 'avatars/u.png' }],
    });
    s3.on(DeleteObjectsCommand).resolves({});

    expect(await storage.deleteUserData('u', { allVersions: true })).toEqual({
      subjects: 0,
      avatars: 1,
      'generated/memory': 0,
      'generated/subject': 0,
    });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'avatars/u.png' },
    ]);
  });

  it('deletes the current objects without a version id first, so replicas get delete markers', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectsV2Command, { Prefix: 'avatars/u.png' }).resolves({
      Contents: [{ Key: 'avatars/u.png' }],
    });
    s3.on(ListObjectVersionsCommand).resolves({});
    s3.on(ListObjectVersionsCommand, { Prefix: 'avatars/u.png' }).resolves({
      Versions: [{ Key: 'avatars/u.png', VersionId: 'v1' }],
      DeleteMarkers: [{ Key: 'avatars/u.png', VersionId: 'd1' }],
    });
    s3.on(DeleteObjectsCommand).resolves({});

    expect((await storage.deleteUserData('u', { allVersions: true })).avatars).toBe(1);

    expect(
      s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects),
    ).toEqual([
      [{ Key: 'avatars/u.png' }],
      [
        { Key: 'avatars/u.png', VersionId: 'v1' },
        { Key: 'avatars/u.png', VersionId: 'd1' },
      ],
    ]);
  });

  it('reports a refused version listing as AccessDenied, naming the fix', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectVersionsCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(storage.deleteUserData('u', { allVersions: true })).rejects.toThrow(
      AccessDeniedError,
    );
  });

  it('reports a key S3 could not delete', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [{ Key: 'avatars/u.png', VersionId: 'v' }],
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'avatars/u.png', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    await expect(storage.deleteUserData('u', { allVersions: true })).rejects.toThrow(
      'Access Denied for s3://auto-bio-illustrations/avatars/u.png',
    );
  });
});
