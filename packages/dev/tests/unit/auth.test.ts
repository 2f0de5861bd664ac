import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthorization, devUserFromAuthorization } from '../../src/auth.ts';
import { type DevServer, startDevServer } from '../../src/server.ts';
import { sendRaw } from '../helpers/raw-http.ts';

describe('the local sign-in', () => {
  it('reads the user id of a dev token', () => {
    expect(devUserFromAuthorization(devAuthorization('alice'))).toBe('alice');
    expect(devUserFromAuthorization('bearer dev-user:bob')).toBe('bob');
  });

  it('reads an id with Latin-1 letters, as the page sends them', () => {
    expect(devUserFromAuthorization(devAuthorization('émile'))).toBe('émile');
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer eyJhbGciOiJSUzI1NiJ9.x.y',
    'Basic dev-user:alice',
    'Bearer dev-user:',
    'Bearer dev-user:../bob',
    'Bearer dev-user:a/b',
  ])('refuses %j', (header) => {
    expect(devUserFromAuthorization(header)).toBeUndefined();
  });

  // Named by code point: %j would print most of these raw, that is invisibly.
  it.each([
    ['a tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['C1 U+0085', 'a\u0085b'],
    ['C1 U+009F', 'a\u009f'],
    ['a lone surrogate', 'a\ud800b'],
    ['the non-character U+FFFE', 'a\ufffeb'],
    ['the non-character U+FDD0', '\ufdd0'],
  ])('refuses a dev token whose id holds %s', (_, userId) => {
    expect(devUserFromAuthorization(devAuthorization(userId))).toBeUndefined();
  });
});

describe('the dev server, given a dev token with a control character', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterAll(() => server.close());

  it.each([
    ['a C1 byte (0x85)', [0x85]],
    ['a tab', [0x09]],
  ])("answers 401 in the API's error shape, naming the dev token, to %s", async (_, bytes) => {
    const request = Buffer.concat([
      Buffer.from('GET /api/images/avatar HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'),
      Buffer.from('Authorization: Bearer dev-user:a'),
      Buffer.from(bytes),
      Buffer.from('b\r\n\r\n'),
    ]);

    const { status, body } = await sendRaw(server.port, request);

    expect(status).toBe(401);
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'Unauthorized',
        message: expect.stringContaining('Authorization: Bearer dev-user:<userId>'),
        requestId: expect.any(String),
      },
    });
  });
});
