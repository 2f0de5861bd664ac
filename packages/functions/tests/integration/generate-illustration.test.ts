import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { LOCAL_S3_CREDENTIALS } from '@autobio/local-s3';
import {
  AccessDeniedError,
  createS3Storage,
  DEFAULT_PREFIXES,
  resetS3Storage,
  S3Storage,
} from '@autobio/s3-storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LAMBDA_TIME_RESERVE_MS } from '../../src/constants.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import {
  type FakeIllustrationGen,
  startFakeIllustrationGen,
} from '../helpers/fake-illustration-gen.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();
let service: FakeIllustrationGen;

beforeAll(async () => {
  service = await startFakeIllustrationGen(fixture.storage());
});
afterAll(() => service.close());

/** A stubs prefix of the test's own, so that each test decides which stubs exist. */
let stubsPrefix: string;
beforeEach(() => {
  stubsPrefix = `stubs-${randomUUID().slice(0, 8)}/`;
  vi.stubEnv('S3_STUBS_PREFIX', stubsPrefix);
  resetS3Storage();
  service.behave({ kind: 'good' });
});

function useService(timeoutMs = 2000): void {
  vi.stubEnv('ILLUSTRATION_GEN_URL', service.url);
  vi.stubEnv('ILLUSTRATION_GEN_TIMEOUT_MS', String(timeoutMs));
}

async function userWithSubject(
  sizeBytes = 256,
  contentType = 'image/png',
): Promise<{ user: string; subject: Buffer }> {
  const user = fixture.newUser();
  const subject = fakePng(sizeBytes);
  await fixture.storage().putObject(`subjects/${user}.png`, subject, { contentType });
  return { user, subject };
}

const generate = (sub: string, kind: string, body?: unknown, remainingMs?: number) =>
  invoke(
    generateIllustration,
    {
      method: 'POST',
      route: '/illustrations/{kind}',
      sub,
      pathParameters: { kind },
      ...(body !== undefined ? { body } : {}),
    },
    lambdaContext(remainingMs),
  );

async function listKeys(user: string, kind: string): Promise<string[]> {
  const page = await invoke(listIllustrations, {
    method: 'GET',
    route: '/illustrations/{kind}',
    sub: user,
    pathParameters: { kind },
  });
  return page.json.items.map((item: { key: string }) => item.key);
}

async function putStub(name: string): Promise<Buffer> {
  const image = fakePng(200);
  const withStubs = createS3Storage({
    config: {
      bucketName: fixture.bucket,
      endpoint: fixture.server().endpoint,
      credentials: { ...LOCAL_S3_CREDENTIALS },
      prefixes: { ...DEFAULT_PREFIXES, stubs: stubsPrefix },
    },
  });
  await withStubs.putObject(`${stubsPrefix}${name}`, image, { contentType: 'image/png' });
  return image;
}

describe('POST /illustrations/{kind} with the illustration-gen service', () => {
  it('sends the subject image and output location, and answers 201 with the stored illustration', async () => {
    useService();
    const { user, subject } = await userWithSubject();
    const before = service.requests.length;

    const result = await generate(user, 'memory', { prompt: 'a day at the beach' });

    expect(result.statusCode).toBe(201);
    const sent = service.requests[before]!;
    expect(sent.body).toEqual({
      userId: user,
      kind: 'memory',
      subjectImageBase64: subject.toString('base64'),
      subjectImageContentType: 'image/png',
      prompt: 'a day at the beach',
      bucket: fixture.bucket,
      region: 'us-east-1',
      outputPrefix: `generated/memory/${user}/`,
      outputKey: expect.stringMatching(
        new RegExp(`^generated/memory/${user}/\\d{13}-[0-9a-f-]{36}\\.png$`),
      ),
    });
    expect(sent.headers['x-request-id']).toBe(result.event.requestContext.requestId);
    expect(result.json).toMatchObject({
      source: 'service',
      illustration: { key: sent.body.outputKey, kind: 'memory', sizeBytes: 512 },
    });
    const download = await fetch(result.json.illustration.url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(service.lastImage());
    expect(await listKeys(user, 'memory')).toEqual([sent.body.outputKey]);
  });

  it('refuses a URI in another bucket with 502 ForeignBucket, the spec\'s "different bucket" case', async () => {
    useService();
    const { user } = await userWithSubject();
    service.behave({ kind: 'foreign-bucket', bucket: 'someone-elses-bucket' });

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(502);
    expect(result.json.error.code).toBe('ForeignBucket');
    expect(result.json.error.message).toContain('S3_BUCKET_NAME');
    expect(result.rawBody).not.toContain('someone-elses-bucket');
    const logged = JSON.stringify(fixture.logs().entries);
    expect(logged).toContain('someone-elses-bucket');
    expect(await listKeys(user, 'memory')).toEqual([]);
  });

  it("refuses a URI under another user's, another kind's or no prefix with 502 ForeignBucket", async () => {
    useService();
    const { user } = await userWithSubject();
    const otherUser = fixture.newUser();
    const elsewhere = [
      (r: { outputKey: string }) => r.outputKey.replace(user, otherUser),
      (r: { outputKey: string }) => r.outputKey.replace('generated/memory/', 'generated/subject/'),
      () => `subjects/${otherUser}.png`,
      () => `generated/memory/${user}/../${otherUser}/x.png`,
    ];
    for (const key of elsewhere) {
      service.behave({ kind: 'other-key', key });
      const result = await generate(user, 'memory');
      expect(result.statusCode).toBe(502);
      expect(result.json.error.code).toBe('ForeignBucket');
    }
  });

  it('refuses a key under the prefix that is not a generated key with 502 IllustrationServiceBadResponse', async () => {
    useService();
    const { user } = await userWithSubject();
    service.behave({ kind: 'other-key', key: () => `generated/memory/${user}/final.png` });
    const result = await generate(user, 'memory');
    expect(result.statusCode).toBe(502);
    expect(result.json.error.code).toBe('IllustrationServiceBadResponse');
  });

  it('answers 502 IllustrationServiceBadResponse when nothing is stored at the URI it answered', async () => {
    useService();
    const { user } = await userWithSubject();
    service.behave({ kind: 'nothing-written' });
    const result = await generate(user, 'subject');
    expect(result.statusCode).toBe(502);
    expect(result.json.error.code).toBe('IllustrationServiceBadResponse');
  });

  it('answers 502 IllustrationServiceBadResponse for an answer without s3Uri, or not JSON', async () => {
    useService();
    const { user } = await userWithSubject();
    for (const body of ['{"uri":"s3://x/y"}', '<html>ok</html>']) {
      service.behave({ kind: 'status', statusCode: 200, body });
      const result = await generate(user, 'memory');
      expect(result.statusCode, body).toBe(502);
      expect(result.json.error.code).toBe('IllustrationServiceBadResponse');
    }
  });

  it('answers 502 IllustrationServiceFailed when the service fails, without its body', async () => {
    useService();
    const { user } = await userWithSubject();
    service.behave({
      kind: 'status',
      statusCode: 500,
      body: 'Traceback: CUDA out of memory at /srv/app.py',
    });
    const result = await generate(user, 'memory');
    expect(result.statusCode).toBe(502);
    expect(result.json.error.code).toBe('IllustrationServiceFailed');
    expect(result.rawBody).not.toContain('Traceback');
  });

  it('answers 504 IllustrationServiceTimeout when the service says nothing within the timeout', async () => {
    useService(300);
    const { user } = await userWithSubject();
    service.behave({ kind: 'hang' });

    const started = Date.now();
    const result = await generate(user, 'memory');
    const elapsedMs = Date.now() - started;

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('IllustrationServiceTimeout');
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it("gives up before the Lambda's own deadline when that comes first", async () => {
    useService(25_000);
    const { user } = await userWithSubject();
    service.behave({ kind: 'hang' });
    // 400 ms for the service, once both reserves (answer and cleanup, 3 s) are kept back.
    const remainingMs = 3_400;

    const started = Date.now();
    const result = await generate(user, 'memory', undefined, remainingMs);

    expect(result.statusCode).toBe(504);
    expect(result.json.error.code).toBe('IllustrationServiceTimeout');
    expect(Date.now() - started).toBeLessThan(remainingMs - LAMBDA_TIME_RESERVE_MS);
  });

  it('answers 502 IllustrationServiceUnavailable when nothing listens at the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    vi.stubEnv('ILLUSTRATION_GEN_URL', `http://127.0.0.1:${port}/generate`);
    const { user } = await userWithSubject();

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(502);
    expect(result.json.error.code).toBe('IllustrationServiceUnavailable');
  });

  it("tells the service the subject image's stored content type: PNG, JPEG or WebP", async () => {
    useService();
    for (const contentType of ['image/jpeg', 'image/webp', 'image/png']) {
      const { user } = await userWithSubject(256, contentType);
      const before = service.requests.length;
      const result = await generate(user, 'memory');
      expect(result.statusCode, contentType).toBe(201);
      expect(service.requests[before]!.body.subjectImageContentType).toBe(contentType);
    }
  });

  it('refuses a subject image stored as another type with 400, without calling the service', async () => {
    useService();
    const { user } = await userWithSubject(256, 'application/octet-stream');
    const before = service.requests.length;

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(400);
    expect(result.json.error.code).toBe('UnsupportedContentType');
    expect(result.json.error.message).toContain('POST /uploads/subject');
    expect(service.requests.length).toBe(before);
  });

  describe('leaves no illustration behind when the call fails after the service wrote it', () => {
    const outputKeyOf = (index: number) => service.requests[index]!.body.outputKey;
    const stored = (key: string) => fixture.storage().objectExists(key);

    it('a 500 of the service: 502 IllustrationServiceFailed, and the output key deleted', async () => {
      useService();
      const { user } = await userWithSubject();
      service.behave({ kind: 'status', statusCode: 500, body: 'GPU fell over', writes: true });
      const before = service.requests.length;

      const result = await generate(user, 'memory');

      expect(result.statusCode).toBe(502);
      expect(result.json.error.code).toBe('IllustrationServiceFailed');
      expect(outputKeyOf(before)).toMatch(new RegExp(`^generated/memory/${user}/`));
      expect(await stored(outputKeyOf(before))).toBe(false);
      expect(await listKeys(user, 'memory')).toEqual([]);
    });

    it('a timeout: 504 IllustrationServiceTimeout, and the output key deleted', async () => {
      useService(300);
      const { user } = await userWithSubject();
      service.behave({ kind: 'hang', writes: true });
      const before = service.requests.length;

      const result = await generate(user, 'subject');

      expect(result.statusCode).toBe(504);
      expect(result.json.error.code).toBe('IllustrationServiceTimeout');
      expect(await stored(outputKeyOf(before))).toBe(false);
      expect(await listKeys(user, 'subject')).toEqual([]);
    });

    it('a URI in another bucket: 502 ForeignBucket, the output key deleted, the answered key never', async () => {
      useService();
      const { user } = await userWithSubject();
      service.behave({ kind: 'foreign-bucket', bucket: 'someone-elses-bucket', writes: true });
      const before = service.requests.length;
      const foreign = await generate(user, 'memory');
      expect(foreign.statusCode).toBe(502);
      expect(foreign.json.error.code).toBe('ForeignBucket');
      expect(await stored(outputKeyOf(before))).toBe(false);

      // An answer pointing at another user's illustration: that one is not the handler's to delete.
      const otherUser = fixture.newUser();
      const theirs = `generated/memory/${otherUser}/1767268800000-3b241101-e2bb-4255-8caf-4136c566a962.png`;
      await fixture.storage().putObject(theirs, fakePng(64), { contentType: 'image/png' });
      service.behave({ kind: 'other-key', key: () => theirs });
      const other = await generate(user, 'memory');
      expect(other.statusCode).toBe(502);
      expect(await stored(theirs)).toBe(true);
    });

    it('a delete that fails is logged as a warning, and the original error is still answered', async () => {
      useService();
      const { user } = await userWithSubject();
      service.behave({ kind: 'status', statusCode: 500, body: 'GPU fell over', writes: true });
      const deleteObject = vi
        .spyOn(S3Storage.prototype, 'deleteObject')
        .mockRejectedValueOnce(new AccessDeniedError(fixture.bucket, 'deleted-in-the-test'));
      const before = service.requests.length;
      try {
        const result = await generate(user, 'memory');

        expect(result.statusCode).toBe(502);
        expect(result.json.error.code).toBe('IllustrationServiceFailed');
        expect(deleteObject).toHaveBeenCalledWith(outputKeyOf(before), {
          abortSignal: expect.any(AbortSignal),
        });
        const warning = fixture
          .logs()
          .entries.find(
            (entry) => entry.message === 'Could not delete the output key of a failed illustration',
          );
        expect(warning).toMatchObject({
          level: 'WARN',
          userId: user,
          key: outputKeyOf(before),
          error: {
            name: 'AccessDeniedError',
            message: expect.stringContaining('deleted-in-the-test'),
          },
        });
      } finally {
        deleteObject.mockRestore();
      }
    });
  });

  it('answers 413 ObjectTooLarge when the subject image is over the read limit', async () => {
    useService();
    vi.stubEnv('S3_MAX_READ_SIZE_BYTES', '100');
    resetS3Storage();
    const { user } = await userWithSubject(256);
    const before = service.requests.length;

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(413);
    expect(result.json.error.code).toBe('ObjectTooLarge');
    expect(service.requests.length).toBe(before);
  });
});

describe('POST /illustrations/{kind} in stub mode', () => {
  it('is the default without a service URL: copies a stub to a new generated key', async () => {
    const stubs = [await putStub('a-first.png'), await putStub('b-second.png')];
    const { user } = await userWithSubject();
    const before = service.requests.length;

    const result = await generate(user, 'subject');

    expect(result.statusCode).toBe(201);
    expect(result.json.source).toBe('stub');
    expect(result.json.illustration.key).toMatch(
      new RegExp(`^generated/subject/${user}/\\d{13}-[0-9a-f-]{36}\\.png$`),
    );
    const download = await fetch(result.json.illustration.url);
    expect(stubs).toContainEqual(Buffer.from(await download.arrayBuffer()));
    expect(service.requests.length).toBe(before);
    expect(await listKeys(user, 'subject')).toEqual([result.json.illustration.key]);
  });

  it('varies the stub from one illustration to the next', async () => {
    const stubs = [await putStub('a-first.png'), await putStub('b-second.png')];
    const { user } = await userWithSubject();
    const seen = new Set<number>();

    // Two stubs picked by random keys: twenty draws all alike would happen once in 500,000 runs.
    for (let i = 0; i < 20; i += 1) {
      const result = await generate(user, 'memory');
      const body = Buffer.from(await (await fetch(result.json.illustration.url)).arrayBuffer());
      seen.add(stubs.findIndex((stub) => stub.equals(body)));
    }

    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('copies the stub STUB_IMAGE_NAME names, and uses stub mode over a URL when ILLUSTRATION_GEN_MODE=stub', async () => {
    await putStub('a-first.png');
    const second = await putStub('b-second.png');
    vi.stubEnv('STUB_IMAGE_NAME', 'b-second');
    vi.stubEnv('ILLUSTRATION_GEN_MODE', 'stub');
    vi.stubEnv('ILLUSTRATION_GEN_URL', service.url);
    const { user } = await userWithSubject();
    const before = service.requests.length;

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(201);
    const download = await fetch(result.json.illustration.url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(second);
    expect(service.requests.length).toBe(before);
  });

  it('answers 500 StubImageMissing when there is no stub, or not the named one', async () => {
    const { user } = await userWithSubject();
    const none = await generate(user, 'memory');
    expect(none.statusCode).toBe(500);
    expect(none.json.error.code).toBe('StubImageMissing');

    await putStub('a-first.png');
    vi.stubEnv('STUB_IMAGE_NAME', 'missing.png');
    const named = await generate(user, 'memory');
    expect(named.statusCode).toBe(500);
    expect(named.json.error.code).toBe('StubImageMissing');
    expect(await listKeys(user, 'memory')).toEqual([]);
  });
});

describe('POST /illustrations/{kind} refuses', () => {
  it('a caller without a subject image with 404 SubjectImageNotFound, in both modes', async () => {
    await putStub('a-first.png');
    const user = fixture.newUser();
    const stub = await generate(user, 'memory');
    expect(stub.statusCode).toBe(404);
    expect(stub.json.error.code).toBe('SubjectImageNotFound');

    useService();
    const before = service.requests.length;
    const viaService = await generate(user, 'memory');
    expect(viaService.statusCode).toBe(404);
    expect(service.requests.length).toBe(before);
  });

  it('a bad kind, a prompt too long or an unknown field with 400 naming each', async () => {
    const { user } = await userWithSubject();
    const kind = await generate(user, '../avatars');
    expect(kind.json.error.details[0].path).toBe('path.kind');
    const prompt = await generate(user, 'memory', { prompt: 'x'.repeat(2001) });
    expect(prompt.statusCode).toBe(400);
    expect(prompt.json.error.details[0].path).toBe('body.prompt');
    const unknown = await generate(user, 'memory', { prompt: 'ok', userId: 'someone-else' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json.error.message).toContain('userId');
  });

  it('a misconfigured service with 500 and a safe message, logging the variable to fix', async () => {
    vi.stubEnv('ILLUSTRATION_GEN_MODE', 'service');
    const { user } = await userWithSubject();

    const result = await generate(user, 'memory');

    expect(result.statusCode).toBe(500);
    expect(result.json.error.code).toBe('InternalError');
    expect(result.rawBody).not.toContain('ILLUSTRATION_GEN_URL');
    expect(fixture.logs().text()).toContain('ILLUSTRATION_GEN_URL');
  });
});
