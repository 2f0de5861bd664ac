import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationTarget } from '../../src/clients.ts';
import { MAX_SINGLE_COPY_BYTES } from '../../src/constants.ts';
import { RequestFailedError } from '../../src/errors.ts';
import { copyObject } from '../../src/object-copy.ts';
import type { MigrationReport } from '../../src/types/migrate.ts';
import {
  type FaultPlan,
  type FaultProxy,
  isCopyTo,
  isListing,
  type SeenRequest,
  SLOW_DOWN,
  startFaultProxy,
} from '../helpers/fault-proxy.ts';
import {
  BUCKET,
  headObject,
  SOURCE_BUCKET,
  seed,
  startTestS3,
  type TestS3,
} from '../helpers/local-s3.ts';
import { runCommand } from '../helpers/run-cli.ts';

let s3: TestS3;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startTestS3();
  proxy = await startFaultProxy(s3.server.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

/** The storage variables, with requests going through the proxy. */
const env = () => s3.env({ S3_ENDPOINT: proxy.endpoint });

/** Seeds `keys` under `prefix/` in the source and migrates them to `generated/prefix/`. */
async function migrate(
  prefix: string,
  keys: readonly string[],
  plan: FaultPlan,
  ...extra: string[]
) {
  await seed(
    s3.client,
    SOURCE_BUCKET,
    keys.map((key) => ({ key: `${prefix}/${key}`, body: `body of ${key}` })),
  );
  proxy.reset(plan);
  const result = await runCommand(
    [
      'migrate',
      '--from',
      `s3://${SOURCE_BUCKET}/${prefix}`,
      '--to',
      `generated/${prefix}/`,
      '--allow-unlisted',
      '--json',
      '--no-progress',
      ...extra,
    ],
    env(),
  );
  return { code: result.code, report: JSON.parse(result.stdout) as MigrationReport };
}

/** Answers the first `times` requests that `matches` picks with `error`, then lets them pass. */
function firstTimes(
  times: number,
  matches: (request: SeenRequest) => boolean,
  error = SLOW_DOWN,
): FaultPlan {
  let count = 0;
  return (request) => (matches(request) && count++ < times ? error : undefined);
}

const copiesTo = (key: string) => proxy.requests.filter((request) => isCopyTo(request, key));

describe("migrate through S3's throttling and errors, retried by the SDK", {
  timeout: 60_000,
}, () => {
  it('retries a copy S3 answers SlowDown, backing off between the tries, and copies it once', async () => {
    const key = 'generated/throttled/a.png';

    const { code, report } = await migrate(
      'throttled',
      ['a.png', 'b.png'],
      firstTimes(2, (request) => isCopyTo(request, key)),
      '--max-attempts',
      '4',
    );

    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ listed: 2, copied: 2, failed: 0 });
    expect((await headObject(s3.client, BUCKET, key)).ContentLength).toBe('body of a.png'.length);
    // One call of the SDK (one invocation id), retrying with the --max-attempts it was given.
    const tries = copiesTo(key);
    expect(tries.map((t) => t.headers['amz-sdk-request'])).toEqual([
      'attempt=1; max=4',
      'attempt=2; max=4',
      'attempt=3; max=4',
    ]);
    expect(new Set(tries.map((t) => t.headers['amz-sdk-invocation-id'])).size).toBe(1);
    // Backed off: a retry sent at once follows its SlowDown within a few milliseconds.
    const waitedMs = tries[2]!.receivedAt - tries[0]!.receivedAt;
    expect(waitedMs).toBeGreaterThan(100);
  });

  it('fails a copy S3 keeps answering SlowDown after --max-attempts tries, naming them, and copies the rest', async () => {
    const key = 'generated/always-throttled/a.png';

    const { code, report } = await migrate(
      'always-throttled',
      ['a.png', 'b.png'],
      (request) => (isCopyTo(request, key) ? SLOW_DOWN : undefined),
      '--max-attempts',
      '2',
    );

    expect(code).toBe(1);
    expect(report.counts).toMatchObject({ copied: 1, failed: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({
        sourceKey: 'always-throttled/a.png',
        destinationKey: key,
        action: 'fail',
        errorName: 'SlowDown',
        attempts: 2,
        reason: expect.stringMatching(/\(gave up after 2 tries\)$/),
      }),
    ]);
    expect(copiesTo(key)).toHaveLength(2);
  });

  it('counts a copy as copied when its answer was lost and the retry finds it at the destination', async () => {
    const key = 'generated/lost-answer/a.png';
    let tries = 0;
    // S3 carries out the first try but its answer is lost; the retry's IfNoneMatch then fails.
    const plan: FaultPlan = (request) => {
      if (!isCopyTo(request, key)) return undefined;
      tries++;
      return tries === 1
        ? { status: 500, code: 'InternalError', afterForwarding: true }
        : { status: 412, code: 'PreconditionFailed', fields: { Condition: 'If-None-Match' } };
    };

    const { code, report } = await migrate('lost-answer', ['a.png'], plan);

    expect(copiesTo(key)).toHaveLength(2);
    expect(report.counts).toMatchObject({ copied: 1, conflicts: 0, failed: 0 });
    expect(code).toBe(0);
  });

  it('retries a copy S3 answers 409 ConditionalRequestConflict, as S3 asks', async () => {
    const key = 'generated/racing/a.png';

    const { code, report } = await migrate(
      'racing',
      ['a.png'],
      firstTimes(1, (request) => isCopyTo(request, key), {
        status: 409,
        code: 'ConditionalRequestConflict',
      }),
    );

    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ copied: 1, failed: 0 });
    const tries = copiesTo(key);
    expect(tries).toHaveLength(2);
    expect(new Set(tries.map((t) => t.headers['amz-sdk-invocation-id'])).size).toBe(1);
  });

  it('retries a listing page that failed on its own, without listing from the start again', async () => {
    const keys = ['1.txt', '2.txt', '3.txt', '4.txt', '5.txt'];
    const secondPage = (request: SeenRequest) =>
      isListing(request, SOURCE_BUCKET) && request.url.includes('continuation-token=');

    const { code, report } = await migrate(
      'paged',
      keys,
      firstTimes(1, secondPage, { status: 500, code: 'InternalError' }),
      '--page-size',
      '2',
    );

    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ listed: 5, copied: 5 });
    const listings = proxy.requests.filter((request) => isListing(request, SOURCE_BUCKET));
    // Three pages, one of them sent twice; the first page only once.
    expect(listings).toHaveLength(4);
    expect(listings.filter((request) => !secondPage(request))).toHaveLength(1);
  });
});

describe("the migration's copy client", { timeout: 30_000 }, () => {
  it('throws RequestFailedError with the tries the SDK made when every try is throttled', async () => {
    await seed(s3.client, SOURCE_BUCKET, [{ key: 'typed/a.png', body: 'eight by' }]);
    const key = 'generated/typed/a.png';
    proxy.reset((request) => (isCopyTo(request, key) ? SLOW_DOWN : undefined));
    const target = createMigrationTarget(env(), { maxSockets: 4, maxAttempts: 2 });
    const client = target.storage.getClient();

    const failure = await copyObject(
      {
        sourceBucket: SOURCE_BUCKET,
        sourceKey: 'typed/a.png',
        sizeBytes: 8,
        destinationBucket: BUCKET,
        destinationKey: key,
        destinationPrecondition: { absent: true },
      },
      {
        sourceClient: client,
        destinationClient: client,
        multipartThresholdBytes: MAX_SINGLE_COPY_BYTES,
        partConcurrency: 1,
      },
    )
      .catch((error: unknown) => error)
      .finally(() => target.destroy());

    expect(failure).toBeInstanceOf(RequestFailedError);
    expect(failure).toMatchObject({ attempts: 2, cause: { name: 'SlowDown' } });
    expect(copiesTo(key)).toHaveLength(2);
  });

  it('sends fewer requests at once after S3 answers SlowDown (the SDK adaptive retry mode)', async () => {
    const keys = Array.from({ length: 11 }, (_, i) => `adaptive/${i}.png`);
    await seed(
      s3.client,
      SOURCE_BUCKET,
      keys.map((key) => ({ key, body: key })),
    );
    proxy.reset(firstTimes(1, (request) => isCopyTo(request, 'generated/adaptive/0.png')));
    const target = createMigrationTarget(env(), { maxSockets: 16 });
    const client = target.storage.getClient();
    const copy = (key: string) =>
      client.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: `generated/${key}`,
          CopySource: `${SOURCE_BUCKET}/${key}`,
        }),
      );

    try {
      await copy(keys[0]!);
      // Ten copies at once: a client that does not slow down sends them all within milliseconds.
      await Promise.all(keys.slice(1).map(copy));
    } finally {
      target.destroy();
    }

    const sentAt = keys.slice(1).map((key) => copiesTo(`generated/${key}`)[0]!.receivedAt);
    expect(Math.max(...sentAt) - Math.min(...sentAt)).toBeGreaterThan(500);
  });
});
