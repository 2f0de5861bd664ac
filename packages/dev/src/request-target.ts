import type { DevErrorAnswer } from './error-answer.ts';

/** A request target the dev server can route: the path as sent, and the query. */
export interface RequestTarget {
  /** The path, still percent-encoded, always starting with `/`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

const MALFORMED: DevErrorAnswer = {
  statusCode: 400,
  code: 'BadRequest',
  message:
    'The request target is neither a path such as /api/images/avatar nor an absolute URL: send a path.',
};

/**
 * Reads the request line's target without `new URL(target, base)`, which throws on `//` and
 * reads `//host/x` as another host. Origin-form (`/path?query`) and absolute-form
 * (`http://host/path`, which HTTP/1.1 servers must accept) are served; anything else (`*`, a
 * bare word, a broken authority) is a 400.
 */
export function parseRequestTarget(raw: string): RequestTarget | DevErrorAnswer {
  let target = raw;
  const absolute = /^https?:\/\/([^/?#]*)/i.exec(target);
  if (absolute) {
    // The authority is the client's business; the path is kept as sent, dot segments and all,
    // so that it is routed as the same path in origin-form would be.
    if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(absolute[1]!)) {
      return MALFORMED;
    }
    target = target.slice(absolute[0].length) || '/';
    if (target.startsWith('?')) target = `/${target}`;
  }
  if (!target.startsWith('/')) {
    return target === '*'
      ? {
          ...MALFORMED,
          message:
            'The request target * (asterisk-form) asks about the server as a whole, which this server does not answer: send a path.',
        }
      : MALFORMED;
  }
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
  return { path, query };
}

/**
 * One path segment, percent-decoded.
 * @returns the decoded text, or a 400 answer naming the segment when its encoding is malformed.
 */
export function decodeSegment(segment: string): string | DevErrorAnswer {
  try {
    return decodeURIComponent(segment);
  } catch {
    return {
      statusCode: 400,
      code: 'BadRequest',
      message: `The path segment ${JSON.stringify(segment.slice(0, 200))} has malformed percent-encoding: encode each byte as %XX, and only whole UTF-8 characters.`,
    };
  }
}

/** Whether a value is an error answer rather than what was parsed. */
export function isErrorAnswer(value: unknown): value is DevErrorAnswer {
  return typeof value === 'object' && value !== null && 'statusCode' in value && 'code' in value;
}
