import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactUrl } from '../../src/redact.ts';

/** Marks a generated password, so that any piece of it left in the output is found. */
const SENTINEL = 'SeCrEt';

/**
 * What a user name or password may hold as people write it: everything but what ends a URL's
 * authority for every parser (whitespace, `/`, `?`, `#`, `\`) and the quotes around URLs in prose.
 * `@`, `:`, `%`, `=`, `&` and non-ASCII letters included.
 */
const secretChar = fc.oneof(
  fc.constantFrom(...'abcXYZ019-._~!$&()*+,;=%:@'.split('')),
  fc.constantFrom('é', 'ß', '字', '🙂'),
);
const userChar = secretChar.filter((c) => c !== ':' && c !== '@' && c !== '=');
const password = fc
  .tuple(
    fc.string({ unit: secretChar, maxLength: 12 }),
    fc.string({ unit: secretChar, maxLength: 12 }),
  )
  .map(([before, after]) => `${before}${SENTINEL}${after}`);
const user = fc.string({ unit: userChar, maxLength: 10 });
const host = fc.oneof(
  fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'gen.example.com'),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
);
const port = fc.option(
  fc.integer({ min: 1, max: 65_535 }).map((n) => `:${n}`),
  { nil: '' },
);
const path = fc.option(fc.stringMatching(/^\/[a-z0-9/._-]{0,20}$/), { nil: '' });
const scheme = fc.constantFrom('http', 'https', 's3', 'ftp', 'htps');

/** URLs with a password, well-formed or not, in every shape a setting or a message takes. */
const urlWithPassword = fc
  .record({ scheme, user, password, host, port, path, shape: fc.nat({ max: 6 }) })
  .map(({ scheme, user, password, host, port, path, shape }) => {
    const userinfo = `${user}:${password}@`;
    switch (shape) {
      case 0:
        return `${scheme}://${userinfo}${host}${port}${path}`;
      case 1: // a space in the host: no parser takes it
        return `${scheme}://${userinfo}${host} x${port}${path}`;
      case 2: // a port that is not one
        return `${scheme}://${userinfo}${host}:99999x${path}`;
      case 3: // no scheme
        return `${userinfo}${host}${port}${path}`;
      case 4: // one slash, as parsers accept
        return `${scheme}:/${userinfo}${host}${port}${path}`;
      case 5: // backslashes, as parsers accept for http(s)
        return `${scheme}:\\\\${userinfo}${host}${port}${path}`;
      default: // a password without a user name
        return `${scheme}://:${password}@${host}${port}${path}`;
    }
  });

/** The URL where it is printed or logged: alone, in prose, in JSON, as a variable. */
const inText = (url: fc.Arbitrary<string>) =>
  fc
    .record({
      url,
      before: fc.string({ maxLength: 20 }).filter((s) => !s.includes(SENTINEL)),
      after: fc.string({ maxLength: 20 }).filter((s) => !s.includes(SENTINEL)),
      form: fc.nat({ max: 4 }),
    })
    .map(({ url, before, after, form }) => {
      switch (form) {
        case 0:
          return url;
        case 1:
          return `${before} ${url} ${after}`;
        case 2:
          return JSON.stringify({ message: `${before} ${url}`, endpoint: url });
        case 3:
          return `S3_ENDPOINT=${url} (${url}): "${url}"`;
        default:
          return `error: ${JSON.stringify(url)} is not an http(s) URL. ${after}`;
      }
    });

describe('redactUrl', () => {
  it('strips the user name and password from a URL', () => {
    expect(redactUrl('http://user:pass@127.0.0.1:4569/bucket')).toBe(
      'http://127.0.0.1:4569/bucket',
    );
  });

  it('strips a user name alone, which is often a token', () => {
    expect(redactUrl('cloning https://ghp_abc123@github.com/o/r.git')).toBe(
      'cloning https://github.com/o/r.git',
    );
  });

  it('strips them from a URL no parser takes, such as one with a space in its host', () => {
    expect(redactUrl('"https://svc:hunter2@gen example.com/" is not an http(s) URL.')).toBe(
      '"https://gen example.com/" is not an http(s) URL.',
    );
  });

  it('strips them from an endpoint written without a scheme', () => {
    expect(redactUrl('S3_ENDPOINT: "admin:s3cr3t@127.0.0.1:4569" is not an http(s) URL.')).toBe(
      'S3_ENDPOINT: "127.0.0.1:4569" is not an http(s) URL.',
    );
  });

  it('strips a password holding "@" up to the last "@" of the authority, as parsers read it', () => {
    expect(redactUrl('Check S3_ENDPOINT (http://u:p@ss@127.0.0.1:9): is it running?')).toBe(
      'Check S3_ENDPOINT (http://127.0.0.1:9): is it running?',
    );
  });

  it("replaces a presigned URL's signature, credential and session token", () => {
    const url =
      'https://b.s3.us-east-1.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&x-amz-security-token=IQoJb3JpZ2luX2Vj' +
      '&X-Amz-Signature=0123456789abcdef&X-Amz-SignedHeaders=host';
    expect(redactUrl(url)).toBe(
      'https://b.s3.us-east-1.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        `&X-Amz-Credential=${REDACTED}&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900` +
        `&x-amz-security-token=${REDACTED}&X-Amz-Signature=${REDACTED}&X-Amz-SignedHeaders=host`,
    );
  });

  it('replaces a token in the first query parameter and keeps the fragment', () => {
    expect(redactUrl('https://gen.internal/generate?token=abc&mode=x#top')).toBe(
      `https://gen.internal/generate?token=${REDACTED}&mode=x#top`,
    );
  });

  it('leaves e-mail addresses, ports, paths holding "@" and plain URLs as they are', () => {
    const text =
      'Mail dev@example.com; S3 at http://127.0.0.1:4569/auto-bio-local/@scope/x.png ' +
      'and https://s3.amazonaws.com/?prefix=generated/ answered 403.';
    expect(redactUrl(text)).toBe(text);
  });

  it('removes every piece of every password, whatever the URL and the text around it', () => {
    fc.assert(
      fc.property(inText(urlWithPassword), (text) => {
        expect(redactUrl(text)).not.toContain(SENTINEL);
      }),
      { numRuns: 2_000 },
    );
  });

  it('removes the value of every credential query parameter, in any case', () => {
    const name = fc
      .constantFrom('X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'token')
      .chain((n) =>
        fc
          .array(fc.boolean(), { minLength: n.length, maxLength: n.length })
          .map((upper) =>
            [...n].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
          ),
      );
    const value = fc
      .string({ unit: fc.constantFrom(...'abcXYZ0189%-_.~/+='.split('')), maxLength: 30 })
      .map((v) => `${SENTINEL}${v}`);
    fc.assert(
      fc.property(
        inText(
          fc
            .tuple(scheme, host, path, name, value, fc.boolean())
            .map(
              ([s, h, p, n, v, first]) =>
                `${s}://${h}${p}?${first ? '' : 'X-Amz-Date=20260101T000000Z&'}${n}=${v}&x=1`,
            ),
        ),
        (text) => {
          expect(redactUrl(text)).not.toContain(SENTINEL);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('gives what the URL parser gives with the user name and password cleared, for any URL it builds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http:', 'https:', 's3:', 'ftp:'),
        user,
        password,
        host.filter((h) => {
          try {
            new URL(`http://${h}`);
            return true;
          } catch {
            return false;
          }
        }),
        path,
        (protocol, username, pass, h, p) => {
          const url = new URL(`${protocol}//${h}${p}`);
          url.username = username;
          url.password = pass;
          const cleared = new URL(url.href);
          cleared.username = '';
          cleared.password = '';
          expect(redactUrl(url.href)).toBe(cleared.href);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('leaves any text without "@" or "=" unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('@') && !s.includes('=')),
        (text) => {
          expect(redactUrl(text)).toBe(text);
        },
      ),
    );
  });

  it('changes nothing more when applied twice', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), inText(urlWithPassword)), (text) => {
        expect(redactUrl(redactUrl(text))).toBe(redactUrl(text));
      }),
      { numRuns: 1_000 },
    );
  });
});
