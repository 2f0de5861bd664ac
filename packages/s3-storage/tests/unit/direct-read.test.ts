import { describe, expect, it } from 'vitest';
import { parseResponseHead } from '../../src/direct-read.ts';

const head = (...lines: string[]) => lines.join('\r\n');

describe('the response head a direct read accepts', () => {
  it('takes a 200 with one Content-Length, in any letter case', () => {
    expect(
      parseResponseHead(head('HTTP/1.1 200 OK', 'content-LENGTH:  1234 ', 'ETag: "x"')),
    ).toEqual({ contentLength: 1234 });
    expect(parseResponseHead(head('HTTP/1.0 200', 'Content-Length: 0'))).toEqual({
      contentLength: 0,
    });
    expect(
      parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 5')),
    ).toEqual({ contentLength: 5 });
  });

  it.each([
    [head('HTTP/1.1 404 Not Found', 'Content-Length: 10'), 'S3 answered HTTP 404'],
    [head('HTTP/1.1 206 Partial Content', 'Content-Length: 10'), 'S3 answered HTTP 206'],
    [head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), 'the body is sent chunked'],
    [head('HTTP/1.1 200 OK', 'Content-Type: image/png'), 'the response has no Content-Length'],
    [head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6'), 'invalid Content-Length'],
    [head('HTTP/1.1 200 OK', 'Content-Length: -5'), 'invalid Content-Length'],
    [head('HTTP/1.1 200 OK', 'Content-Length: 1e3'), 'invalid Content-Length'],
    [head('HTTP/1.1 200 OK', 'Content-Length 5'), 'a malformed header'],
    [head('HTTP/1.1 200 OK', 'Content Length: 5'), 'a malformed header'],
    [head('HTTP/2 200', 'Content-Length: 5'), 'HTTP/1.1 status line'],
    [head('hello'), 'HTTP/1.1 status line'],
  ])('leaves %j to the SDK (%s)', (text, reason) => {
    const parsed = parseResponseHead(text);
    expect(parsed).toHaveProperty('reason');
    expect((parsed as { reason: string }).reason).toContain(reason);
  });
});
