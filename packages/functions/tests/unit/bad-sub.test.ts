import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetS3Storage } from '@autobio/s3-storage';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiHandler } from '../../src/internal/http.ts';
import { ROUTES } from '../../src/routes.ts';
import type { RouteName } from '../../src/types/routes.ts';
import { invoke, type TestRequest } from '../helpers/events.ts';
import { stubStorageEnv } from '../helpers/local-storage.ts';
import { type CapturedLogs, captureLogs } from '../helpers/logs.ts';

/** A request each route would carry out for a good user: the sub alone must decide. */
const VALID: Record<RouteName, Pick<TestRequest, 'pathParameters' | 'body'>> = {
  'create-subject-upload': { body: { contentType: 'image/png', contentLengthBytes: 100 } },
  'create-avatar-upload': { body: { contentType: 'image/png', contentLengthBytes: 100 } },
  'get-subject-image': {},
  'get-avatar-image': {},
  'list-illustrations': { pathParameters: { kind: 'memory' } },
  'generate-illustration': { pathParameters: { kind: 'subject' }, body: {} },
  'delete-my-data': {},
};

/** Subs a token can carry (JSON's \u escapes make any of them) that no key may hold. */
const BAD_SUBS = [
  { what: 'a C1 control character (U+0085)', sub: 'user\u0085one', shown: 'user\\u0085one' },
  { what: 'DEL (U+007F)', sub: 'user\u007fone', shown: 'user\\u007fone' },
  { what: 'a lone high surrogate', sub: 'user\ud800one', shown: 'user\\ud800one' },
  { what: 'a lone low surrogate at the end', sub: 'user\udfff', shown: 'user\\udfff' },
  { what: 'a non-character (U+FFFE)', sub: 'user\ufffeone', shown: 'user\\ufffeone' },
  {
    what: 'an astral non-character (U+10FFFF)',
    sub: 'user\u{10ffff}',
    shown: 'user\\udbff\\udfff',
  },
] as const;

// A storage endpoint that records every request and refuses it: no request may reach it.
const storageRequests: string[] = [];
let storage: Server;
beforeAll(async () => {
  storage = createServer((request, response) => {
    storageRequests.push(`${request.method} ${request.url}`);
    response.writeHead(403, { 'content-type': 'application/xml' });
    response.end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
  });
  await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => storage.close(resolve));
});

let logs: CapturedLogs;
beforeEach(() => {
  const { port } = storage.address() as AddressInfo;
  stubStorageEnv('bad-sub-test', `http://127.0.0.1:${port}`);
  storageRequests.length = 0;
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
  vi.unstubAllEnvs();
  resetS3Storage();
});

const handlers = new Map<RouteName, ApiHandler>();
async function call(route: (typeof ROUTES)[number], sub: string) {
  let handler = handlers.get(route.name);
  if (!handler) {
    handler = ((await import(route.entry)) as Record<string, ApiHandler>)[route.handlerExport]!;
    handlers.set(route.name, handler);
  }
  return invoke(handler, { method: route.method, route: route.path, sub, ...VALID[route.name] });
}

describe('a token whose sub no key may hold', () => {
  describe.each(ROUTES.map((route) => [route.routeKey, route] as const))('%s', (_, route) => {
    it.each(BAD_SUBS.map(({ what, sub, shown }) => [what, sub, shown]))(
      'answers 401 to a sub with %s, before any storage request',
      async (_what, sub, shown) => {
        const result = await call(route, sub);

        expect(result.statusCode).toBe(401);
        expect(result.json.error.code).toBe('Unauthorized');
        expect(result.json.error.message).toContain(`The token's "sub" cannot name a user here.`);
        expect(result.json.error.message).toContain(`Invalid user id "${shown}"`);
        expect(storageRequests).toEqual([]);
      },
    );
  });

  it('lets a plain sub past authentication on every route, so the 401s above are the rule at work', async () => {
    for (const route of ROUTES) {
      const result = await call(route, 'user-one');
      expect(result.statusCode, route.routeKey).not.toBe(401);
    }
    // The fake storage is wired: "no storage request" above is a real observation.
    expect(storageRequests.length).toBeGreaterThan(0);
  });

  it('logs the refusal as the caller’s mistake, with the sub escaped and never as the user', async () => {
    const route = ROUTES.find((candidate) => candidate.name === 'delete-my-data')!;

    await call(route, 'user\u0085one');

    const refused = logs.entries.find((entry) => entry.message === 'Request refused');
    expect(refused).toMatchObject({ level: 'INFO', statusCode: 401, code: 'Unauthorized' });
    expect(refused?.reason).toContain('U+0085 at index 4');
    expect(logs.entries.every((entry) => !('userId' in entry))).toBe(true);
    expect(logs.text()).not.toContain('\u0085');
  });
});
