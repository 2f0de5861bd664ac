import { redactUrl } from '@autobio/s3-storage/redact';
import * as z from 'zod';
import { IllustrationGenError } from '../errors.ts';
import type { IllustrationGenRequest, IllustrationGenResponse } from '../types/illustration-gen.ts';
import { jsonWithBase64Field } from './json-body.ts';

const responseSchema = z.object({ s3Uri: z.string().min(1).max(2048) });

/**
 * `error` as the log may show it: fetch names the whole URL when it refuses one (credentials in
 * it), and the route handler logs every cause's message and stack.
 */
function redactedError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? redactUrl(error) : error;
  const message = redactUrl(error.message);
  const stack = error.stack === undefined ? undefined : redactUrl(error.stack);
  if (message === error.message && stack === error.stack && error.cause === undefined) return error;
  const copy = new Error(
    message,
    error.cause === undefined ? undefined : { cause: redactedError(error.cause) },
  );
  copy.name = error.name;
  copy.stack = stack;
  return copy;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * POSTs one request to the illustration-gen service and returns its `{ s3Uri }`, within
 * `timeoutMs` for the whole exchange (connection, answer and body).
 * @throws IllustrationGenError: Timeout, Unreachable, HttpStatus or BadResponse.
 */
export async function requestIllustration(
  url: string,
  request: IllustrationGenRequest,
  options: { readonly timeoutMs: number; readonly requestId: string },
): Promise<IllustrationGenResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  // For messages: no query string, which may carry a key.
  const where = `${new URL(url).origin}${new URL(url).pathname}`;
  const timedOut = (cause: unknown) =>
    new IllustrationGenError(
      'Timeout',
      `The illustration-gen service at ${where} did not answer within ${options.timeoutMs} ms ` +
        '(ILLUSTRATION_GEN_TIMEOUT_MS).',
      { cause },
    );
  let response: Response;
  let text: string;
  const json = jsonWithBase64Field(request, 'subjectImageBase64');
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(json.contentLengthBytes),
        accept: 'application/json',
        'x-request-id': options.requestId,
      },
      body: json.body,
      // A stream body is sent as it is read (fetch requires saying so).
      duplex: 'half',
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) throw timedOut(error);
    throw new IllustrationGenError(
      'Unreachable',
      `The illustration-gen service at ${where} could not be reached: ${redactUrl((error as Error).message)}. ` +
        'Check ILLUSTRATION_GEN_URL and that the service runs.',
      { cause: redactedError(error) },
    );
  }
  if (!response.ok) {
    throw new IllustrationGenError(
      'HttpStatus',
      `The illustration-gen service at ${where} answered HTTP ${response.status} (${text.length} bytes).`,
      { serviceStatusCode: response.status },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new IllustrationGenError(
      'BadResponse',
      `The illustration-gen service answered HTTP ${response.status} with a body that is not JSON.`,
      { cause: error },
    );
  }
  const result = responseSchema.safeParse(parsed);
  if (!result.success) {
    throw new IllustrationGenError(
      'BadResponse',
      'The illustration-gen service answered without an "s3Uri" string: it must answer ' +
        `{ "s3Uri": "s3://bucket/key" }. ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}
