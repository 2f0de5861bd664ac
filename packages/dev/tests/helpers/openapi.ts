import { expect } from 'vitest';
import * as z from 'zod';

/** The parts of an OpenAPI document these tests read. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  readonly components: { readonly schemas: Record<string, unknown> };
  readonly servers: readonly { readonly url: string }[];
}

const COMPONENT_REF = '#/components/schemas/';

/**
 * A validator for one schema of the document, by zod's JSON Schema reader: the components
 * become `$defs`, the one place it resolves references from.
 */
export function validatorFor(document: OpenApiDocument, schema: unknown): z.ZodType {
  const rebase = (value: unknown) =>
    JSON.parse(JSON.stringify(value).replaceAll(COMPONENT_REF, '#/$defs/')) as Record<
      string,
      unknown
    >;
  return z.fromJSONSchema({
    ...rebase(schema),
    $defs: rebase(document.components.schemas),
  } as Parameters<typeof z.fromJSONSchema>[0]);
}

/**
 * Checks a real answer against what the document says `method path` answers with that status:
 * the status must be documented for the route, and the body must match its schema.
 */
export function expectDocumented(
  document: OpenApiDocument,
  route: { readonly method: string; readonly path: string },
  answer: { readonly status: number; readonly body: unknown },
): void {
  const where = `${route.method} ${route.path} answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  const operation = document.paths[route.path]?.[route.method.toLowerCase()];
  expect(operation, `${where}: no such operation in the document`).toBeDefined();
  const documented = operation!.responses[String(answer.status)];
  expect(documented, `${where}: the status is not documented`).toBeDefined();
  const schema = documented!.content?.['application/json']?.schema;
  expect(schema, `${where}: no JSON schema`).toBeDefined();
  const result = validatorFor(document, schema).safeParse(answer.body);
  expect(result.success, `${where}: ${result.success ? '' : z.prettifyError(result.error)}`).toBe(
    true,
  );
}
