import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawAnswer, sendRaw } from '../helpers/raw-http.ts';
import { startTestStack, type TestStack } from '../helpers/test-stack.ts';

let running: TestStack;
beforeAll(async () => {
  running = await startTestStack();
});
afterAll(() => running?.stop());

/** What every refusal of the dev server, or of a handler, looks like. */
function expectErrorShape(answer: RawAnswer, request: string): void {
  const where = `for ${JSON.stringify(request.slice(0, 300))}`;
  expect(answer.headers['content-type'], where).toMatch(/^application\/json/);
  // A HEAD's answer has the headers of the GET's, and no body.
  if (request.startsWith('HEAD ')) return;
  const body = JSON.parse(answer.body) as { error?: Record<string, unknown> };
  expect(body.error, where).toMatchObject({
    code: expect.any(String),
    message: expect.any(String),
    requestId: expect.any(String),
  });
  if (answer.status === 401) expect(body.error!.message, where).toContain('Bearer dev-user:');
  if (answer.status === 405) expect(answer.headers.allow, where).toBeTruthy();
}

/** The server answered, below 500, and any refusal is in the API's error shape. */
function expectHandled(answer: RawAnswer, request: string): void {
  const where = `for ${JSON.stringify(request.slice(0, 300))}`;
  expect(answer.status, where).toBeDefined();
  expect(answer.status!, where).toBeLessThan(500);
  if (answer.status! >= 400) expectErrorShape(answer, request);
}

async function expectStillUp(): Promise<void> {
  const page = await fetch(running.stack.pageUrl);
  expect(page.status).toBe(200);
}

function request(line: string, headers: readonly string[] = ['Host: 127.0.0.1']): string {
  return `${line}\r\n${[...headers, 'Connection: close'].map((h) => `${h}\r\n`).join('')}\r\n`;
}

describe('the dev server, given hostile request targets', () => {
  it.each([
    ['//', 404],
    ['/%', 400],
    ['/%E0%A4%A', 400],
    ['/api/illustrations/%E0%A4%A', 400],
    ['*', 400],
    ['http://x/..', 404],
    ['http://x/', 200],
    ['http://x', 200],
    ['http://a b/', 400],
    ['/api//uploads/subject', 404],
    ['/../../etc/passwd', 404],
    ['/%2e%2e/%2e%2e/etc/passwd', 404],
    ['/app.js%00.png', 404],
    [`/${'a'.repeat(20_000)}`, 431],
  ])(
    'answers GET %s with %i, a refusal in the error shape, and keeps running',
    async (target, status) => {
      const sent = request(`GET ${target} HTTP/1.1`);

      const answer = await sendRaw(running.port, sent);

      expect(answer.status).toBe(status);
      if (status >= 400) expectErrorShape(answer, sent);
      await expectStillUp();
    },
  );

  it.each([
    ['a control character in the target', 'GET /a\u0001b HTTP/1.1', ['Host: x']],
    ['a lowercase method', 'get / HTTP/1.1', ['Host: x']],
    ['a header with a control character', 'GET / HTTP/1.1', ['Host: x', 'X-A: a\u0001b']],
    ['a header without a colon', 'GET / HTTP/1.1', ['Host: x', 'oops']],
    [
      'two different lengths',
      'POST /api/me/data HTTP/1.1',
      ['Host: x', 'Content-Length: 1', 'Content-Length: 2'],
    ],
    [
      'an unknown transfer coding',
      'POST /api/uploads/subject HTTP/1.1',
      ['Host: x', 'Transfer-Encoding: gzip'],
    ],
    ['no Host header', 'GET / HTTP/1.1', []],
    ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1', ['Host: 127.0.0.1:22']],
  ])('answers a request with %s in the error shape', async (_, line, headers) => {
    const sent = request(line, headers);

    const answer = await sendRaw(running.port, sent);

    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expectErrorShape(answer, sent);
    await expectStillUp();
  });

  it('answers thousands of random requests below 500, each refusal in the error shape', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'api',
        'uploads',
        'subject',
        'avatar',
        'images',
        'illustrations',
        'memory',
        'me',
        'data',
        'openapi.json',
        'index.html',
        'app.js',
        '..',
        '.',
        '',
      ),
      fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}$/),
      fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|%[G-Zg-z]{2}){1,4}$/),
      fc.string({ maxLength: 6 }).map((text) => encodeURIComponent(text)),
    );
    const path = fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
    const query = fc.option(
      fc.stringMatching(/^[A-Za-z0-9=&%+._~-]{0,30}$/).map((q) => `?${q}`),
      { nil: '' },
    );
    const target = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(path, query).map(([p, q]) => p + q) },
      {
        weight: 1,
        arbitrary: fc.tuple(path, query).map(([p, q]) => `http://127.0.0.1${p}${q}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('*', '//', '/%', '/%E0%A4%A', 'http://x/..', 'x') },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => `/api/${'a'.repeat(n)}`),
      },
      // Bytes a browser would never send; Node's parser refuses most of them.
      {
        weight: 1,
        arbitrary: fc
          .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 })
          .map(
            (bytes) =>
              `/${String.fromCharCode(...bytes.filter((b) => b !== 0x0a && b !== 0x0d && b !== 0x20))}`,
          ),
      },
    );
    const method = fc.constantFrom(
      'GET',
      'GET',
      'POST',
      'POST',
      'DELETE',
      'PUT',
      'PATCH',
      'HEAD',
      'OPTIONS',
      'TRACE',
      'FOO',
      'get',
    );
    const authorization = fc.option(
      fc.oneof(
        fc.constantFrom(
          'Bearer dev-user:fuzz-alice',
          'Bearer dev-user:',
          'Bearer dev-user:a/b',
          'Bearer dev-user:../x',
          'Basic dev-user:x',
          'Bearer eyJ.x.y',
        ),
        fc.string({ maxLength: 20 }).map((id) => `Bearer dev-user:${id}`),
      ),
      { nil: undefined },
    );
    const extraHeader = fc.option(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 10 }),
      ),
      { nil: undefined },
    );
    const body = fc.option(
      fc.oneof(
        fc.constantFrom('{}', '{"contentType":"image/png","contentLengthBytes":10}', '[]', 'null'),
        fc.json({ maxDepth: 2 }),
        fc.string({ maxLength: 40 }),
      ),
      { nil: undefined },
    );
    const contentType = fc.constantFrom(undefined, 'application/json', 'text/plain', 'x');
    const requestArb = fc
      .record({ method, target, authorization, extraHeader, body, contentType })
      .map((r) => {
        const headers = ['Host: 127.0.0.1'];
        if (r.authorization !== undefined) headers.push(`Authorization: ${r.authorization}`);
        if (r.extraHeader) {
          const [name, bytes] = r.extraHeader;
          if (!/^(connection|content-length|transfer-encoding|host|expect|upgrade)$/i.test(name)) {
            headers.push(
              `${name}: ${String.fromCharCode(...bytes.filter((b) => b !== 0x0a && b !== 0x0d))}`,
            );
          }
        }
        if (r.contentType) headers.push(`Content-Type: ${r.contentType}`);
        const payload = r.body === undefined ? '' : Buffer.from(r.body, 'utf8').toString('latin1');
        if (payload) headers.push(`Content-Length: ${payload.length}`);
        return request(`${r.method} ${r.target} HTTP/1.1`, headers) + payload;
      });

    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 25, maxLength: 25 }), async (batch) => {
        const answers = await Promise.all(batch.map((raw) => sendRaw(running.port, raw)));
        sent += batch.length;
        for (const [i, answer] of answers.entries()) expectHandled(answer, batch[i]!);
      }),
      // Bounded in time on a loaded machine: up to 3,000 requests, at most 20 s.
      { numRuns: 120, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false },
    );

    expect(sent).toBeGreaterThanOrEqual(1_000);
    await expectStillUp();
  });
});
