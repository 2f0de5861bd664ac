import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs `pnpm dev` as a person would, in its own process group so Ctrl-C can be sent to it. */
function pnpmDev(env: Record<string, string>): Running {
  const child = spawn('pnpm', ['dev'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DEV_PORT: '0',
      DEV_S3_PORT: '0',
      DEV_S3: '',
      S3_BUCKET_NAME: '',
      ...env,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

describe('pnpm dev', () => {
  const cleanUps: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0)) await cleanUp();
  });

  it('starts from a clean data folder, answers on its routes and stops on Ctrl-C', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'autobio-dev-')), 'data');
    const dev = pnpmDev({ DEV_DATA_DIR: dataDir });
    cleanUps.push(async () => {
      try {
        process.kill(-dev.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    });

    await expect
      .poll(dev.output, { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');
    const page = /page\s+(http:\/\/localhost:\d+)/.exec(dev.output())?.[1];
    expect(page).toBeDefined();
    expect(dev.output()).toMatch(
      /s3 {8}s3rver at http:\/\/127\.0\.0\.1:\d+ {2}bucket auto-bio-local/,
    );
    expect(dev.output()).toContain(`data in ${dataDir}\n`);
    expect(dev.output()).toContain(
      'note      s3rver checks no signatures, POST policies, versions or conditional writes; ' +
        'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
    );
    expect(dev.output()).toContain('seeded stubs/forest.png, stubs/ocean.png, stubs/sunset.png');

    const html = await fetch(page!);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<title>AutoBio storage (local)</title>');

    const auth = { authorization: 'Bearer dev-user:dev-test' };
    expect((await fetch(`${page}/api/illustrations/memory`)).status).toBe(401);
    const subject = await readFile(
      fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url)),
    );
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
    ).json()) as {
      items: { url: string }[];
    };
    expect(listed.items).toHaveLength(1);
    const image = await fetch(listed.items[0]!.url);
    expect(image.headers.get('content-type')).toBe('image/png');

    // Ctrl-C: the terminal sends SIGINT to the whole foreground group, pnpm and the server alike.
    process.kill(-dev.child.pid!, 'SIGINT');
    await dev.exited;
    await expect.poll(dev.output, { timeout: 10_000 }).toContain('stopped.');
    expect(dev.output()).not.toMatch(/Error|ERR_/);
  });

  it('starts on versitygw with DEV_S3=versitygw, says so, and stops the gateway on Ctrl-C', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'autobio-dev-')), 'data');
    const dev = pnpmDev({ DEV_S3: 'versitygw', DEV_DATA_DIR: dataDir });
    cleanUps.push(async () => {
      try {
        process.kill(-dev.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    });

    await expect
      .poll(dev.output, { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');
    const s3 =
      /s3 {8}versitygw \(the Versity S3 Gateway, versioned\) at (http:\/\/127\.0\.0\.1:\d+) {2}bucket auto-bio-local, data in (\S+)/.exec(
        dev.output(),
      );
    expect(s3).not.toBeNull();
    // Its own sub-folder: s3rver would read versitygw's buckets/, versions/ and meta/ as buckets.
    expect(s3![2]).toBe(join(dataDir, 'versitygw'));
    expect(dev.output()).not.toContain('s3rver checks no');
    expect(dev.output()).toContain('seeded stubs/forest.png, stubs/ocean.png, stubs/sunset.png');
    const page = /page\s+(http:\/\/localhost:\d+)/.exec(dev.output())![1];
    const subject = await readFile(
      fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url)),
    );
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

    process.kill(-dev.child.pid!, 'SIGINT');
    await dev.exited;
    await expect.poll(dev.output, { timeout: 10_000 }).toContain('stopped.');
    // The gateway is a Go binary, not a child Node kills with it: its port must be closed.
    await expect(fetch(s3![1]!)).rejects.toThrow();
    expect(dev.output()).not.toMatch(/Error|ERR_/);
  });

  it('names the DEV_S3 value it does not know and the ones it does', async () => {
    const dev = pnpmDev({ DEV_S3: 'minio' });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(
      'pnpm dev could not start: DEV_S3="minio" is not an S3 server pnpm dev knows: use ' +
        'DEV_S3=s3rver or DEV_S3=versitygw (unset: s3rver).',
    );
  });

  it('says how to install versitygw when DEV_S3=versitygw finds no binary', async () => {
    const dev = pnpmDev({ DEV_S3: 'versitygw', VERSITYGW_BIN: '/nowhere/versitygw' });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain('pnpm dev could not start: DEV_S3=versitygw cannot start:');
    expect(dev.output()).toContain('run pnpm s3:install');
    expect(dev.output()).toContain('Or unset DEV_S3 to run on s3rver.');
  });

  it('says which port is in use and how to pick another', async () => {
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanUps.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;

    const dev = pnpmDev({ DEV_PORT: String(port) });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(`Port ${port} is in use`);
    expect(dev.output()).toContain('DEV_PORT=3001 pnpm dev');
  });

  it('says when the data folder is broken and how to fix it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autobio-dev-'));
    const dataDir = join(dir, 'not-a-folder');
    await writeFile(dataDir, 'oops');
    cleanUps.push(() => rm(dir, { recursive: true, force: true }));

    const dev = pnpmDev({ DEV_DATA_DIR: dataDir });
    expect(await dev.exited).not.toBe(0);
    expect(dev.output()).toContain(`The data folder ${dataDir} is a file, not a folder.`);
  });
});
