import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, DeletionIncompleteError } from '../../src/errors.ts';
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

  it('names the keys S3 refused to delete, deletes the others, and a rerun finishes', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectsV2Command, { Prefix: 'generated/memory/u/' }).resolves({
      Contents: [{ Key: 'generated/memory/u/1.png' }, { Key: 'generated/memory/u/2.png' }],
    });
    s3.on(DeleteObjectsCommand).resolvesOnce({
      Errors: [{ Key: 'generated/memory/u/2.png', Code: 'AccessDenied', Message: 'Access Denied' }],
    });

    const error = await storage.deleteUserData('u').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeletionIncompleteError);
    expect((error as DeletionIncompleteError).remainingKeys).toEqual(['generated/memory/u/2.png']);
    expect((error as Error).message).toBe(
      '1 object(s) of the user are still in bucket "auto-bio-illustrations": generated/memory/u/2.png. ' +
        'S3 refused to delete them (AccessDenied for generated/memory/u/2.png: Access Denied). Fix ' +
        'that and run the deletion again: it deletes only what is left.',
    );
    expect((error as Error).cause).toBeInstanceOf(AccessDeniedError);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'generated/memory/u/1.png' },
      { Key: 'generated/memory/u/2.png' },
    ]);
    s3.on(ListObjectsV2Command, { Prefix: 'generated/memory/u/' }).resolves({
      Contents: [{ Key: 'generated/memory/u/2.png' }],
    });
    s3.on(DeleteObjectsCommand).resolves({});
    await expect(storage.deleteUserData('u')).resolves.toMatchObject({ 'generated/memory': 1 });
  });

  it('names a refused version by its key and version id', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({});
    s3.on(ListObjectVersionsCommand, { Prefix: 'avatars/u.png' }).resolves({
      Versions: [{ Key: 'avatars/u.png', VersionId: 'v1' }],
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'avatars/u.png', VersionId: 'v1', Code: 'InternalError', Message: 'x' }],
    });

    const error = await storage.deleteUserData('u', { allVersions: true }).catch((e) => e);

    expect((error as DeletionIncompleteError).remainingKeys).toEqual([
      'avatars/u.png?versionId=v1',
    ]);
  });
});

describe('deleteObjectVersions', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const storage = createS3Storage({ config: offlineConfig(), client });

  afterEach(() => {
    s3.reset();
  });

  it('deletes each version of exactly the key, and no current object first, so no delete marker is replicated', async () => {
    s3.on(ListObjectVersionsCommand, { Prefix: 'deletions/u.json' }).resolves({
      Versions: [
        { Key: 'deletions/u.json', VersionId: 'v1' },
        { Key: 'deletions/u.json.bak', VersionId: 'x1' },
      ],
    });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'deletions/u.json' }] });
    s3.on(DeleteObjectsCommand).resolves({});

    expect(await storage.deleteObjectVersions('deletions/u.json')).toBe(true);

    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(
      s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects),
    ).toEqual([[{ Key: 'deletions/u.json', VersionId: 'v1' }]]);
  });

  it('deletes the current object on a store without versioning (HTTP 405)', async () => {
    s3.on(ListObjectVersionsCommand).rejects(
      new S3ServiceException({
        name: 'MethodNotAllowed',
        $fault: 'client',
        $metadata: { httpStatusCode: 405 },
      }),
    );
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'deletions/u.json' }] });
    s3.on(DeleteObjectsCommand).resolves({});

    expect(await storage.deleteObjectVersions('deletions/u.json')).toBe(true);

    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'deletions/u.json' },
    ]);
  });

  it('throws when the key is outside the layout, before any request', async () => {
    await expect(storage.deleteObjectVersions('elsewhere/u.json')).rejects.toThrow(
      'is outside the bucket',
    );
    expect(s3.calls()).toHaveLength(0);
  });
});
