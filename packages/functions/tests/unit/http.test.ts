import { S3ThrottledError, S3TimeoutError } from '@autobio/s3-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError } from '../../src/errors.ts';
import { createRouteHandler } from '../../src/internal/http.ts';
import { apiEvent, invoke, lambdaContext } from '../helpers/events.ts';
import { type CapturedLogs, captureLogs } from '../helpers/logs.ts';

let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

const echo = createRouteHandler({
  route: 'generate-illustration',
  body: z.strictObject({ name: z.string().max(5), count: z.number().int().optional() }),
  query: z.object({ page: z.string().regex(/^\d+$/).optional() }),
  path: z.object({ kind: z.enum(['memory', 'subject']) }),
  async handle(request) {
    return {
      statusCode: 200,
      body: {
        userId: request.userId,
        body: request.body,
        query: request.query,
        path: request.path,
      },
    };
  },
});

const call = (overrides: Partial<Parameters<typeof apiEvent>[0]> = {}) =>
  invoke(echo, {
    method: 'POST',
    route: '/illustrations/{kind}',
    sub: 'user-1',
    pathParameters: { kind: 'memory' },
    body: { name: 'ok' },
    ...overrides,
  });

describe('createRouteHandler', () => {
  it('passes the token user and the validated body, query and path to the route, and answers JSON', async () => {
    const result = await call({ query: { page: '2', other: 'ignored' } });
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    expect(result.json).toEqual({
      userId: 'user-1',
      body: { name: 'ok' },
      query: { page: '2' },
      path: { kind: 'memory' },
    });
  });

  it('answers 401 when the sub claim is missing, blank, not a string or not usable as a key segment', async () => {
    for (const sub of [null, '', '   ', 'a/b', '..', 'x'.repeat(129), 'tab\there']) {
      const result = await call({ sub });
      expect(result.statusCode, String(sub)).toBe(401);
      expect(result.json.error.code).toBe('Unauthorized');
    }
    const event = apiEvent({
      method: 'POST',
      route: '/illustrations/{kind}',
      sub: null,
      body: { name: 'ok' },
    });
    event.requestContext.authorizer.jwt.claims.sub = 12345;
    expect((await echo(event, lambdaContext())).statusCode).toBe(401);
    const noAuthorizer = apiEvent({ method: 'POST', route: '/x', sub: 'u' });
    (noAuthorizer.requestContext as { authorizer?: unknown }).authorizer = undefined;
    expect((await echo(noAuthorizer, lambdaContext())).statusCode).toBe(401);
  });

  it('names every invalid field, where it is, in one 400', async () => {
    const result = await call({ body: { name: 'too-long', count: 1.5 }, query: { page: 'x' } });
    expect(result.statusCode).toBe(400);
    expect(result.json.error.code).toBe('InvalidRequest');
    expect(result.json.error.details.map((d: { path: string }) => d.path)).toEqual([
      'query.page',
      'body.name',
      'body.count',
    ]);
    expect(result.json.error.message).toMatch(/^query\.page: .+; body\.name: .+; body\.count: .+$/);
    const body = await call({ body: { name: 'too-long', count: 1.5, extra: true } });
    expect(body.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body',
      'body.count',
      'body.name',
    ]);
    expect(body.json.error.message).toContain('extra');
  });

  it('checks the path parameters', async () => {
    const result = await call({ pathParameters: { kind: 'avatar' } });
    expect(result.statusCode).toBe(400);
    expect(result.json.error.details[0].path).toBe('path.kind');
  });

  it('answers 400 MissingBody naming the required fields when the body is empty', async () => {
    const result = await call({ body: '' });
    expect(result.statusCode).toBe(400);
    expect(result.json.error).toMatchObject({
      code: 'MissingBody',
      message: expect.stringContaining('body.name'),
    });
  });

  it('accepts JSON with a charset, and refuses other media types with 415', async () => {
    expect(
      (await call({ headers: { 'content-type': 'application/json; charset=utf-8' } })).statusCode,
    ).toBe(200);
    expect((await call({ headers: { 'content-type': 'text/plain' } })).statusCode).toBe(415);
    expect((await call({ headers: { 'content-type': 'application/jsonp' } })).statusCode).toBe(415);
  });

  it('never answers with a stack, whatever the route throws', async () => {
    const failing = createRouteHandler({
      route: 'delete-my-data',
      async handle() {
        throw new Error('database password is hunter2');
      },
    });
    const result = await invoke(failing, { method: 'DELETE', route: '/me/data', sub: 'user-1' });
    expect(result.statusCode).toBe(500);
    expect(result.rawBody).not.toMatch(/hunter2|at |\.ts/);
    expect(result.json.error.requestId).toBe(result.event.requestContext.requestId);
    const failure = logs.entries.find((entry) => entry.message === 'Request failed') as {
      error: { message: string; stack: string };
    };
    expect(failure.error.message).toContain('hunter2');
    expect(failure.error.stack).toContain('http.test.ts');
  });

  it('answers S3 throttling with 503 and the Retry-After S3 asked for', async () => {
    const throttled = createRouteHandler({
      route: 'list-illustrations',
      async handle() {
        throw new S3ThrottledError({ bucket: 'b', key: 'k', attempts: 3, retryAfterSeconds: 7 });
      },
    });
    const result = await invoke(throttled, {
      method: 'GET',
      route: '/illustrations/{kind}',
      sub: 'user-1',
    });
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('7');
    expect(result.json.error.code).toBe('StorageBusy');
  });

  it("gives the route a signal that aborts before the Lambda's time is up", async () => {
    let seen: AbortSignal | undefined;
    const waiting = createRouteHandler({
      route: 'list-illustrations',
      async handle(request) {
        seen = request.abortSignal;
        await new Promise((resolve, reject) => {
          request.abortSignal.addEventListener('abort', () =>
            reject(new S3TimeoutError({ bucket: 'b', key: 'k', attempts: 1, detail: 'aborted' })),
          );
          setTimeout(resolve, 5_000).unref();
        });
        return { statusCode: 200, body: {} };
      },
    });
    const started = Date.now();
    const result = await invoke(
      waiting,
      { method: 'GET', route: '/illustrations/{kind}', sub: 'user-1' },
      lambdaContext(1_300),
    );
    expect(seen?.aborted).toBe(true);
    expect(result.statusCode).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_300);
  });

  it('answers an HttpError with its own status and message', async () => {
    const gone = createRouteHandler({
      route: 'get-avatar-image',
      async handle() {
        throw new HttpError(404, 'AvatarNotFound', 'You have no avatar yet.');
      },
    });
    const result = await invoke(gone, { method: 'GET', route: '/images/avatar', sub: 'user-1' });
    expect(result.statusCode).toBe(404);
    expect(result.json.error).toEqual({
      code: 'AvatarNotFound',
      message: 'You have no avatar yet.',
      requestId: result.event.requestContext.requestId,
    });
  });

  it('answers 400 MalformedJson without any of the body, and logs none of it', async () => {
    const secret = 'Zq7xK9wPm3vTsecretTOKEN';
    const bodies = [
      secret,
      `"${secret}`,
      `{"name": "${secret}"`,
      `{"name": "${secret}",}`,
      `{'${secret}': 1}`,
      `{"name": "ok"} ${secret}`,
    ];
    for (const body of bodies) {
      const result = await call({ body });
      expect(result.statusCode, body).toBe(400);
      expect(result.json.error.code).toBe('MalformedJson');
      expect(result.json.error.message).toMatch(
        /^The body is not valid JSON( \(at position \d+\))?\.$/,
      );
      const refused = logs.entries.filter((entry) => entry.message === 'Request refused').at(-1);
      expect(refused).toMatchObject({ code: 'MalformedJson', reason: result.json.error.message });
      // Node quotes up to 10 characters of the body around the error: no 5 of the secret's may show.
      for (const text of [result.rawBody, logs.text()]) {
        for (let i = 0; i + 5 <= secret.length; i += 1) {
          expect(text, body).not.toContain(secret.slice(i, i + 5));
        }
      }
    }
    const positioned = await call({ body: '{"name": 1,}' });
    expect(positioned.json.error.message).toMatch(/at position \d+/);
  });

  it("keeps concurrent requests apart: each line has its own request's user and ids, no other", async () => {
    let arrived = 0;
    let release = () => {};
    const bothInside = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = createRouteHandler({
      route: 'get-avatar-image',
      async handle(request) {
        arrived += 1;
        if (arrived === 2) release();
        await bothInside;
        request.log.info('Working', { step: 1 });
        if (request.userId === 'user-b') {
          throw new HttpError(404, 'AvatarNotFound', 'You have no avatar yet.');
        }
        return { statusCode: 200, body: {} };
      },
    });
    const send = (sub: string | null) => {
      const context = lambdaContext();
      return invoke(slow, { method: 'GET', route: '/images/avatar', sub }, context).then(
        (result) => ({ result, context, sub }),
      );
    };

    const runs = await Promise.all([send('user-a'), send('user-b'), send(null)]);

    expect(runs.map((run) => run.result.statusCode)).toEqual([200, 404, 401]);
    for (const { result, context, sub } of runs) {
      const lines = logs.entries.filter(
        (entry) => entry.apiRequestId === result.event.requestContext.requestId,
      );
      const expected =
        sub === 'user-a'
          ? ['Working', 'Request handled']
          : sub === 'user-b'
            ? ['Working', 'Request refused', 'Request handled']
            : ['Request refused', 'Request handled'];
      expect(lines.map((line) => line.message)).toEqual(expected);
      for (const line of lines) {
        expect(line.function_request_id).toBe(context.awsRequestId);
        if (sub === null) expect(line).not.toHaveProperty('userId');
        else expect(line.userId).toBe(sub);
      }
    }
    expect(logs.entries).toHaveLength(7);
  });

  it("logs one line per request, and never carries one request's user into the next", async () => {
    await call({ sub: 'first-user' });
    await call({ sub: null });
    const handled = logs.entries.filter((entry) => entry.message === 'Request handled');
    expect(handled).toHaveLength(2);
    expect(handled[0]).toMatchObject({ userId: 'first-user', statusCode: 200 });
    expect(handled[1]).not.toHaveProperty('userId');
    expect(handled[1]).toMatchObject({ statusCode: 401, route: 'generate-illustration' });
  });
});
