import { existsSync } from 'node:fs';
import { ENVIRONMENT_VARIABLES, STORAGE_AREAS } from '@autobio/s3-storage';
import { describe, expect, it } from 'vitest';
import {
  DELETION_SWEEP_DELAY_MS,
  DELETION_SWEEP_SCHEDULE,
  FUNCTION_ENVIRONMENT_VARIABLES,
  getRoute,
  getTask,
  ROUTE_NAMES,
  ROUTES,
  TASK_NAMES,
  TASKS,
  UPLOAD_URL_EXPIRES_IN_SECONDS,
} from '../../src/index.ts';

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

  it('lets the upload routes put their own image and nothing else, once they have read the caller has no pending deletion', () => {
    const check = { area: 'deletions', actions: ['s3:ListBucket', 's3:GetObject'] };
    expect(getRoute('create-subject-upload').storage).toEqual([
      { area: 'subjects', actions: ['s3:PutObject'] },
      check,
    ]);
    expect(getRoute('create-avatar-upload').storage).toEqual([
      { area: 'avatars', actions: ['s3:PutObject'] },
      check,
    ]);
    expect(getRoute('generate-illustration').storage).toContainEqual(check);
  });

  it('lets only delete-my-data and the sweep delete in the replica and invalidate the CDN, and only delete-my-data write a marker', () => {
    const userAreas = ['subjects', 'avatars', 'generated/memory', 'generated/subject'];
    const deleteAll = [
      's3:ListBucket',
      's3:ListBucketVersions',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
    ];
    const remove = getRoute('delete-my-data');
    expect(remove.replica?.storage).toEqual(
      userAreas.map((area) => ({ area, actions: deleteAll })),
    );
    expect(remove.cdnInvalidation).toEqual({ actions: ['cloudfront:CreateInvalidation'] });
    expect(remove.storage.find((grant) => grant.area === 'deletions')?.actions).toEqual([
      's3:ListBucket',
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(ROUTES.filter((route) => route.replica || route.cdnInvalidation)).toEqual([remove]);
    const writers = [...ROUTES, ...TASKS].filter((definition) =>
      definition.storage.some(
        (grant) => grant.area === 'deletions' && grant.actions.includes('s3:PutObject'),
      ),
    );
    expect(writers.map((definition) => definition.name)).toEqual(['delete-my-data']);
    for (const name of ['S3_REPLICA_BUCKET_NAME', 'S3_REPLICA_REGION', 'CDN_DISTRIBUTION_ID']) {
      expect(remove.environment, name).toContain(name);
      expect(FUNCTION_ENVIRONMENT_VARIABLES).toHaveProperty(name);
    }
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

  it('lets only the list and generate routes answer CloudFront URLs, reading the CDN variables, and read no generated object with the CDN on', () => {
    const cdnVariables = ['CDN_DOMAIN_NAME', 'CDN_KEY_PAIR_ID', 'CDN_PRIVATE_KEY_SECRET_ID'];
    expect(ROUTES.filter((route) => route.cdn).map((route) => route.name)).toEqual([
      'list-illustrations',
      'generate-illustration',
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
    const generated = getRoute('generate-illustration').cdn?.storage.filter((grant) =>
      grant.area.startsWith('generated/'),
    );
    expect(generated).toEqual([
      { area: 'generated/memory', actions: ['s3:ListBucket', 's3:PutObject', 's3:DeleteObject'] },
      { area: 'generated/subject', actions: ['s3:ListBucket', 's3:PutObject', 's3:DeleteObject'] },
    ]);
  });

  it('throws when asked for a route that does not exist, naming the known ones', () => {
    expect(() => getTask('nope' as never)).toThrow(
      /Unknown task "nope": use one of sweep-deletions/,
    );
    expect(() => getRoute('nope' as never)).toThrow(
      /Unknown route "nope": use one of create-subject-upload/,
    );
  });
});

describe('TASKS', () => {
  it('has the deletion sweep, every 5 minutes, at an existing src/handlers/<name>.ts exporting a handler', async () => {
    expect(TASKS.map((task) => task.name)).toEqual([...TASK_NAMES]);
    const sweep = getTask('sweep-deletions');
    expect(sweep.schedule).toBe('rate(5 minutes)');
    expect(sweep.schedule).toBe(DELETION_SWEEP_SCHEDULE);
    expect(sweep.entry.endsWith('/src/handlers/sweep-deletions.ts')).toBe(true);
    expect(existsSync(sweep.entry)).toBe(true);
    const module = (await import(sweep.entry)) as Record<string, unknown>;
    expect(typeof module[sweep.handlerExport]).toBe('function');
  });

  it('grants the sweep deletion of every version in every user area and of the markers, in each bucket', () => {
    const sweep = getTask('sweep-deletions');
    const userAreas = ['subjects', 'avatars', 'generated/memory', 'generated/subject'];
    const deleteAll = [
      's3:ListBucket',
      's3:ListBucketVersions',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
    ];
    const markerVersions = ['s3:ListBucketVersions', 's3:DeleteObjectVersion'];
    expect(sweep.storage).toEqual([
      ...userAreas.map((area) => ({ area, actions: deleteAll })),
      { area: 'deletions', actions: ['s3:ListBucket', 's3:GetObject', ...markerVersions] },
    ]);
    expect(sweep.replica?.storage).toEqual([
      ...userAreas.map((area) => ({ area, actions: deleteAll })),
      { area: 'deletions', actions: markerVersions },
    ]);
    expect(sweep.cdnInvalidation).toEqual({ actions: ['cloudfront:CreateInvalidation'] });
    for (const grant of [...sweep.storage, ...(sweep.replica?.storage ?? [])]) {
      expect(STORAGE_AREAS).toContain(grant.area);
    }
  });

  it("lists the storage package's, the logger's and the deletion's variables, and never the local-only delay", () => {
    const sweep = getTask('sweep-deletions');
    expect(sweep.environment).toEqual(
      expect.arrayContaining([
        ...ENVIRONMENT_VARIABLES,
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_LOG_LEVEL',
        'S3_REPLICA_BUCKET_NAME',
        'S3_REPLICA_REGION',
        'CDN_DISTRIBUTION_ID',
      ]),
    );
    expect(sweep.environment).not.toContain('DELETION_SWEEP_DELAY_SECONDS');
    expect(sweep.requiredEnvironment).toEqual(['S3_BUCKET_NAME']);
  });
});

describe('DELETION_SWEEP_DELAY_MS', () => {
  it('outlasts the upload URLs the routes issue, the longest request, and a minute more', () => {
    expect(DELETION_SWEEP_DELAY_MS).toBe(UPLOAD_URL_EXPIRES_IN_SECONDS * 1000 + 29_000 + 60_000);
    expect(DELETION_SWEEP_DELAY_MS).toBe(989_000);
  });
});
