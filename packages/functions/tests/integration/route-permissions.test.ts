import { defaultKeyLayout, STORAGE_AREAS, type StorageArea } from '@autobio/s3-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as createAvatarUpload } from '../../src/handlers/create-avatar-upload.ts';
import { handler as createSubjectUpload } from '../../src/handlers/create-subject-upload.ts';
import { handler as deleteMyData } from '../../src/handlers/delete-my-data.ts';
import { handler as generateIllustration } from '../../src/handlers/generate-illustration.ts';
import { handler as getAvatarImage } from '../../src/handlers/get-avatar-image.ts';
import { handler as getSubjectImage } from '../../src/handlers/get-subject-image.ts';
import { handler as listIllustrations } from '../../src/handlers/list-illustrations.ts';
import { handler as sweepDeletions } from '../../src/handlers/sweep-deletions.ts';
import { ROUTES, TASKS } from '../../src/routes.ts';
import type {
  RouteDefinition,
  RouteName,
  StorageGrant,
  TaskDefinition,
  TaskName,
} from '../../src/types/routes.ts';
import { newCdnKeyPair } from '../helpers/cloudfront-verify.ts';
import { invoke, lambdaContext } from '../helpers/events.ts';
import { type FakeCloudFront, startFakeCloudFront } from '../helpers/fake-cloudfront.ts';
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
// versitygw, a real S3 with versions: every version action a handler is granted is seen used.
const fixture = useLocalStorage({
  engine: 'versitygw',
  replica: true,
  endpoint: async (server) => {
    proxy = await startRecordingProxy(server.endpoint);
    return proxy.endpoint;
  },
});
let service: FakeIllustrationGen;
let secrets: FakeSecretsManager;
let cloudFront: FakeCloudFront;
beforeAll(async () => {
  service = await startFakeIllustrationGen(fixture.storage());
  secrets = await startFakeSecretsManager();
  cloudFront = await startFakeCloudFront();
});
afterAll(async () => {
  await service.close();
  await proxy.close();
  await secrets.close();
  await cloudFront.close();
});

/** The most specific area of the layout that holds a key or listing prefix. */
function areaOf(key: string): StorageArea | 'outside the layout' {
  const matching = STORAGE_AREAS.filter((area) =>
    key.startsWith(defaultKeyLayout.areaPrefix(area)),
  );
  return matching.sort((a, b) => b.length - a.length)[0] ?? 'outside the layout';
}

/** The area-and-action pairs used in one bucket. */
const pairs = (accesses: readonly RecordedAccess[], bucket = fixture.bucket) =>
  [
    ...new Set(
      accesses
        .filter((access) => access.bucket === bucket)
        .map((access) => `${areaOf(access.key)} ${access.action}`),
    ),
  ].sort();

const seed = (key: string, storage = fixture.storage()) =>
  storage.putObject(key, fakePng(64), { contentType: 'image/png' });

/** A current object in every user area of the bucket, so deleting it is every action there is. */
async function seedEveryUserArea(user: string, storage = fixture.storage()): Promise<void> {
  for (const key of [
    defaultKeyLayout.subjectKey(user),
    defaultKeyLayout.avatarKey(user),
    defaultKeyLayout.generatedKey('memory', user),
    defaultKeyLayout.generatedKey('subject', user),
  ]) {
    await seed(key, storage);
  }
}

/** A pending deletion of the user's, written behind the handlers' back. */
const markPending = (user: string) =>
  fixture.storage().putObject(
    defaultKeyLayout.deletionMarkerKey(user),
    JSON.stringify({
      userId: user,
      requestedAt: new Date().toISOString(),
      sweepAfter: new Date(Date.now() + 60_000).toISOString(),
    }),
  );

/** The environment of a deletion with a replica and the CDN, CloudFront being the fake. */
function useReplicaAndCdn(): void {
  vi.stubEnv('S3_REPLICA_BUCKET_NAME', fixture.replicaBucket);
  vi.stubEnv('CDN_DISTRIBUTION_ID', 'E2QWRUHAPOMQZL');
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFRONT', cloudFront.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFUNCTIONROLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
}

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
    await markPending(user);
    const refused = await invoke(createSubjectUpload, {
      method: 'POST',
      route: '/uploads/subject',
      sub: user,
      body: { contentType: 'image/png', contentLengthBytes: 100 },
    });
    expect(refused.statusCode).toBe(409);
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
    await markPending(user);
    const refused = await invoke(createAvatarUpload, {
      method: 'POST',
      route: '/uploads/avatar',
      sub: user,
      body: { contentType: 'image/png', method: 'POST' },
    });
    expect(refused.statusCode).toBe(409);
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
  'list-illustrations': (user) => listEveryKind(user, fetchOk),
  'generate-illustration': (user) => generateEveryWay(user, fetchOk),
  'delete-my-data': async (user) => {
    useReplicaAndCdn();
    await seedEveryUserArea(user);
    await seedEveryUserArea(user, fixture.replicaStorage());
    // The first call writes the marker, the second finds and reads it.
    for (const expected of [4, 0]) {
      const result = await invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub: user });
      expect(result.statusCode).toBe(202);
      expect(result.json.total).toBe(expected);
      expect(result.json.replicaDeleted.subjects).toBe(expected / 4);
    }
  },
};

/** One illustration of each kind, listed; `useUrl` takes each listed URL. */
async function listEveryKind(user: string, useUrl: (url: string) => Promise<void>) {
  for (const kind of ['memory', 'subject'] as const) {
    await seed(defaultKeyLayout.generatedKey(kind, user));
    const page = await invoke(listIllustrations, {
      method: 'GET',
      route: '/illustrations/{kind}',
      sub: user,
      pathParameters: { kind },
    });
    expect(page.json.items).toHaveLength(1);
    for (const item of page.json.items) await useUrl(item.url);
  }
}

/**
 * Every request generate makes: stub and service mode, both kinds, a failed service call (whose
 * output the handler deletes) and a refusal while a deletion is pending; `useUrl` takes each
 * answered URL.
 */
async function generateEveryWay(user: string, useUrl: (url: string) => Promise<void>) {
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
    if (run.status === 201) await useUrl(result.json.illustration.url);
  }
  service.behave({ kind: 'good' });
  vi.stubEnv('ILLUSTRATION_GEN_URL', undefined);
  await markPending(user);
  const refused = await invoke(generateIllustration, {
    method: 'POST',
    route: '/illustrations/{kind}',
    sub: user,
    pathParameters: { kind: 'memory' },
  });
  expect(refused.statusCode).toBe(409);
}

/** Each task's run, after `arrange` (not recorded) has given it work in every area it grants. */
const taskScenarios: Record<
  TaskName,
  { arrange(user: string): Promise<void>; run(): Promise<void> }
> = {
  'sweep-deletions': {
    async arrange(user) {
      useReplicaAndCdn();
      // Local only: the deletion is due at once, so the handler's own clock has passed it.
      vi.stubEnv('DELETION_SWEEP_DELAY_SECONDS', '0');
      await invoke(deleteMyData, { method: 'DELETE', route: '/me/data', sub: user });
      // Uploads that landed after the DELETE, and what replication copied, marker included.
      await seedEveryUserArea(user);
      await seedEveryUserArea(user, fixture.replicaStorage());
      await fixture.replicaStorage().putObject(defaultKeyLayout.deletionMarkerKey(user), '{}');
    },
    async run() {
      const report = await sweepDeletions({}, lambdaContext());
      expect(report.swept.length).toBeGreaterThan(0);
    },
  },
};

const CDN_DOMAIN = 'd111111abcdef8.cloudfront.net';

/** With the CDN on: each CDN route's requests; its URLs are CloudFront's, fetched by no role. */
const cdnScenarios: Partial<Record<RouteName, (user: string) => Promise<void>>> = {
  'list-illustrations': (user) =>
    listEveryKind(user, async (url) => {
      expect(new URL(url).host).toBe(CDN_DOMAIN);
    }),
  'generate-illustration': (user) =>
    generateEveryWay(user, async (url) => {
      expect(new URL(url).host).toBe(CDN_DOMAIN);
    }),
};

const granted = (grants: readonly StorageGrant[] = []) =>
  [
    ...new Set(grants.flatMap((grant) => grant.actions.map((action) => `${grant.area} ${action}`))),
  ].sort();

/** What one handler used: in the bucket, in the replica, and of CloudFront. */
function takeUsed() {
  const accesses = proxy.take();
  return {
    storage: pairs(accesses),
    replica: pairs(accesses, fixture.replicaBucket),
    cloudFront: [...new Set(cloudFront.take().map(() => 'cloudfront:CreateInvalidation'))],
  };
}

const grantedTo = (definition: RouteDefinition | TaskDefinition) => ({
  storage: granted(definition.storage),
  replica: granted(definition.replica?.storage),
  cloudFront: [...(definition.cdnInvalidation?.actions ?? [])],
});

describe('the route table grants each handler exactly what it uses', () => {
  for (const route of ROUTES) {
    it(`${route.name}: every S3 action it (and its presigned URLs) needs, and no other`, async () => {
      const user = fixture.newUser();
      takeUsed();

      await scenarios[route.name](user);

      expect(takeUsed()).toEqual(grantedTo(route));
    });
  }
  for (const task of TASKS) {
    it(`${task.name} (task): every S3 and CloudFront action it needs, in each bucket, and no other`, async () => {
      const user = fixture.newUser();
      await taskScenarios[task.name].arrange(user);
      takeUsed();

      await taskScenarios[task.name].run();

      expect(takeUsed()).toEqual(grantedTo(task));
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

      expect(pairs(proxy.take())).toEqual(granted(route.cdn?.storage));
      expect(secrets.take().map((request) => `${request.target} ${request.secretId}`)).toEqual([
        `secretsmanager.GetSecretValue ${secretId}`,
      ]);
    });
  }
});
