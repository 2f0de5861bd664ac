import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { createOpenApiDocument, OPENAPI_SCHEMAS } from '../../src/openapi.ts';
import { ROUTES } from '../../src/routes.ts';
import { generateRequestSchema, uploadRequestSchema } from '../../src/schemas.ts';
import { invoke } from '../helpers/events.ts';
import { type CapturedLogs, captureLogs } from '../helpers/logs.ts';

const document = createOpenApiDocument({ serverUrl: 'https://api.example.test' });

type Operation = {
  operationId: string;
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
};

function operation(method: string, path: string): Operation {
  return document.paths[path]![method.toLowerCase()] as Operation;
}

/** A validator for a named schema of the document, by zod's reader of JSON Schema. */
function validator(name: string): z.ZodType {
  const rebased = JSON.parse(
    JSON.stringify(document.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
  ) as Record<string, unknown>;
  return z.fromJSONSchema({ $ref: `#/$defs/${name}`, $defs: rebased } as Parameters<
    typeof z.fromJSONSchema
  >[0]);
}

describe('the OpenAPI document of the API', () => {
  it('is OpenAPI 3.1 with the server it is given', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://api.example.test' }]);
  });

  it('has one operation per route of the route table, named after it, and no other', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) => `${method.toUpperCase()} ${path} ${(op as Operation).operationId}`,
      ),
    );

    expect(operations.sort()).toEqual(
      ROUTES.map((route) => `${route.routeKey} ${route.name}`).sort(),
    );
  });

  it('takes the request bodies from the schemas the handlers validate with, unchanged', () => {
    const asJsonSchema = (schema: z.ZodType) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input' });
      return rest;
    };

    expect(document.components.schemas.UploadRequest).toEqual(asJsonSchema(uploadRequestSchema));
    expect(document.components.schemas.GenerateRequest).toEqual(
      asJsonSchema(generateRequestSchema),
    );
    expect(
      operation('POST', '/uploads/subject').requestBody!.content['application/json']!.schema,
    ).toEqual({ $ref: '#/components/schemas/UploadRequest' });
  });

  it('names the path and query parameters of the list route', () => {
    expect(
      operation('GET', '/illustrations/{kind}').parameters.map((p) => [p.name, p.in, p.required]),
    ).toEqual([
      ['kind', 'path', true],
      ['limit', 'query', false],
      ['cursor', 'query', false],
    ]);
  });

  it('refers only to schemas it has', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)];

    expect(refs.length).toBeGreaterThan(0);
    for (const [, name] of refs) expect(document.components.schemas).toHaveProperty(name!);
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      [...Object.keys(OPENAPI_SCHEMAS.responses), ...Object.keys(OPENAPI_SCHEMAS.requests)].sort(),
    );
  });

  it('documents 401 for every route, in the error shape', () => {
    for (const route of ROUTES) {
      expect(
        operation(route.method, route.path).responses['401']!.content['application/json']!.schema,
        route.routeKey,
      ).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    }
  });

  it('says that in AWS, API Gateway answers a missing token and an unknown route in its own shape', () => {
    expect(JSON.stringify(document.info)).toContain(
      'API Gateway itself answers a missing or invalid token, an unknown route and a wrong method',
    );
  });
});

describe("the document's error schema, against a handler's real refusal", () => {
  let logs: CapturedLogs;
  beforeEach(() => {
    logs = captureLogs();
    vi.stubEnv('S3_BUCKET_NAME', 'auto-bio-test');
  });
  afterEach(() => {
    logs.restore();
    vi.unstubAllEnvs();
  });

  it('accepts the 400 of an upload without a size, and refuses API Gateway\'s {"message"} shape', async () => {
    const answer = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: 'user-1',
      body: { contentType: 'image/png' },
    });

    expect(answer.statusCode).toBe(400);
    expect(operation('POST', '/uploads/subject').responses['400']).toBeDefined();
    expect(validator('ErrorResponse').safeParse(answer.json).success).toBe(true);
    expect(validator('ErrorResponse').safeParse({ message: 'Unauthorized' }).success).toBe(false);
  });
});
