import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { expectDocumented, type OpenApiDocument } from '../helpers/openapi.ts';
import { startTestStack, type TestStack } from '../helpers/test-stack.ts';

const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));

let running: TestStack;
let document: OpenApiDocument;
beforeAll(async () => {
  running = await startTestStack();
  document = (await (
    await fetch(`${running.stack.apiUrl}/openapi.json`)
  ).json()) as OpenApiDocument;
});
afterAll(() => running?.stop());

interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The route's path in the document, with `{parameters}`. */
  readonly route: string;
  /** The path called, when it differs from the route's. */
  readonly path?: string;
  readonly userId?: string | null;
  readonly body?: string;
  readonly contentType?: string;
}

/** Calls the API as a client would, and checks the answer against the document. */
async function call(request: Call): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (request.userId !== null)
    headers.authorization = devAuthorization(request.userId ?? 'contract-alice');
  if (request.body !== undefined)
    headers['content-type'] = request.contentType ?? 'application/json';
  const response = await fetch(`${running.stack.apiUrl}${request.path ?? request.route}`, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const answer = { status: response.status, body: await response.json() };
  expectDocumented(document, { method: request.method, path: request.route }, answer);
  return answer;
}

describe('the OpenAPI document pnpm dev serves', () => {
  it('is OpenAPI 3.1 with the dev server as its server', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: running.stack.apiUrl }]);
  });

  it('describes every answer of every route, success and error, as the handlers really give them', async () => {
    const subject = await readFile(SUBJECT_PNG);
    const upload = (body: unknown, route = '/uploads/subject') =>
      call({ method: 'POST', route, body: JSON.stringify(body) });

    // Refusals before and in the handlers.
    expect((await call({ method: 'GET', route: '/images/subject', userId: null })).status).toBe(
      401,
    );
    expect((await upload({ contentType: 'image/png' })).status).toBe(400);
    expect(
      (
        await call({
          method: 'POST',
          route: '/uploads/subject',
          body: 'x',
          contentType: 'text/plain',
        })
      ).status,
    ).toBe(415);
    expect((await upload({ contentType: 'image/png', contentLengthBytes: 10 ** 12 })).status).toBe(
      413,
    );
    expect((await upload({ contentType: 'text/html', contentLengthBytes: 5 })).status).toBe(400);
    expect((await call({ method: 'GET', route: '/images/subject' })).status).toBe(404);
    expect((await call({ method: 'GET', route: '/images/avatar' })).status).toBe(404);
    expect(
      (
        await call({
          method: 'POST',
          route: '/illustrations/{kind}',
          path: '/illustrations/memory',
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect(
      (await call({ method: 'GET', route: '/illustrations/{kind}', path: '/illustrations/nope' }))
        .status,
    ).toBe(400);
    expect(
      (
        await call({
          method: 'GET',
          route: '/illustrations/{kind}',
          path: '/illustrations/memory?limit=0',
        })
      ).status,
    ).toBe(400);

    // Successes, in the order a user meets them.
    const put = (await upload({
      contentType: 'image/png',
      contentLengthBytes: subject.length,
    })) as {
      status: number;
      body: { url: string; headers: Record<string, string> };
    };
    expect(put.status).toBe(200);
    expect(
      (await fetch(put.body.url, { method: 'PUT', headers: put.body.headers, body: subject }))
        .status,
    ).toBe(200);
    expect(
      (await upload({ contentType: 'image/png', method: 'POST' }, '/uploads/avatar')).status,
    ).toBe(200);
    expect((await call({ method: 'GET', route: '/images/subject' })).status).toBe(200);
    expect(
      (
        await call({
          method: 'POST',
          route: '/illustrations/{kind}',
          path: '/illustrations/memory',
          body: '',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call({
          method: 'GET',
          route: '/illustrations/{kind}',
          path: '/illustrations/memory?limit=1',
        })
      ).status,
    ).toBe(200);
    expect((await call({ method: 'DELETE', route: '/me/data' })).status).toBe(202);
  });

  it("refuses answers it does not describe: an extra field, a bad date, an undocumented status, API Gateway's shape", () => {
    const route = { method: 'GET', path: '/images/subject' };
    const image = {
      key: 'subjects/a.png',
      url: 'http://127.0.0.1/x',
      expiresAt: '2026-01-01T00:00:00.000Z',
      sizeBytes: 1,
      lastModified: null,
    };

    expect(() => expectDocumented(document, route, { status: 200, body: image })).not.toThrow();
    expect(() =>
      expectDocumented(document, route, { status: 200, body: { ...image, etag: 'x' } }),
    ).toThrow();
    expect(() =>
      expectDocumented(document, route, { status: 200, body: { ...image, expiresAt: 'soon' } }),
    ).toThrow();
    expect(() => expectDocumented(document, route, { status: 201, body: image })).toThrow(
      'the status is not documented',
    );
    expect(() =>
      expectDocumented(document, route, { status: 401, body: { message: 'Unauthorized' } }),
    ).toThrow();
  });

  it('has an operation for each route the dev server serves, and none it does not', async () => {
    const { ROUTES } = await import('@autobio/functions');

    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(operations.sort()).toEqual(ROUTES.map((route) => route.routeKey).sort());
  });
});
