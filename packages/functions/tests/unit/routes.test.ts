import { existsSync } from 'node:fs';
import { ENVIRONMENT_VARIABLES, STORAGE_AREAS } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ENVIRONMENT_VARIABLES, getRoute, ROUTE_NAMES, ROUTES } from '../../src/index.ts';

describe('ROUTES', () => {
  it('has one route per name, each with its own route key, in README order', () => {
    expect(ROUTES.map((route) => route.name)).toEqual([...ROUTE_NAMES]);
    expect(new Set(ROUTES.map((route) => route.routeKey)).size).toBe(ROUTES.length);
    expect(ROUTES.map((route) => route.routeKey)).toEqual([
      'POST /uploads/subject',
      'POST /uploads/avatar',
      'GET /images/subject',
      'GET /images/avatar',
      'GET /illustrations/{kind}',
      'POST /illustrations/{kind}',
      'DELETE /me/data',
    ]);
  });

  it('points each route at an existing src/handlers/<name>.ts that exports a handler function', async () => {
    for (const route of ROUTES) {
      expect(route.entry.endsWith(`/src/handlers/${route.name}.ts`), route.entry).toBe(true);
      expect(existsSync(route.entry), route.entry).toBe(true);
      const module = (await import(route.entry)) as Record<string, unknown>;
      expect(typeof module[route.handlerExport], route.name).toBe('function');
    }
  });

  it('grants only known areas, each once per route, with explicit actions and never a wildcard', () => {
    for (const route of ROUTES) {
      const areas = route.storage.map((grant) => grant.area);
      expect(new Set(areas).size, route.name).toBe(areas.length);
      for (const grant of route.storage) {
        expect(STORAGE_AREAS).toContain(grant.area);
        expect(grant.actions.length).toBeGreaterThan(0);
        for (const action of grant.actions) {
          expect([
            's3:GetObject',
            's3:PutObject',
            's3:DeleteObject',
            's3:DeleteObjectVersion',
            's3:ListBucket',
            's3:ListBucketVersions',
          ]).toContain(action);
        }
      }
    }
  });

  it('lets the upload routes put their own image and nothing else', () => {
    expect(getRoute('create-subject-upload').storage).toEqual([
      { area: 'subjects', actions: ['s3:PutObject'] },
    ]);
    expect(getRoute('create-avatar-upload').storage).toEqual([
      { area: 'avatars', actions: ['s3:PutObject'] },
    ]);
  });

  it('lets only delete-my-data delete, but for the generate route its failed output, and only the generate route write illustrations', () => {
    const doing = (action: string) =>
      ROUTES.filter((route) =>
        route.storage.some((grant) => grant.actions.includes(action as never)),
      ).map((route) => route.name);
    expect(doing('s3:DeleteObject')).toEqual(['generate-illustration', 'delete-my-data']);
    expect(
      getRoute('generate-illustration')
        .storage.filter((grant) => grant.actions.includes('s3:DeleteObject'))
        .map((grant) => grant.area),
    ).toEqual(['generated/memory', 'generated/subject']);
    expect(doing('s3:DeleteObjectVersion')).toEqual(['delete-my-data']);
    expect(
      ROUTES.filter((route) =>
        route.storage.some(
          (grant) => grant.area.startsWith('generated') && grant.actions.includes('s3:PutObject'),
        ),
      ).map((route) => route.name),
    ).toEqual(['generate-illustration']);
  });

  it("lists every variable each handler reads: the storage package's, the logger's and its own", () => {
    for (const route of ROUTES) {
      expect(route.environment).toEqual(expect.arrayContaining([...ENVIRONMENT_VARIABLES]));
      expect(route.environment).toEqual(
        expect.arrayContaining(['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL']),
      );
      expect(route.requiredEnvironment).toEqual(['S3_BUCKET_NAME']);
    }
    const generation = [
      'ILLUSTRATION_GEN_MODE',
      'ILLUSTRATION_GEN_URL',
      'ILLUSTRATION_GEN_TIMEOUT_MS',
      'STUB_IMAGE_NAME',
    ];
    expect(getRoute('generate-illustration').environment).toEqual(
      expect.arrayContaining(generation),
    );
    expect(getRoute('list-illustrations').environment).not.toContain('ILLUSTRATION_GEN_URL');
    for (const name of generation) expect(FUNCTION_ENVIRONMENT_VARIABLES).toHaveProperty(name);
  });

  it('lets only the list route answer CloudFront URLs, reading the CDN variables, and only list with the CDN on', () => {
    const cdnVariables = ['CDN_DOMAIN_NAME', 'CDN_KEY_PAIR_ID', 'CDN_PRIVATE_KEY_SECRET_ID'];
    expect(ROUTES.filter((route) => route.cdn).map((route) => route.name)).toEqual([
      'list-illustrations',
    ]);
    for (const route of ROUTES) {
      for (const name of cdnVariables) {
        expect(route.environment.includes(name as never), `${route.name} ${name}`).toBe(
          route.cdn !== undefined,
        );
      }
    }
    expect(getRoute('list-illustrations').cdn?.storage).toEqual([
      { area: 'generated/memory', actions: ['s3:ListBucket'] },
      { area: 'generated/subject', actions: ['s3:ListBucket'] },
    ]);
  });

  it('throws when asked for a route that does not exist, naming the known ones', () => {
    expect(() => getRoute('nope' as never)).toThrow(
      /Unknown route "nope": use one of create-subject-upload/,
    );
  });
});
