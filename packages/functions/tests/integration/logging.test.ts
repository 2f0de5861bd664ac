import { resetS3Storage } from '@autobio/s3-storage';
import { describe, expect, it, vi } from 'vitest';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import { startFakeIllustrationGen } from '../helpers/fake-illustration-gen.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';

const fixture = useLocalStorage();
const SECRET = 'very-secret-test-key-0123456789';

describe('logs', () => {
  it('have one JSON line per request with the request ids, and never a URL, signature, secret or image', async () => {
    vi.stubEnv('BACKEND_AWS_SECRET', SECRET);
    resetS3Storage();
    const service = await startFakeIllustrationGen(fixture.storage());
    vi.stubEnv('ILLUSTRATION_GEN_URL', service.url);
    const user = fixture.newUser();
    const image = fakePng(400);
    const context = lambdaContext();
    try {
      const upload = await invoke(
        createSubjectUpload,
        {
          method: 'POST',
          route: '/uploads/subject',
          sub: user,
          body: { contentType: 'image/png', contentLengthBytes: image.length },
        },
        context,
      );
      await fetch(upload.json.url, { method: 'PUT', headers: upload.json.headers, body: image });
      const download = await invoke(getSubjectImage, {
        method: 'GET',
        route: '/images/subject',
        sub: user,
      });
      const generated = await invoke(generateIllustration, {
        method: 'POST',
        route: '/illustrations/{kind}',
        sub: user,
        pathParameters: { kind: 'memory' },
      });
      const listed = await invoke(listIllustrations, {
        method: 'GET',
        route: '/illustrations/{kind}',
        sub: user,
        pathParameters: { kind: 'memory' },
      });
      const refused = await invoke(listIllustrations, {
        method: 'GET',
        route: '/illustrations/{kind}',
        sub: null,
        pathParameters: { kind: 'memory' },
      });
      expect([upload, download, generated, listed, refused].map((r) => r.statusCode)).toEqual([
        200, 200, 201, 200, 401,
      ]);

      const handled = fixture.logs().entries.filter((entry) => entry.message === 'Request handled');
      expect(handled).toHaveLength(5);
      expect(handled[0]).toMatchObject({
        level: 'INFO',
        service: 'autobio-storage-api',
        route: 'create-subject-upload',
        routeKey: 'POST /uploads/subject',
        apiRequestId: upload.event.requestContext.requestId,
        function_request_id: context.awsRequestId,
        userId: user,
        statusCode: 200,
        durationMs: expect.any(Number),
      });
      expect(handled[4]).toMatchObject({ route: 'list-illustrations', statusCode: 401 });
      expect(handled[4]).not.toHaveProperty('userId');

      const text = fixture.logs().text();
      for (const url of [upload.json.url, download.json.url, generated.json.illustration.url]) {
        expect(text).not.toContain(new URL(url).search);
      }
      expect(text).not.toMatch(/X-Amz-Signature|X-Amz-Credential|x-amz-signature/);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(image.toString('base64').slice(0, 64));
    } finally {
      await service.close();
    }
  });
});
