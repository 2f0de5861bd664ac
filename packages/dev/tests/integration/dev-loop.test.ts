import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type PnpmDev, pnpmDev } from '../helpers/pnpm-dev.ts';

const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));

/** Asks the API for a presigned PUT of a subject image and uploads it; @returns the URL used. */
async function uploadSubject(page: string, userId: string): Promise<string> {
  const subject = await readFile(SUBJECT_PNG);
  const upload = (await (
    await fetch(`${page}/api/uploads/subject`, {
      method: 'POST',
      headers: { authorization: `Bearer dev-user:${userId}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/png', contentLengthBytes: subject.length }),
    })
  ).json()) as { url: string; headers: Record<string, string> };
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: subject });
  expect(put.status).toBe(200);
  return upload.url;
}

describe("pnpm dev's developer loop", () => {
  const cleanUps: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'autobio-dev-loop-'));
    cleanUps.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function run(args: readonly string[], env: Record<string, string | null>): PnpmDev {
    const dev = pnpmDev(args, env);
    cleanUps.push(() => dev.kill());
    return dev;
  }

  it('reads .env.local under the real environment, honours its S3_CLIENT_REGION, and generates through the fake service', async () => {
    const dir = await tempDir();
    const envFile = join(dir, '.env.local');
    await writeFile(
      envFile,
      'S3_CLIENT_REGION=eu-west-1\nDEV_ILLUSTRATION_GEN=fake-foreign-bucket\nDEV_LOG_REQUESTS=\n',
    );
    const dev = run([], {
      DEV_ENV_FILE: envFile,
      DEV_DATA_DIR: join(dir, 'data'),
      S3_CLIENT_REGION: null,
      // The environment's own value wins over the file's.
      DEV_ILLUSTRATION_GEN: 'fake',
    });

    const page = await dev.ready();
    expect(dev.output()).toContain(
      `  env       ${envFile}: DEV_LOG_REQUESTS, S3_CLIENT_REGION; the environment's own DEV_ILLUSTRATION_GEN won\n`,
    );
    expect(dev.output()).toMatch(/bucket auto-bio-local, region eu-west-1\n/);
    expect(dev.output()).toMatch(
      /generate {2}service mode, the fake illustration-gen at http:\/\/127\.0\.0\.1:\d+\/generate \(DEV_ILLUSTRATION_GEN=fake\)/,
    );
    const url = await uploadSubject(page, 'loop-alice');
    // Signed for the region asked for, not silently for us-east-1.
    expect(new URL(url).searchParams.get('X-Amz-Credential')).toMatch(
      /\/eu-west-1\/s3\/aws4_request$/,
    );
    const generated = await fetch(`${page}/api/illustrations/memory`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-user:loop-alice', 'content-type': 'application/json' },
      body: '{"prompt":"a kite"}',
    });
    expect(generated.status).toBe(201);
    expect(((await generated.json()) as { source: string }).source).toBe('service');
  });

  it('listens on the --host address and signs presigned URLs for it, with CORS for its page', async () => {
    const dev = run(['--host', '127.0.0.2'], { DEV_DATA_DIR: join(await tempDir(), 'data') });

    const page = await dev.ready();
    expect(page).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    await expect(fetch(page.replace('127.0.0.2', '127.0.0.1'))).rejects.toThrow();
    const url = new URL(await uploadSubject(page, 'host-alice'));
    expect(url.hostname).toBe('127.0.0.2');
    const preflight = await fetch(url.origin + url.pathname, {
      method: 'OPTIONS',
      headers: {
        origin: page,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(
      /^(\*|http:\/\/127\.0\.0\.2:\d+)$/,
    );
  });

  it('refuses a --host that is no address, naming it', async () => {
    const dev = run(['--host', 'a b'], {});

    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(
      'pnpm dev could not start: --host "a b" is not an address or host name',
    );
  });

  it('runs the handlers in watch mode, seeds a running pnpm dev, and resets its data only once it stops', async () => {
    const dataDir = join(await tempDir(), 'data');
    const dev = run(['--watch'], { DEV_DATA_DIR: dataDir });
    const page = await dev.ready();
    const { pid } = JSON.parse(await readFile(join(dataDir, 'dev.lock'), 'utf8')) as {
      pid: number;
    };
    expect(dev.output()).toContain(
      '  watch     the handlers reload on changes to packages/functions/src, packages/s3-storage/src\n',
    );
    await uploadSubject(page, 'watch-alice');

    const seed = run(['seed', '--users'], { DEV_DATA_DIR: dataDir });
    expect(await seed.exited).toBe(0);
    expect(seed.output()).toContain(
      `Seeded the running pnpm dev (pid ${pid}) with subjects/sample-alice.png`,
    );
    const avatar = await fetch(`${page}/api/images/avatar`, {
      headers: { authorization: 'Bearer dev-user:sample-bob' },
    });
    expect(avatar.status).toBe(200);

    const refused = run(['reset'], { DEV_DATA_DIR: dataDir });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(
      `pnpm dev reset failed: pnpm dev (pid ${pid}) runs on the data folder ${dataDir}: stop it first`,
    );

    expect(await dev.interrupt()).toBe(0);
    const reset = run(['reset'], { DEV_DATA_DIR: dataDir });
    expect(await reset.exited).toBe(0);
    expect(reset.output()).toContain(`Deleted the data folder ${dataDir}`);
    await expect(stat(dataDir)).rejects.toThrow();
  });

  it('seeds a data folder no pnpm dev runs on by starting its S3 for the time it takes', async () => {
    const dataDir = join(await tempDir(), 'data');

    const seed = run(['seed'], { DEV_DATA_DIR: dataDir });

    expect(await seed.exited).toBe(0);
    expect(seed.output()).toContain(
      `Seeded the data folder ${dataDir} with stubs/forest.png, stubs/ocean.png, stubs/sunset.png.`,
    );
    const again = run(['seed'], { DEV_DATA_DIR: dataDir });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain(
      `Nothing to seed: the data folder ${dataDir} has every stub already.`,
    );
  });
});
