import { GENERATED_KINDS, type StorageArea } from '@autobio/s3-storage';
import { type KeyLayout, STORAGE_AREAS } from '@autobio/s3-storage/key-layout';
import { AREA_LIST_ACTIONS, AREA_OBJECT_ACTIONS } from '../../lib/constants.ts';
import type { AccessRule, Probe, ProbeRequest, Transport } from './iam-simulation.ts';
import { rulesAllow } from './iam-simulation.ts';

/** A bucket in no template of the app, in the same account (so only the role's policy decides). */
export const FOREIGN_BUCKET_ARN = 'arn:aws:s3:::someone-elses-bucket';

/** The user whose keys the probes use. */
const PROBE_USER = 'probe-user';

const SECURE: Transport = { secure: true, tlsVersion: '1.2' };
const PLAIN_HTTP: Transport = { secure: false, tlsVersion: '1.2' };
const OLD_TLS: Transport = { secure: true, tlsVersion: '1.1' };

/**
 * Object actions probed on every key (with those the role's rules name): the ones a grant may
 * name, and ones no function should have (ACLs, replication's), so an over-grant such as `s3:*`
 * shows.
 */
const OBJECT_PROBE_ACTIONS = [
  ...AREA_OBJECT_ACTIONS,
  's3:PutObjectAcl',
  's3:GetObjectVersionForReplication',
  's3:ReplicateObject',
];

/** Listing actions, probed with every prefix and with none. */
const LIST_PROBE_ACTIONS: readonly string[] = AREA_LIST_ACTIONS;

/** Bucket actions probed without a prefix. */
const BUCKET_PROBE_ACTIONS = [
  's3:ListBucketMultipartUploads',
  's3:GetBucketPolicy',
  's3:GetBucketTagging',
  's3:GetReplicationConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutLifecycleConfiguration',
  's3:PutReplicationConfiguration',
  's3:PutBucketVersioning',
  's3:DeleteBucket',
];

/** A key a probe reads or writes, and where in the layout it lies. */
export interface ProbeKey {
  readonly key: string;
  /** @default - outside the layout */
  readonly area?: StorageArea;
}

/**
 * A key in every area of the layout, built by its key builders (plus one directly under
 * `generated/`, in neither kind), and keys outside it: at the root, and beside each prefix with
 * the same name but no slash (`subjects-lookalike/...`), which a grant missing its slash covers.
 */
export function probeKeys(layout: KeyLayout): ProbeKey[] {
  const date = new Date(Date.UTC(2026, 0, 1));
  const uuid = '00000000-0000-4000-8000-000000000000';
  const inLayout = [
    layout.subjectKey(PROBE_USER),
    layout.avatarKey(PROBE_USER),
    ...GENERATED_KINDS.map((kind) => layout.generatedKey(kind, PROBE_USER, { date, uuid })),
    `${layout.areaPrefix('generated')}${PROBE_USER}/no-kind.png`,
    layout.stubKey('default'),
  ];
  const outside = [
    `${PROBE_USER}.png`,
    ...Object.values(layout.prefixes).map((p) => `${p.slice(0, -1)}-lookalike/${PROBE_USER}.png`),
  ];
  const keys = [...inLayout, ...outside].map((key) => ({ key, area: layout.areaOf(key) }));
  const misplaced = keys.filter((k, i) => i < inLayout.length !== (k.area !== undefined));
  if (misplaced.length > 0) {
    throw new Error(`Probe keys in the wrong place: ${JSON.stringify(misplaced)}`);
  }
  return keys;
}

/**
 * `s3:prefix` values of the listing probes: none, empty, each area's prefix, what the handlers
 * list (a user's exact key, a user's generated prefix) and prefixes outside the layout.
 */
export function probeListPrefixes(layout: KeyLayout): (string | undefined)[] {
  return [
    undefined,
    '',
    ...STORAGE_AREAS.map((area) => layout.areaPrefix(area)),
    layout.subjectKey(PROBE_USER),
    layout.avatarKey(PROBE_USER),
    ...GENERATED_KINDS.map((kind) => layout.generatedUserPrefix(kind, PROBE_USER)),
    layout.stubKey('default'),
    PROBE_USER,
    ...Object.values(layout.prefixes).map((p) => `${p.slice(0, -1)}-lookalike/`),
  ];
}

/** A grant on one area, as the route table and `grantArea` name it. */
export interface AreaGrant {
  readonly area: StorageArea;
  readonly actions: readonly string[];
}

/**
 * The allow rules `grantArea` must produce for area grants: object actions on keys under the
 * area's prefix, listing actions only with an `s3:prefix` under it.
 */
export function areaRules(
  bucketArn: string,
  layout: KeyLayout,
  grants: readonly AreaGrant[],
): AccessRule[] {
  const objectActions: readonly string[] = AREA_OBJECT_ACTIONS;
  return grants.flatMap(({ area, actions }) => {
    const prefix = layout.areaPrefix(area);
    const objects = actions.filter((a) => objectActions.includes(a));
    const lists = actions.filter((a) => LIST_PROBE_ACTIONS.includes(a));
    const unknown = actions.filter((a) => !objects.includes(a) && !lists.includes(a));
    if (unknown.length > 0) throw new Error(`Unknown actions on ${area}: ${unknown.join(', ')}`);
    return [
      ...(objects.length > 0
        ? [{ kind: 'object' as const, bucketArn, keyPrefix: prefix, actions: objects }]
        : []),
      ...(lists.length > 0
        ? [{ kind: 'bucket' as const, bucketArn, actions: lists, listPrefix: prefix }]
        : []),
    ];
  });
}

/** Where the probes of one role go. */
export interface ProbeTargets {
  readonly layout: KeyLayout;
  /** Every bucket of the environment's templates, by ARN. */
  readonly appBucketArns: readonly string[];
  /** Requests outside S3 to probe (log streams, X-Ray, IAM...). */
  readonly otherRequests: readonly ProbeRequest[];
}

function s3Requests(
  bucketArn: string,
  layout: KeyLayout,
  objectActions: readonly string[],
): ProbeRequest[] {
  return [
    ...probeKeys(layout).flatMap(({ key }) =>
      objectActions.map((action) => ({ kind: 'object' as const, action, bucketArn, key })),
    ),
    ...LIST_PROBE_ACTIONS.flatMap((action) =>
      probeListPrefixes(layout).map((prefix) => ({
        kind: 'bucket' as const,
        action,
        bucketArn,
        ...(prefix === undefined ? {} : { prefix }),
      })),
    ),
    ...BUCKET_PROBE_ACTIONS.map((action) => ({ kind: 'bucket' as const, action, bucketArn })),
  ];
}

function withBucket(request: ProbeRequest, bucketArn: string): ProbeRequest {
  return request.kind === 'other' ? request : { ...request, bucketArn };
}

/**
 * The matrix of one role: every S3 request on every bucket its rules name (all of them must get
 * the rules' decision), the allowed ones again on every other bucket of the app and on a foreign
 * one (denied), over plain HTTP and over TLS 1.1 (denied by the bucket policy), and the requests
 * outside S3.
 */
export function buildProbes(rules: readonly AccessRule[], targets: ProbeTargets): Probe[] {
  const granted = new Set(rules.flatMap((rule) => (rule.kind === 'other' ? [] : [rule.bucketArn])));
  const full = targets.appBucketArns.filter((arn) => granted.has(arn));
  if (full.length === 0 && targets.appBucketArns.length > 0) full.push(targets.appBucketArns[0]!);
  const named = rules.flatMap((rule) =>
    rule.kind === 'object' ? rule.actions.filter((a) => !a.endsWith('*')) : [],
  );
  const objectActions = [...new Set([...OBJECT_PROBE_ACTIONS, ...named])];
  const requests = full.flatMap((arn) => s3Requests(arn, targets.layout, objectActions));
  const allowed = requests.filter((request) => rulesAllow(rules, request));
  const elsewhere = [
    ...targets.appBucketArns.filter((arn) => !full.includes(arn)),
    FOREIGN_BUCKET_ARN,
  ].flatMap((arn) => allowed.map((request) => withBucket(request, arn)));
  const secure = [...requests, ...elsewhere, ...targets.otherRequests].map(
    (request): Probe => ({
      request,
      transport: SECURE,
      expected: rulesAllow(rules, request) ? 'Allowed' : 'Denied',
    }),
  );
  const insecure = allowed.flatMap((request) =>
    [PLAIN_HTTP, OLD_TLS].map(
      (transport): Probe => ({ request, transport, expected: 'ExplicitlyDenied' }),
    ),
  );
  return [...secure, ...insecure];
}

/** Requests outside S3 every role is probed with. */
export function otherRequests(
  logGroupArns: readonly string[],
  accountId: string,
  region: string,
): ProbeRequest[] {
  return [
    ...logGroupArns.flatMap((arn) =>
      ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
        kind: 'other' as const,
        action,
        resource: `${arn.replace(/\*$/, '')}log-stream:probe`,
      })),
    ),
    ...['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({
      kind: 'other' as const,
      action,
      resource: '*',
    })),
    { kind: 'other', action: 's3:ListAllMyBuckets', resource: '*' },
    { kind: 'other', action: 'iam:PassRole', resource: `arn:aws:iam::${accountId}:role/probe` },
    { kind: 'other', action: 'sts:AssumeRole', resource: `arn:aws:iam::${accountId}:role/probe` },
    {
      kind: 'other',
      action: 'kms:Decrypt',
      resource: `arn:aws:kms:${region}:${accountId}:key/probe`,
    },
    {
      kind: 'other',
      action: 'lambda:InvokeFunction',
      resource: `arn:aws:lambda:${region}:${accountId}:function:probe`,
    },
    {
      kind: 'other',
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${region}:${accountId}:parameter/probe`,
    },
  ];
}

/** A log group's writes, as `grantWrite` gives them: streams and events in that group only. */
export function logWriteRule(logGroupArn: string): AccessRule {
  return {
    kind: 'other',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resourcePrefix: logGroupArn.replace(/\*$/, ''),
  };
}

/** Lambda active tracing's two X-Ray actions, which take no resource. */
export const XRAY_RULE: AccessRule = {
  kind: 'other',
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resourcePrefix: '*',
};
