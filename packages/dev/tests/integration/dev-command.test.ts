import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { type PnpmDev, pnpmDev, withoutRuntimeWarnings } from '../helpers/pnpm-dev.ts';
import { exitedPid } from '../helpers/processes.ts';
import { sendRaw } from '../helpers/raw-http.ts';

const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));

describe('pnpm dev', () => {
  const cleanUps: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
  });

  /** A new temporary folder, removed after the test; `data` inside it is the data folder. */
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'autobio-dev-'));
    cleanUps.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function run(args: readonly string[], env: Record<string, string>): PnpmDev {
    const dev = pnpmDev(args, env);
    cleanUps.push(() => dev.kill());
    return dev;
  }

  it('starts from a clean data folder, answers on its routes, survives //, and stops on Ctrl-C with exit code 0', async () => {
    const dataDir = join(await tempDir(), 'data');
    const dev = run([], { DEV_DATA_DIR: dataDir });

    const page = await dev.ready();
    expect(dev.output()).toMatch(
      /s3 {8}s3rver at http:\/\/127\.0\.0\.1:\d+ {2}bucket auto-bio-local, region us-east-1\n/,
    );
    expect(dev.output()).toContain(`  data      ${dataDir}\n`);
    expect(dev.output()).toContain(
      'note      s3rver checks no signatures, POST policies, versions or conditional writes; ' +
        'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
    );
    expect(dev.output()).toContain('seeded stubs/forest.png, stubs/ocean.png, stubs/sunset.png');

    // curl --path-as-is http://127.0.0.1:PORT// used to take the whole stack down.
    const port = Number(new URL(page).port);
    const slashes = await sendRaw(port, 'GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(slashes.status).toBe(404);
    const html = await fetch(page);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<title>AutoBio storage (local)</title>');

    const auth = { authorization: 'Bearer dev-user:dev-test' };
    expect((await fetch(`${page}/api/illustrations/memory`)).status).toBe(401);
    const subject = await readFile(SUBJECT_PNG);
    const upload = (await (
      await fetch(`${page}/api/uploads/subject`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/png', contentLengthBytes: subject.length }),
      })
    ).json()) as { url: string; headers: Record<string, string> };
    expect(
      (await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: subject })).status,
    ).toBe(200);
    const generated = await fetch(`${page}/api/illustrations/memory`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(generated.status).toBe(201);
    const listed = (await (
      await fetch(`${page}/api/illustrations/memory`, { headers: auth })
    ).json()) as { items: { url: string }[] };
    expect(listed.items).toHaveLength(1);
    const image = await fetch(listed.items[0]!.url);
    expect(image.headers.get('content-type')).toBe('image/png');

    // Ctrl-C: the terminal sends SIGINT to the whole foreground group, pnpm and the server alike.
    expect(await dev.interrupt()).toBe(0);
    await expect.poll(dev.output, { timeout: 10_000 }).toContain('stopped.');
    expect(withoutRuntimeWarnings(dev.output())).not.toMatch(/Error|ERR_|ELIFECYCLE/);
  });

  it('writes the connection files while it runs, prints them as export lines, and removes them on stop', async () => {
    const dataDir = join(await tempDir(), 'data');
    const dev = run([], { DEV_DATA_DIR: dataDir });
    await dev.ready();

    const connection = JSON.parse(await readFile(join(dataDir, 'connection.json'), 'utf8')) as {
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
    };
    const env = await readFile(join(dataDir, 'connection.env'), 'utf8');
    for (const line of env.split('\n').filter((l) => l.startsWith('export '))) {
      expect(dev.output()).toContain(`    ${line}\n`);
    }
    expect(dev.output()).toContain(
      `export S3_ENDPOINT=${connection.endpoint} S3_BUCKET_NAME=auto-bio-local S3_CLIENT_REGION=us-east-1`,
    );
    // What the lines say is enough to reach the bucket, as the storage CLI or the AWS CLI would.
    const client = new S3Client({
      endpoint: connection.endpoint,
      region: connection.region,
      forcePathStyle: true,
      credentials: {
        accessKeyId: connection.accessKeyId,
        secretAccessKey: connection.secretAccessKey,
      },
    });
    const stubs = await client.send(
      new ListObjectsV2Command({ Bucket: connection.bucket, Prefix: 'stubs/' }),
    );
    expect(stubs.KeyCount).toBe(3);

    expect(await dev.interrupt()).toBe(0);
    for (const file of ['connection.json', 'connection.env', 'dev.lock']) {
      await expect(stat(join(dataDir, file))).rejects.toThrow();
    }
  });

  it('stops a second pnpm dev on the same data folder, naming the pid of the first and the fix', async () => {
    const dataDir = join(await tempDir(), 'data');
    const first = run([], { DEV_DATA_DIR: dataDir });
    await first.ready();
    const { pid } = JSON.parse(await readFile(join(dataDir, 'dev.lock'), 'utf8')) as {
      pid: number;
    };

    const second = run([], { DEV_DATA_DIR: dataDir });

    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(
      `pnpm dev could not start: Another pnpm dev (pid ${pid}, started `,
    );
    expect(second.output()).toContain(`Stop it first (Ctrl-C in its terminal, or kill ${pid})`);
    expect(second.output()).toContain(
      `DEV_DATA_DIR=${dataDir}-2 DEV_PORT=3001 DEV_S3_PORT=4570 pnpm dev.`,
    );
    // The first runs on, untouched.
    expect((await fetch(`${await first.ready()}/`)).status).toBe(200);
  });

  it('starts over a lock left by a pnpm dev that was killed', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'dev.lock'), JSON.stringify({ pid: await exitedPid() }));

    const dev = run([], { DEV_DATA_DIR: dataDir });

    await dev.ready();
  });

  it('starts on versitygw with DEV_S3=versitygw, says so, and stops the gateway on Ctrl-C', async () => {
    const dataDir = join(await tempDir(), 'data');
    const dev = run([], { DEV_S3: 'versitygw', DEV_DATA_DIR: dataDir });

    const page = await dev.ready();
    const s3 =
      /s3 {8}versitygw \(the Versity S3 Gateway, versioned\) at (http:\/\/127\.0\.0\.1:\d+) {2}bucket auto-bio-local, region us-east-1\n {2}data {6}(\S+)/.exec(
        dev.output(),
      );
    expect(s3).not.toBeNull();
    // Its own sub-folder: s3rver would read versitygw's buckets/, versions/ and meta/ as buckets.
    expect(s3![2]).toBe(join(dataDir, 'versitygw'));
    expect(dev.output()).not.toContain('s3rver checks no');
    expect(dev.output()).toContain('seeded stubs/forest.png, stubs/ocean.png, stubs/sunset.png');
    const subject = await readFile(SUBJECT_PNG);
    const upload = (await (
      await fetch(`${page}/api/uploads/subject`, {
        method: 'POST',
        headers: { authorization: 'Bearer dev-user:dev-gw', 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/png', contentLengthBytes: subject.length }),
      })
    ).json()) as { url: string; headers: Record<string, string> };
    // The gateway checks the URL's signature: pnpm dev gave the API the keys it accepts.
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: subject });
    expect(put.status).toBe(200);
    expect(put.headers.get('server')).toBe('VERSITYGW');

    expect(await dev.interrupt()).toBe(0);
    await expect.poll(dev.output, { timeout: 10_000 }).toContain('stopped.');
    // The gateway is a Go binary, not a child Node kills with it: its port must be closed.
    await expect(fetch(s3![1]!)).rejects.toThrow();
    expect(withoutRuntimeWarnings(dev.output())).not.toMatch(/Error|ERR_/);
  });

  it('refuses S3_CLIENT_REGION=eu-west-1 on versitygw, which checks signatures for us-east-1 only', async () => {
    const dev = run([], {
      DEV_S3: 'versitygw',
      S3_CLIENT_REGION: 'eu-west-1',
      DEV_DATA_DIR: join(await tempDir(), 'data'),
    });

    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(
      'pnpm dev could not start: S3_CLIENT_REGION=eu-west-1 cannot be used with DEV_S3=versitygw: ' +
        'the gateway checks signatures for us-east-1 only.',
    );
  });

  it('names the DEV_S3 value it does not know and the ones it does', async () => {
    const dev = run([], { DEV_S3: 'minio' });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(
      'pnpm dev could not start: DEV_S3="minio" is not an S3 server pnpm dev knows: use ' +
        'DEV_S3=s3rver or DEV_S3=versitygw (unset: s3rver).',
    );
  });

  it('says how to install versitygw when DEV_S3=versitygw finds no binary', async () => {
    const dev = run([], { DEV_S3: 'versitygw', VERSITYGW_BIN: '/nowhere/versitygw' });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain('pnpm dev could not start: DEV_S3=versitygw cannot start:');
    expect(dev.output()).toContain('run pnpm s3:install');
    expect(dev.output()).toContain('Or unset DEV_S3 to run on s3rver.');
  });

  it('says which port is in use and how to pick another', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanUps.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;

    const dev = run([], { DEV_PORT: String(port), DEV_DATA_DIR: join(await tempDir(), 'data') });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(`Port ${port} is in use`);
    expect(dev.output()).toContain('DEV_PORT=3001 pnpm dev');
  });

  it('says when the data folder is broken and how to fix it', async () => {
    const dataDir = join(await tempDir(), 'not-a-folder');
    await writeFile(dataDir, 'oops');

    const dev = run([], { DEV_DATA_DIR: dataDir });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(`The data folder ${dataDir} is a file, not a folder.`);
  });

  it.runIf(process.platform === 'linux')(
    'fails fast on a data folder under /proc, naming it',
    async () => {
      const started = Date.now();
      const dev = run([], { DEV_DATA_DIR: '/proc/nope' });

      expect(await dev.exited).toBe(1);
      expect(dev.output()).toContain(
        'pnpm dev could not start: The data folder /proc/nope cannot be written: creating /proc/nope failed',
      );
      expect(Date.now() - started).toBeLessThan(30_000);
    },
  );

  describe('against a real bucket (S3_BUCKET_NAME)', () => {
    /** A port nothing listens on: the "real S3" of these tests, never the internet. */
    async function closedPort(): Promise<number> {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }

    it('says in one line that no credentials were found, and how to give some', async () => {
      const home = await tempDir();
      const dev = run([], {
        S3_BUCKET_NAME: 'auto-bio-test',
        S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        HOME: home,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
        BACKEND_AWS_KEY: '',
        BACKEND_AWS_SECRET: '',
      });

      expect(await dev.exited).toBe(1);
      expect(dev.output()).toContain(
        'pnpm dev could not start: No AWS credentials were found for the bucket auto-bio-test: set ' +
          'BACKEND_AWS_KEY and BACKEND_AWS_SECRET in .env.local, sign in (aws sso login, or ' +
          'AWS_PROFILE=<profile>), or unset S3_BUCKET_NAME to run on the embedded S3.',
      );
      expect(dev.output()).not.toMatch(/^\s+at /m);
    });

    it('says in one line that S3 cannot be reached, without a stack trace or the keys', async () => {
      const port = await closedPort();
      const dev = run([], {
        S3_BUCKET_NAME: 'auto-bio-test',
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_MAX_ATTEMPTS: '1',
        BACKEND_AWS_KEY: 'AKIAREALKEYEXAMPLE',
        BACKEND_AWS_SECRET: 'real-secret-example',
      });

      expect(await dev.exited).toBe(1);
      expect(dev.output()).toContain(
        `pnpm dev could not start: S3 cannot be reached for the bucket auto-bio-test (connect ECONNREFUSED 127.0.0.1:${port}): ` +
          'check the network, and S3_ENDPOINT if you set it, or unset S3_BUCKET_NAME to run on the embedded S3.',
      );
      expect(dev.output()).not.toMatch(/^\s+at /m);
      expect(dev.output()).not.toContain('AKIAREALKEYEXAMPLE');
      expect(dev.output()).not.toContain('real-secret-example');
    });
  });
});
