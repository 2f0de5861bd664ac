import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { startTestStack, type TestStack } from '../helpers/test-stack.ts';

let running: TestStack;
beforeAll(async () => {
  running = await startTestStack();
});
afterAll(() => running?.stop());

async function errorOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body).toEqual({
    error: { code: expect.any(String), message: expect.any(String), requestId: expect.any(String) },
  });
  return body.error;
}

describe("the dev server's own answers, in the API's error shape", () => {
  it('answers a call without a token 401, naming the dev token to send', async () => {
    const response = await fetch(`${running.stack.apiUrl}/images/avatar`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="autobio-dev"');
    expect(await errorOf(response)).toMatchObject({
      code: 'Unauthorized',
      message:
        'No token: sign in locally with the header Authorization: Bearer dev-user:<userId>, for example Bearer dev-user:alice.',
    });
  });

  it('answers a token that is no dev token 401, saying what a dev token is', async () => {
    const response = await fetch(`${running.stack.apiUrl}/images/avatar`, {
      headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.x.y' },
    });

    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toContain(
      'The Authorization header is not a usable dev token: send Authorization: Bearer dev-user:<userId>',
    );
  });

  it('answers an unknown route 404, pointing at the OpenAPI document', async () => {
    const response = await fetch(`${running.stack.apiUrl}/nope`, {
      headers: { authorization: devAuthorization('alice') },
    });

    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({
      code: 'NotFound',
      message: 'No route matches GET /api/nope: the routes are listed in /api/openapi.json.',
    });
  });

  it('answers a wrong method 405 with the methods the path has in Allow', async () => {
    const response = await fetch(`${running.stack.apiUrl}/illustrations/memory`, {
      method: 'DELETE',
      headers: { authorization: devAuthorization('alice') },
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await errorOf(response)).toMatchObject({
      code: 'MethodNotAllowed',
      message: 'DELETE is not a method of /api/illustrations/memory: use GET, POST.',
    });
  });

  it('answers a body over 1 MB 413 without reading it all', async () => {
    const response = await fetch(`${running.stack.apiUrl}/uploads/subject`, {
      method: 'POST',
      headers: { authorization: devAuthorization('alice'), 'content-type': 'application/json' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('RequestTooLarge');
  });

  it("answers a POST to the page's files 405, and a HEAD with the GET's headers", async () => {
    const post = await fetch(`${running.stack.pageUrl}/index.html`, { method: 'POST' });
    const head = await fetch(`${running.stack.pageUrl}/`, { method: 'HEAD' });

    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('serves the OpenAPI document without a token', async () => {
    const response = await fetch(`${running.stack.apiUrl}/openapi.json`);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
