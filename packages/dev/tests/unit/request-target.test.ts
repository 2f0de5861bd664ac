import { describe, expect, it } from 'vitest';
import { decodeSegment, isErrorAnswer, parseRequestTarget } from '../../src/request-target.ts';

describe('reading a request target', () => {
  it.each([
    ['/', '/', ''],
    ['//', '//', ''],
    ['/api/illustrations/memory?limit=5&x=%', '/api/illustrations/memory', 'limit=5&x=%25'],
    ['http://x/..', '/..', ''],
    ['http://127.0.0.1:3000', '/', ''],
    ['http://127.0.0.1:3000?a=1', '/', 'a=1'],
    ['HTTP://[::1]:3000/api', '/api', ''],
  ])('reads %j as the path %j and the query %j', (raw, path, query) => {
    const target = parseRequestTarget(raw);

    expect(isErrorAnswer(target)).toBe(false);
    expect(target).toMatchObject({ path });
    expect((target as { query: URLSearchParams }).query.toString()).toBe(query);
  });

  it.each(['*', 'x', '', 'http://a b/', 'http://user@host/'])('refuses %j with a 400', (raw) => {
    expect(parseRequestTarget(raw)).toMatchObject({ statusCode: 400, code: 'BadRequest' });
  });

  it('decodes a segment, and refuses malformed percent-encoding naming the segment', () => {
    expect(decodeSegment('%C3%A9mile')).toBe('émile');
    expect(decodeSegment('%E0%A4%A')).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('"%E0%A4%A" has malformed percent-encoding'),
    });
  });
});
