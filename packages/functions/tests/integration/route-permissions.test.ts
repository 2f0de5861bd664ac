import { defaultKeyLayout, STORAGE_AREAS, type StorageArea } from '@autobio/s3-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as createAvatarUpload } from '../../src/handlers/create-avatar-upload.ts';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as getAvatarImage } from '../../src/handlers/get-avatar-image.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { ROUTES } from '../../src/routes.ts';
import type { RouteDefinition, RouteName } from '../../src/types/routes.ts';
import { newCdnKeyPair } from '../helpers/cloudfront-verify.ts';
import { invoke } from '../helpers/events.ts';
import {
  type FakeIllustrationGen,
  startFakeIllustrationGen,
} from '../helpers/fake-illustration-gen.ts';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
} from '../helpers/fake-secrets-manager.ts';
import { fakePng } from '../helpers/images.ts';
import { useLocalStorage } from '../helpers/local-storage.ts';
import {
  type RecordedAccess,
  type RecordingProxy,
  startRecordingProxy,
} from '../helpers/recording-proxy.ts';

let proxy: RecordingProxy;
const fixture = useLocalStorage({
  endpoint: async (server) => {
    proxy = await startRecordingProxy(server.endpoint);
    return proxy.endpoint;
  },
});
let service: FakeIllustrationGen;
let secrets: FakeSecretsManager;
beforeAll(async () => {
  service = await startFakeIllustrationGen(fixture.storage());
  secrets = await startFakeSecretsManager();
});
afterAll(async () => {
  await service.close();
  await proxy.close();
  await secrets.close();
});

/** The most specific area of the layout that holds a key or listing prefix. */
function areaOf(key: string): StorageArea | 'outside the layout' {
  const matching = STORAGE_AREAS.filter((area) =>
    key.startsWith(defaultKeyLayout.areaPrefix(area)),
  );
  return matching.sort((a, b) => b.length - a.length)[0] ?? 'outside the layout';
}

const pairs = (accesses: readonly RecordedAccess[]) =>
  [...new Set(accesses.map((access) => `${areaOf(access.key)} ${access.action}`))].sort();

const seed = (key: string) =>
  fixture.storage().putObject(key, fakePng(64), { contentType: 'image/png' });

async function fetchOk(url: string, init?: RequestInit): Promise<void> {
  const response = await fetch(url, init);
  expect(response.status, `${init?.method ?? 'GET'} ${new URL(url).pathname}`).toBeLessThan(300);
}

async function uploadWithPut(json: {
  url: string;
  headers: Record<string, string>;
}): Promise<void> {
  await fetchOk(json.url, {
    method: 'PUT',
    headers: json.headers,
    body: fakePng(Number(json.headers['content-length'])),
  });
}

/** Each route's requests, and the requests its presigned URLs are used for, for every path it has. */
const scenarios: Record<RouteName, (user: string) => Promise<void>> = {
  'create-subject-upload': async (user) => {
    const put = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: user,
      body: { contentType: 'image/png', contentLengthBytes: 100 },
    });
    await uploadWithPut(put.json);
  },
  'create-avatar-upload': async (user) => {
    const post = await invoke(createAvatarUpload, {
      method: 'POST',
      route: '/uploads/avatar',
      sub: user,
      body: { contentType: 'image/png', method: 'POST' },
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.json.fields as Record<string, string>))
      form.append(name, value);
    form.append('file', new Blob([fakePng(100)]), 'a.png');
    await fetchOk(post.json.url, { method: 'POST', body: form });
  },
  'get-subject-image': async (user) => {
    const absent = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: user,
    });
    expect(absent.statusCode).toBe(404);
    await seed(defaultKeyLayout.subjectKey(user));
    const present = await invoke(getSubjectImage, {
      method: 'GET',
      route: '/images/subject',
      sub: user,
    });
    await fetchOk(present.json.url);
  },
  'get-avatar-image': async (user) => {
    await seed(defaultKeyLayout.avatarKey(user));
    const present = await invoke(getAvatarImage, {
      method: 'GET',
      route: '/images/avatar',
      sub: user,
    });
    await fetchOk(present.json.url);
  },
  'list-illustrations': async (user) => {
    for (const kind of ['memory', 'subject'] as const) {
      await seed(defaultKeyLayout.generatedKey(kind, user));
      const page = await invoke(listIllustrations, {
        method: 'GET',
        route: '/illustrations/{kind}',
        sub: user,
        pathParameters: { kind },
      });
      for (const item of page.json.items) await fetchOk(item.url);
    }
  },
  'generate-illustration': async (user) => {
    await seed(defaultKeyLayout.subjectKey(user));
    await seed(defaultKeyLayout.stubKey('placeholder'));
    // The failing runs: the service writes the key it is given and then fails, so the handler
    // deletes it (s3:DeleteObject on each generated area).
    const failing = { kind: 'status', statusCode: 500, body: 'boom', writes: true } as const;
    const runs = [
      { kind: 'memory', url: undefined, service: undefined, status: 201 },
      { kind: 'subject', url: undefined, service: undefined, status: 201 },
      { kind: 'memory', url: service.url, service: { kind: 'good' } as const, status: 201 },
      { kind: 'memory', url: service.url, service: failing, status: 502 },
      { kind: 'subject', url: service.url, service: failing, status: 502 },
    ];
    for (const run of runs) {
      vi.stubEnv('ILLUSTRATION_GEN_URL', run.url);
      if (run.service) service.behave(run.service);
      const result = await invoke(generateIllustration, {
        method: 'POST',
        route: '/illustrations/{kind}',
        sub: user,
        pathParameters: { kind: run.kind },
      });
      expect(result.statusCode, `${run.kind} ${run.service?.kind ?? 'stub'}`).toBe(run.status);
      if (run.status === 201) await fetchOk(result.json.illustration.url);
    }
    service.behave({ kind: 'good' });
  },
  'delete-my-data': async (user) => {
    await seed(defaultKeyLayout.subjectKey(user));
    await seed(defaultKeyLayout.avatarKey(user));
    await seed(defaultKeyLayout.generatedKey('memory', user));
    await seed(defaultKeyLayout.generatedKey('subject', user));
    const result = await invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub: user });
    expect(result.json.total).toBe(4);
  },
};

/**
 * Granted actions the embedded server cannot show being used: it has no versioning, so
 * account deletion never deletes a version there (the storage package's unit tests cover that
 * path against S3's answers).
 */
const UNOBSERVABLE_LOCALLY: Partial<Record<RouteName, readonly string[]>> = {
  'delete-my-data': ['s3:DeleteObjectVersion'],
};

const CDN_DOMAIN = 'd111111abcdef8.cloudfront.net';

/** With the CDN on: each CDN route's requests; its URLs are CloudFront's, fetched by no role. */
const cdnScenarios: Partial<Record<RouteName, (user: string) => Promise<void>>> = {
  'list-illustrations': async (user) => {
    for (const kind of ['memory', 'subject'] as const) {
      await seed(defaultKeyLayout.generatedKey(kind, user));
      const page = await invoke(listIllustrations, {
        method: 'GET',
        route: '/illustrations/{kind}',
        sub: user,
        pathParameters: { kind },
      });
      expect(page.json.items).toHaveLength(1);
      for (const item of page.json.items) expect(new URL(item.url).host).toBe(CDN_DOMAIN);
    }
  },
};

const granted = (grants: RouteDefinition['storage'], unobservable: readonly string[] = []) =>
  [
    ...new Set(
      grants.flatMap((grant) =>
        grant.actions
          .filter((action) => !unobservable.includes(action))
          .map((action) => `${grant.area} ${action}`),
      ),
    ),
  ].sort();

describe('the route table grants each handler exactly what it uses', () => {
  for (const route of ROUTES) {
    it(`${route.name}: every S3 action it (and its presigned URLs) needs, and no other`, async () => {
      const user = fixture.newUser();
      proxy.take();

      await scenarios[route.name](user);

      const used = pairs(proxy.take());
      expect(used).toEqual(granted(route.storage, UNOBSERVABLE_LOCALLY[route.name]));
    });
  }
});

describe('with the CDN on, the route table grants each CDN route exactly what it uses', () => {
  for (const route of ROUTES.filter((candidate) => candidate.cdn)) {
    it(`${route.name}: its cdn.storage S3 actions, and the one secret of its signing key`, async () => {
      const secretId = `autobio/test/${route.name}-key`;
      secrets.put(secretId, newCdnKeyPair().privateKeyPem);
      vi.stubEnv('CDN_DOMAIN_NAME', CDN_DOMAIN);
      vi.stubEnv('CDN_KEY_PAIR_ID', 'K2JCJMDEHXQW5F');
      vi.stubEnv('CDN_PRIVATE_KEY_SECRET_ID', secretId);
      vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', secrets.endpoint);
      vi.stubEnv('AWS_REGION', 'us-east-1');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
      const scenario = cdnScenarios[route.name];
      if (!scenario)
        throw new Error(`${route.name} has cdn in the route table but no CDN scenario here`);
      const user = fixture.newUser();
      proxy.take();
      secrets.take();

      await scenario(user);

      expect(pairs(proxy.take())).toEqual(granted(route.cdn?.storage ?? []));
      expect(secrets.take().map((request) => `${request.target} ${request.secretId}`)).toEqual([
        `secretsmanager.GetSecretValue ${secretId}`,
      ]);
    });
  }
});
