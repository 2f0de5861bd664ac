import { GENERATED_KINDS } from '@autobio/s3-storage';
import * as z from 'zod';
import { ROUTES } from './routes.ts';
import {
  generateRequestSchema,
  kindPathSchema,
  listQuerySchema,
  uploadRequestSchema,
} from './schemas.ts';
import type {
  DeleteMyDataResponse,
  ErrorResponse,
  GenerateIllustrationResponse,
  IllustrationItem,
  IllustrationListResponse,
  ImageResponse,
  PresignedPostResponse,
  PresignedPutResponse,
} from './types/api.ts';
import type { RouteName } from './types/routes.ts';

// The answers' schemas. The handlers type their answers with the interfaces of types/api.ts; the
// checks at the end of this block fail to compile when a schema and its interface differ.

const isoTime = z.iso.datetime({ offset: false });

/** Every non-2xx answer of the handlers. */
export const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().min(1).meta({ description: 'A stable name, such as InvalidRequest.' }),
    message: z.string().min(1).meta({ description: 'What is wrong and how to fix it.' }),
    requestId: z.string().min(1).meta({ description: "API Gateway's request id, also logged." }),
    details: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Each problem found in the request, for InvalidRequest.' }),
  }),
});

const presignedPutResponseSchema = z.strictObject({
  method: z.literal('PUT'),
  url: z.url(),
  key: z.string().min(1),
  headers: z
    .record(z.string(), z.string())
    .meta({ description: 'Send exactly these with the PUT.' }),
  expiresAt: isoTime,
});

const presignedPostResponseSchema = z.strictObject({
  method: z.literal('POST'),
  url: z.url(),
  key: z.string().min(1),
  fields: z.record(z.string(), z.string()).meta({ description: 'Form fields, before `file`.' }),
  maxSizeBytes: z.number().int().positive(),
  expiresAt: isoTime,
});

const createUploadResponseSchema = z.discriminatedUnion('method', [
  presignedPutResponseSchema,
  presignedPostResponseSchema,
]);

const imageResponseSchema = z.strictObject({
  key: z.string().min(1),
  url: z.url(),
  expiresAt: isoTime,
  sizeBytes: z.number().int().nonnegative(),
  lastModified: isoTime.nullable(),
});

const illustrationItemSchema = z.strictObject({
  key: z.string().min(1),
  kind: z.enum(GENERATED_KINDS),
  createdAt: isoTime,
  sizeBytes: z.number().int().nonnegative(),
  url: z.url(),
  expiresAt: isoTime,
});

const illustrationListResponseSchema = z.strictObject({
  items: z.array(illustrationItemSchema),
  nextCursor: z.string().nullable(),
});

const generateIllustrationResponseSchema = z.strictObject({
  illustration: illustrationItemSchema,
  source: z.enum(['stub', 'service']),
});

const deletedCount = z.number().int().nonnegative();
const deletedCountsSchema = z.strictObject({
  subjects: deletedCount,
  avatars: deletedCount,
  ...Object.fromEntries(GENERATED_KINDS.map((kind) => [`generated/${kind}`, deletedCount])),
} as Record<
  'subjects' | 'avatars' | `generated/${(typeof GENERATED_KINDS)[number]}`,
  typeof deletedCount
>);
const deleteMyDataResponseSchema = z.strictObject({
  deleted: deletedCountsSchema.meta({ description: 'Keys deleted from the bucket, per area.' }),
  total: deletedCount,
  replicaDeleted: deletedCountsSchema
    .optional()
    .meta({ description: 'Keys deleted from the replica bucket, when there is one.' }),
  status: z.literal('pending'),
  sweepAfter: isoTime.meta({
    description:
      'When the sweep may make the deletion final; until it has, writes answer 409 DeletionPending.',
  }),
});

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when the schema's output is exactly the interface the handlers answer with. */
function assertSchemaMatches<_Check extends true>(): void {}
assertSchemaMatches<Same<DeepReadonly<z.output<typeof errorResponseSchema>>, ErrorResponse>>();
assertSchemaMatches<
  Same<DeepReadonly<z.output<typeof presignedPutResponseSchema>>, PresignedPutResponse>
>();
assertSchemaMatches<
  Same<DeepReadonly<z.output<typeof presignedPostResponseSchema>>, PresignedPostResponse>
>();
assertSchemaMatches<Same<DeepReadonly<z.output<typeof imageResponseSchema>>, ImageResponse>>();
assertSchemaMatches<
  Same<DeepReadonly<z.output<typeof illustrationItemSchema>>, IllustrationItem>
>();
assertSchemaMatches<
  Same<DeepReadonly<z.output<typeof illustrationListResponseSchema>>, IllustrationListResponse>
>();
assertSchemaMatches<
  Same<
    DeepReadonly<z.output<typeof generateIllustrationResponseSchema>>,
    GenerateIllustrationResponse
  >
>();
assertSchemaMatches<
  Same<DeepReadonly<z.output<typeof deleteMyDataResponseSchema>>, DeleteMyDataResponse>
>();

/** The named schemas of the document's `components.schemas`, answers and request bodies. */
export const OPENAPI_SCHEMAS = {
  responses: {
    ErrorResponse: errorResponseSchema,
    PresignedPutResponse: presignedPutResponseSchema,
    PresignedPostResponse: presignedPostResponseSchema,
    CreateUploadResponse: createUploadResponseSchema,
    ImageResponse: imageResponseSchema,
    IllustrationItem: illustrationItemSchema,
    IllustrationListResponse: illustrationListResponseSchema,
    GenerateIllustrationResponse: generateIllustrationResponseSchema,
    DeleteMyDataResponse: deleteMyDataResponseSchema,
  },
  requests: {
    UploadRequest: uploadRequestSchema,
    GenerateRequest: generateRequestSchema,
  },
} as const;

type ResponseName = keyof typeof OPENAPI_SCHEMAS.responses;
type RequestName = keyof typeof OPENAPI_SCHEMAS.requests;

/** What the handler of a route takes and answers, beyond its method and path in the route table. */
interface RouteContract {
  readonly body?: { readonly schema: RequestName; readonly description: string };
  readonly query?: z.ZodObject;
  readonly path?: z.ZodObject;
  readonly success: { readonly status: number; readonly schema: ResponseName };
  /** Error statuses of this route beyond those of every route, and what each means. */
  readonly errors: Readonly<Record<number, string>>;
}

const BODY_ERRORS = {
  413: 'RequestTooLarge: the body is over 16 KB.',
  415: 'UnsupportedMediaType: the body is not sent as application/json.',
} as const;

const DELETION_PENDING =
  'DeletionPending: your account deletion is not final yet; try again after its sweep (Retry-After).';

/** Both upload routes take and answer the same. */
const UPLOAD_CONTRACT: RouteContract = {
  body: {
    schema: 'UploadRequest',
    description: 'contentLengthBytes is required with method "PUT" (the default).',
  },
  success: { status: 200, schema: 'CreateUploadResponse' },
  errors: {
    ...BODY_ERRORS,
    409: DELETION_PENDING,
    413: 'RequestTooLarge, or UploadTooLarge: over the upload limit.',
  },
};

/** Each route's schemas; a route added to the table without one here fails to compile. */
const CONTRACTS: Record<RouteName, RouteContract> = {
  'create-subject-upload': UPLOAD_CONTRACT,
  'create-avatar-upload': UPLOAD_CONTRACT,
  'get-subject-image': {
    success: { status: 200, schema: 'ImageResponse' },
    errors: { 404: 'SubjectImageNotFound: upload one first.' },
  },
  'get-avatar-image': {
    success: { status: 200, schema: 'ImageResponse' },
    errors: { 404: 'AvatarNotFound: upload one first.' },
  },
  'list-illustrations': {
    path: kindPathSchema,
    query: listQuerySchema,
    success: { status: 200, schema: 'IllustrationListResponse' },
    errors: {},
  },
  'generate-illustration': {
    path: kindPathSchema,
    body: { schema: 'GenerateRequest', description: 'The body may be empty.' },
    success: { status: 201, schema: 'GenerateIllustrationResponse' },
    errors: {
      ...BODY_ERRORS,
      404: 'SubjectImageNotFound: upload a subject image first.',
      409: DELETION_PENDING,
      502: 'The illustration service failed, answered no usable image, or one outside your folder (ForeignBucket).',
      504: 'The illustration service or storage did not answer in time.',
    },
  },
  'delete-my-data': {
    success: { status: 202, schema: 'DeleteMyDataResponse' },
    errors: {},
  },
};

/** Error statuses every route may answer. */
const COMMON_ERRORS: Readonly<Record<number, string>> = {
  400: 'InvalidRequest (with details), MissingBody, MalformedJson, UnsupportedContentType, InvalidKey.',
  401: 'Unauthorized: no valid bearer token.',
  500: 'InternalError: the cause is logged with the request id.',
  503: 'StorageBusy or StorageUnavailable, with Retry-After in seconds.',
  504: 'StorageTimeout: storage did not answer in time.',
};

const SCHEMA_REF = '#/components/schemas/';

/** JSON Schema of a zod schema, without the keywords that only stand-alone documents carry. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
  return rest;
}

/** The named schemas as `components.schemas`, each referring to the others by `$ref`. */
function componentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const [io, named] of [
    ['output', OPENAPI_SCHEMAS.responses],
    ['input', OPENAPI_SCHEMAS.requests],
  ] as const) {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
    const converted = z.toJSONSchema(registry, {
      io,
      target: 'draft-2020-12',
      uri: (id) => `${SCHEMA_REF}${id}`,
    });
    for (const [id, schema] of Object.entries(converted.schemas)) {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      schemas[id] = rest;
    }
  }
  return schemas;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): unknown[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, 'input'),
  }));
}

function errorResponse(description: string): unknown {
  return {
    description,
    content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}ErrorResponse` } } },
  };
}

/** Options for {@link createOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** The API's base URL, such as `https://api.example.com` or `http://localhost:3000/api`. @default '/' */
  readonly serverUrl?: string;
}

/**
 * The OpenAPI 3.1 document of the HTTP API: paths and methods from the route table, request and
 * answer schemas from the zod schemas the handlers validate and answer with.
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): {
  readonly openapi: '3.1.0';
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: { readonly schemas: Record<string, unknown> } & Record<string, unknown>;
} & Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const contract = CONTRACTS[route.name];
    const responses: Record<string, unknown> = {
      [contract.success.status]: {
        description: 'Success.',
        content: {
          'application/json': { schema: { $ref: `${SCHEMA_REF}${contract.success.schema}` } },
        },
      },
    };
    for (const [status, description] of Object.entries({ ...COMMON_ERRORS, ...contract.errors })) {
      responses[status] = errorResponse(description);
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.name,
      summary: route.description,
      parameters: [...parameters('path', contract.path), ...parameters('query', contract.query)],
      ...(contract.body
        ? {
            requestBody: {
              required: contract.body.schema !== 'GenerateRequest',
              description: contract.body.description,
              content: {
                'application/json': { schema: { $ref: `${SCHEMA_REF}${contract.body.schema}` } },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AutoBio storage API',
      version: '1',
      description:
        'Every error the handlers answer is an ErrorResponse: {"error": {"code", "message", "requestId"}}. ' +
        'In AWS, API Gateway itself answers a missing or invalid token, an unknown route and a wrong ' +
        'method before any handler runs, in its own shape: 401 {"message": "Unauthorized"} and 404 ' +
        '{"message": "Not Found"}. pnpm dev answers those in the ErrorResponse shape instead (401, 404, ' +
        'and 405 with Allow for a wrong method), and signs in with Authorization: Bearer dev-user:<userId>.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'In AWS: a JWT the API\'s authorizer accepts; its "sub" is the user. Locally (pnpm dev): ' +
            'Bearer dev-user:<userId>.',
        },
      },
    },
  };
}
