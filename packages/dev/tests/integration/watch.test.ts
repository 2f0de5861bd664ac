import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { type DevServer, startDevServer } from '../../src/server.ts';
import { startWatchedHandlers, type WatchedHandlers } from '../../src/watch.ts';

/**
 * A route table and a handler of the test's own in a temporary folder: the reload is tested on
 * files the test may change, never on the repo's handlers.
 */
async function writeFixture(dir: string, greeting: string): Promise<void> {
  // ES modules, as the repo's packages are.
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    join(dir, 'routes.ts'),
    `export const ROUTES = [{
      name: 'hello', method: 'GET', path: '/hello', routeKey: 'GET /hello',
      entry: ${JSON.stringify(join(dir, 'hello.ts'))}, handlerExport: 'handler',
    }];\n`,
  );
  await writeFile(
    join(dir, 'hello.ts'),
    `import { greeting } from './greeting.ts';
    export async function handler(): Promise<{ statusCode: number; body: string }> {
      return { statusCode: 200, body: greeting };
    }\n`,
  );
  await writeGreeting(dir, greeting);
}

function writeGreeting(dir: string, greeting: string): Promise<void> {
  return writeFile(
    join(dir, 'greeting.ts'),
    `export const greeting: string = ${JSON.stringify(greeting)};\n`,
  );
}

describe('watch mode', () => {
  let dir: string;
  let handlers: WatchedHandlers;
  let server: DevServer;
  const lines: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobio-watch-'));
    await writeFixture(dir, 'hello v1');
    handlers = await startWatchedHandlers({
      watchDirs: [dir],
      routesModule: pathToFileURL(join(dir, 'routes.ts')).href,
      openApiModule: null,
      debounceMs: 50,
      log: (line) => lines.push(line),
    });
    server = await startDevServer({ port: 0, handlers });
  });
  afterEach(async () => {
    await server?.close();
    await handlers?.close();
    await rm(dir, { recursive: true, force: true });
    lines.length = 0;
  });

  const hello = async () =>
    (
      await fetch(`${server.url}/api/hello`, { headers: { authorization: devAuthorization('w') } })
    ).text();

  it('serves the handlers it loaded in its worker', async () => {
    expect(await hello()).toBe('hello v1');
  });

  it('reloads a handler when a module it imports changes, while the server keeps its port', async () => {
    await writeGreeting(dir, 'hello v2');

    await expect.poll(hello, { timeout: 15_000, interval: 100 }).toBe('hello v2');
    expect(handlers.reloads()).toBeGreaterThanOrEqual(1);
    expect(lines.join('\n')).toMatch(/reloaded the handlers \(.*greeting\.ts changed\)/);
  });

  it('keeps serving the last good handlers when a change does not load, and reloads once it is fixed', async () => {
    await writeFile(join(dir, 'greeting.ts'), 'export const greeting: string = ;\n');

    await expect
      .poll(() => lines.join('\n'), { timeout: 15_000, interval: 100 })
      .toContain('the handlers did not reload');
    expect(await hello()).toBe('hello v1');

    await writeGreeting(dir, 'hello v3');
    await expect.poll(hello, { timeout: 15_000, interval: 100 }).toBe('hello v3');
  });

  it('picks up a route added to the table', async () => {
    await writeFile(
      join(dir, 'routes.ts'),
      `export const ROUTES = [{
        name: 'hello', method: 'GET', path: '/hi', routeKey: 'GET /hi',
        entry: ${JSON.stringify(join(dir, 'hello.ts'))}, handlerExport: 'handler',
      }];\n`,
    );

    await expect
      .poll(
        async () =>
          (
            await fetch(`${server.url}/api/hi`, {
              headers: { authorization: devAuthorization('w') },
            })
          ).status,
        { timeout: 15_000, interval: 100 },
      )
      .toBe(200);
  });
});
