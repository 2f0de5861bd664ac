import { describe, expect, it } from 'vitest';
import { IllustrationGenError } from '../../src/errors.ts';
import { describeError } from '../../src/internal/http.ts';
import { requestIllustration } from '../../src/internal/illustration-gen-client.ts';

const request = {
  userId: 'u1',
  kind: 'memory',
  subjectImageBase64: '',
  subjectImageContentType: 'image/png',
  bucket: 'auto-bio-illustrations',
  region: 'us-east-1',
  outputPrefix: 'generated/memory/u1/',
  outputKey: 'generated/memory/u1/0001714521600000-3b241101-e2bb-4255-8caf-4136c566a962.png',
} as const;

describe('requestIllustration', () => {
  it('never repeats the password of a URL that fetch refuses, in its message, stack or causes', async () => {
    let thrown: unknown;
    try {
      // fetch refuses a URL with credentials, naming the whole URL in its error.
      await requestIllustration('http://svc:hunter2@127.0.0.1:9/generate', request, {
        timeoutMs: 1000,
        requestId: 'r-1',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllustrationGenError);
    expect((thrown as IllustrationGenError).failure).toBe('Unreachable');
    expect((thrown as Error).message).toContain('http://127.0.0.1:9/generate');
    // What the route handler logs of a failed request (internal/http.ts).
    expect(JSON.stringify(describeError(thrown))).not.toContain('hunter2');
  });
});
