import { randomUUID } from 'node:crypto';
import {
  AccessDeniedError,
  BucketNotFoundError,
  bucketRegionFromError,
  createS3Storage,
  type Environment,
  loadConfigFromEnv,
  parseS3Uri,
  RegionMismatchError,
  type S3Storage,
  type S3StorageConfig,
  STORAGE_AREAS,
  type StorageArea,
  translateS3Error,
} from '@autobio/s3-storage';
import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CREDENTIALS_TIMEOUT_MS, DEFAULT_PROBE_AREA, DOCTOR_SCRATCH_FOLDER } from './constants.ts';
import { InvalidOptionError } from './errors.ts';
import type {
  CheckId,
  CheckResult,
  CheckStatus,
  CredentialsKind,
  DoctorOptions,
  DoctorReport,
} from './types/doctor.ts';

/** Every check of `doctor`, in the order it runs them. */
export const CHECK_IDS: readonly CheckId[] = [
  'config',
  'credentials',
  'bucket',
  'region',
  'probe-put',
  'probe-read',
  'probe-delete',
  'versioning',
  's3-uri',
];

/** The bucket checks that run after `id`, in order (the optional S3 URI check stands apart). */
function checksAfter(id: CheckId): CheckId[] {
  return CHECK_IDS.slice(CHECK_IDS.indexOf(id) + 1).filter((next) => next !== 's3-uri');
}

const TITLES: Record<CheckId, string> = {
  config: 'configuration',
  credentials: 'credentials',
  bucket: 'bucket reachable',
  region: 'bucket region',
  'probe-put': 'put a probe object',
  'probe-read': 'read it back',
  'probe-delete': 'delete it',
  versioning: 'versioning',
  's3-uri': 'external S3 URI',
};

/** Checks whose failure is a warning unless asked otherwise. */
export function defaultWarnOnly(env: Environment): CheckId[] {
  // The embedded server (and most S3-compatible test servers) cannot enable versioning.
  return env.S3_ENDPOINT?.trim() ? ['versioning'] : [];
}

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The SDK error behind one of the storage package's errors. */
function sdkError(error: unknown): SdkError {
  const e = (error ?? {}) as SdkError;
  return e.cause && typeof e.cause === 'object' ? (e.cause as SdkError) : e;
}

function describeError(error: unknown): string {
  const e = sdkError(error);
  const status = e.$metadata?.httpStatusCode;
  // A HEAD answer has no body, so the SDK can only say "Unknown"/"UnknownError": leave that out.
  const name = e.name && e.name !== 'Unknown' ? e.name : undefined;
  const message =
    e.message && e.message !== 'UnknownError' ? `: ${e.message.replace(/\.$/, '')}` : '';
  const what =
    name && status ? `${name} (HTTP ${status})` : (name ?? (status ? `HTTP ${status}` : 'Error'));
  return `${what}${message}`;
}

/** `AKIA…WXYZ`: enough to recognise a key, not enough to use it. */
export function maskAccessKeyId(accessKeyId: string): string {
  return accessKeyId.length >= 12
    ? `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`
    : `${accessKeyId.slice(0, 2)}…`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Which kind of credentials the default provider chain found, from the features it records. */
export function classifyCredentials(
  features: readonly string[],
  runtime: S3StorageConfig['runtime'],
): CredentialsKind {
  if (runtime === 'lambda') return 'role';
  if (features.some((f) => /IMDS|HTTP|STS_ASSUME_ROLE|WEB_ID/.test(f))) return 'role';
  if (features.includes('CREDENTIALS_ENV_VARS')) return 'environment-keys';
  if (features.some((f) => /PROFILE|SSO|PROCESS|LOGIN/.test(f))) return 'profile';
  return 'default-chain';
}

const KIND_LABELS: Record<CredentialsKind, string> = {
  'explicit-keys': 'explicit keys from BACKEND_AWS_KEY/BACKEND_AWS_SECRET',
  role: 'an IAM role',
  'environment-keys': 'keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  profile: 'a profile of the shared AWS config',
  'default-chain': 'the default provider chain',
};

/** Runs the checks of the spec's Troubleshooting section, in order. */
class Doctor {
  private readonly results: CheckResult[] = [];
  private readonly warnOnly: ReadonlySet<CheckId>;
  private config: S3StorageConfig | undefined;
  private storage: S3Storage | undefined;
  private accessKeyId: string | undefined;
  private readonly clientWarnings: string[] = [];

  public constructor(
    private readonly env: Environment,
    private readonly options: DoctorOptions,
  ) {
    this.warnOnly = new Set(options.warnOnly ?? defaultWarnOnly(env));
  }

  public async run(): Promise<DoctorReport> {
    try {
      await this.runChecks();
    } finally {
      this.storage?.getClient().destroy();
    }
    const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
    for (const check of this.results) summary[check.status]++;
    return {
      ok: summary.fail === 0 && (!this.options.strict || summary.warn === 0),
      checks: this.results,
      summary,
    };
  }

  private add(check: Omit<CheckResult, 'title'>): CheckResult {
    const status = check.status === 'fail' && this.warnOnly.has(check.id) ? 'warn' : check.status;
    const result: CheckResult = {
      id: check.id,
      title: TITLES[check.id],
      status,
      detail: check.detail,
      ...(check.fix === undefined ? {} : { fix: check.fix }),
      ...(check.data === undefined ? {} : { data: check.data }),
    };
    this.results.push(result);
    return result;
  }

  private skip(ids: readonly CheckId[], reason: string): void {
    for (const id of ids) this.add({ id, status: 'skip', detail: `Skipped: ${reason}.` });
  }

  private async runChecks(): Promise<void> {
    const probeArea = this.options.probeArea ?? DEFAULT_PROBE_AREA;
    if (!(STORAGE_AREAS as readonly string[]).includes(probeArea)) {
      throw new InvalidOptionError(
        '--probe-area',
        probeArea,
        `use one of ${STORAGE_AREAS.join(', ')}.`,
      );
    }
    if (!this.checkConfig()) {
      const rest = CHECK_IDS.filter(
        (id) => id !== 'config' && (id !== 's3-uri' || this.options.s3Uri !== undefined),
      );
      this.skip(rest, 'the configuration is not valid');
      return;
    }
    const storage = this.storage!;
    const client = storage.getClient();
    if (!(await this.checkCredentials(client))) {
      this.skip(checksAfter('credentials'), 'no credentials');
    } else {
      const bucket = await this.checkBucket(client);
      const regionOk = await this.checkRegion(client, bucket);
      if (bucket.state === 'missing' || bucket.state === 'unreachable') {
        this.skip(
          checksAfter('region'),
          bucket.state === 'missing' ? 'the bucket does not exist' : 'S3 cannot be reached',
        );
      } else if (!regionOk) {
        this.skip(
          checksAfter('region'),
          'requests go to the wrong region; fix S3_CLIENT_REGION first',
        );
      } else {
        await this.checkProbe(storage, probeArea as StorageArea);
        await this.checkVersioning(client);
      }
    }
    if (this.options.s3Uri !== undefined) this.checkS3Uri(storage, this.options.s3Uri);
  }

  private checkConfig(): boolean {
    try {
      const config = loadConfigFromEnv(this.env);
      this.config = config;
      this.storage = createS3Storage({
        config,
        warn: (message) => this.clientWarnings.push(message),
      });
      this.accessKeyId = config.credentials?.accessKeyId;
      const prefixes = Object.values(config.prefixes).join(' ');
      this.add({
        id: 'config',
        status: 'pass',
        detail:
          `Bucket "${config.bucketName}", region ${config.region}, prefixes ${prefixes}` +
          `${config.endpoint ? `, endpoint ${config.endpoint}` : ''} (${config.runtime}).`,
        data: {
          bucket: config.bucketName,
          region: config.region,
          endpoint: config.endpoint ?? null,
          runtime: config.runtime,
        },
      });
      return true;
    } catch (error) {
      const variable = (error as { variable?: string }).variable;
      this.add({
        id: 'config',
        status: 'fail',
        detail: `${variable ?? 'The configuration'} is not valid.`,
        fix: error instanceof Error ? error.message : String(error),
        ...(variable ? { data: { variable } } : {}),
      });
      return false;
    }
  }

  private async checkCredentials(client: S3Client): Promise<boolean> {
    const config = this.config!;
    const timeoutMs = this.options.credentialsTimeoutMs ?? CREDENTIALS_TIMEOUT_MS;
    try {
      const identity = await withTimeout(
        client.config.credentials(),
        timeoutMs,
        'The credential provider chain',
      );
      this.accessKeyId = identity.accessKeyId;
      const kind: CredentialsKind =
        config.credentials && config.runtime === 'local'
          ? 'explicit-keys'
          : classifyCredentials(
              Object.keys((identity as { $source?: object }).$source ?? {}),
              config.runtime,
            );
      const notes = this.clientWarnings.length > 0 ? ` ${this.clientWarnings.join(' ')}` : '';
      this.add({
        id: 'credentials',
        status: 'pass',
        detail:
          `Credentials resolve: ${KIND_LABELS[kind]} (access key ${maskAccessKeyId(identity.accessKeyId)}` +
          `${identity.sessionToken ? ', temporary' : ''}).${notes}`,
        data: { kind, temporary: identity.sessionToken !== undefined },
      });
      return true;
    } catch (error) {
      this.add({
        id: 'credentials',
        status: 'fail',
        detail: `No credentials could be found: ${error instanceof Error ? error.message : String(error)}.`,
        fix:
          'Set BACKEND_AWS_KEY and BACKEND_AWS_SECRET for local development, or run with an IAM ' +
          'role (Lambda, EC2, ECS), or choose a profile with AWS_PROFILE (after `aws sso login` ' +
          'when it uses SSO).',
      });
      return false;
    }
  }

  /** The fix for a refused request, naming the action to grant or the bad key. */
  private accessFix(error: unknown, action: string, resource: string): string {
    const name = sdkError(error).name;
    const bucket = this.config!.bucketName;
    const key = this.accessKeyId ? ` ${maskAccessKeyId(this.accessKeyId)}` : '';
    if (name === 'InvalidAccessKeyId') {
      return (
        `S3 does not know the access key id${key}: check BACKEND_AWS_KEY (or the profile's ` +
        'keys). A deleted key, or a key of another account or endpoint, gives this.'
      );
    }
    if (name === 'SignatureDoesNotMatch') {
      return 'The secret does not belong to the access key: check BACKEND_AWS_SECRET.';
    }
    if (name === 'ExpiredToken' || name === 'TokenRefreshRequired') {
      return 'The session has expired: refresh the credentials (aws sso login, or assume the role again).';
    }
    return (
      `Grant ${action} on ${resource} to the caller (the IAM role, or the user of BACKEND_AWS_KEY), ` +
      `and check that S3_BUCKET_NAME ("${bucket}") is this environment's bucket.`
    );
  }

  private async checkBucket(client: S3Client): Promise<{
    state: 'ok' | 'missing' | 'denied' | 'redirected' | 'unreachable';
    region?: string | undefined;
  }> {
    const { bucketName: bucket, region, endpoint } = this.config!;
    try {
      const head = await client.send(new HeadBucketCommand({ Bucket: bucket }));
      this.add({
        id: 'bucket',
        status: 'pass',
        detail: `Bucket "${bucket}" exists and answers${endpoint ? ` at ${endpoint}` : ''}.`,
      });
      return { state: 'ok', region: head.BucketRegion };
    } catch (error) {
      const translated = translateS3Error(error, { bucket, region });
      if (translated instanceof RegionMismatchError) {
        this.add({
          id: 'bucket',
          status: 'pass',
          detail: `Bucket "${bucket}" exists, in another region than S3_CLIENT_REGION (see the next check).`,
        });
        return { state: 'redirected', region: translated.bucketRegion };
      }
      if (translated instanceof BucketNotFoundError) {
        this.add({
          id: 'bucket',
          status: 'fail',
          detail: `There is no bucket "${bucket}"${endpoint ? ` at ${endpoint}` : ''} (HeadBucket: ${describeError(error)}).`,
          fix: translated.message,
        });
        return { state: 'missing' };
      }
      if (translated instanceof AccessDeniedError) {
        this.add({
          id: 'bucket',
          status: 'fail',
          detail: `HeadBucket on "${bucket}" was refused: ${describeError(error)}.`,
          fix:
            `${this.accessFix(error, 's3:ListBucket', `arn:aws:s3:::${bucket}`)} A bucket of another ` +
            'account answers 403 too: bucket names are global.',
        });
        return { state: 'denied', region: bucketRegionFromError(error) };
      }
      this.add({
        id: 'bucket',
        status: 'fail',
        detail: `S3 could not be reached: ${describeError(error)}.`,
        fix: endpoint
          ? `Check S3_ENDPOINT (${endpoint}): is the server running and reachable?`
          : 'Check the network path to S3 (proxy, VPC endpoint, DNS), and S3_ENDPOINT if you meant a local server.',
      });
      return { state: 'unreachable' };
    }
  }

  /** @returns whether requests can go on in the configured region. */
  private async checkRegion(
    client: S3Client,
    bucket: { state: string; region?: string | undefined },
  ): Promise<boolean> {
    const config = this.config!;
    if (bucket.state === 'missing' || bucket.state === 'unreachable') {
      this.skip(
        ['region'],
        bucket.state === 'missing' ? 'the bucket does not exist' : 'S3 cannot be reached',
      );
      return false;
    }
    let bucketRegion = bucket.region;
    let source = 'HeadBucket';
    let locationError: unknown;
    if (!bucketRegion) {
      source = 'GetBucketLocation';
      try {
        const location = await client.send(
          new GetBucketLocationCommand({ Bucket: config.bucketName }),
        );
        const constraint = location.LocationConstraint as string | undefined;
        // S3 names us-east-1 by saying nothing, and eu-west-1 by its old name. A server at a
        // custom endpoint that says nothing has simply no notion of regions.
        if (constraint === 'EU') bucketRegion = 'eu-west-1';
        else if (constraint) bucketRegion = constraint;
        else if (!config.endpoint) bucketRegion = 'us-east-1';
      } catch (error) {
        bucketRegion = bucketRegionFromError(error);
        locationError = error;
      }
    }
    if (bucketRegion && bucketRegion !== config.region) {
      this.add({
        id: 'region',
        status: 'fail',
        detail: `The bucket is in ${bucketRegion} (from ${source}), but S3_CLIENT_REGION is ${config.region}.`,
        fix: new RegionMismatchError(config.bucketName, config.region, bucketRegion).message,
        data: { bucketRegion, configuredRegion: config.region },
      });
      return false;
    }
    if (bucketRegion) {
      this.add({
        id: 'region',
        status: 'pass',
        detail: `The bucket is in ${bucketRegion} (from ${source}), as S3_CLIENT_REGION says.`,
        data: { bucketRegion, configuredRegion: config.region },
      });
      return true;
    }
    if (bucket.state === 'ok') {
      this.add({
        id: 'region',
        status: 'pass',
        detail:
          `The bucket answers requests signed for ${config.region}; the server does not name ` +
          'its region.',
        data: { bucketRegion: null, configuredRegion: config.region },
      });
      return true;
    }
    this.add({
      id: 'region',
      status: 'skip',
      detail:
        `Skipped: the region cannot be read while the bucket refuses access` +
        `${locationError ? ` (GetBucketLocation: ${describeError(locationError)})` : ''}.`,
    });
    return true;
  }

  private async checkProbe(storage: S3Storage, area: StorageArea): Promise<void> {
    const bucket = storage.getBucketName();
    const scratch = `${storage.keys.areaPrefix(area)}${DOCTOR_SCRATCH_FOLDER}`;
    const key = `${scratch}probe-${Date.now()}-${randomUUID()}.txt`;
    const uri = `s3://${bucket}/${key}`;
    const body = `autobio-storage doctor probe ${randomUUID()}\n`;
    const client = storage.getClient();
    const target = { Bucket: bucket, Key: key };
    // Sent directly, not through storage.putObject, to keep the VersionId S3 returns.
    let versionId: string | undefined;
    try {
      storage.keys.assertKeyInLayout(key);
      const put = await client.send(
        new PutObjectCommand({ ...target, Body: body, ContentType: 'text/plain; charset=utf-8' }),
      );
      versionId = put.VersionId || undefined;
    } catch (error) {
      this.add({
        id: 'probe-put',
        status: 'fail',
        detail: `PutObject ${uri} was refused: ${describeError(error)}.`,
        fix: this.accessFix(error, 's3:PutObject', `arn:aws:s3:::${bucket}/${scratch}*`),
      });
      this.skip(['probe-read', 'probe-delete'], 'nothing was written');
      return;
    }
    this.add({
      id: 'probe-put',
      status: 'pass',
      detail: `Wrote ${uri}${versionId ? ` (version ${versionId})` : ''}.`,
      ...(versionId ? { data: { versionId } } : {}),
    });
    // On a versioned bucket a plain DeleteObject only hides the probe behind a delete marker,
    // leaving its version (and the marker) under the scratch folder: delete that version.
    const versionArg = versionId ? ` --version-id ${versionId}` : '';
    const byHand = versionId
      ? `aws s3api delete-object --bucket ${bucket} --key ${key}${versionArg}`
      : `aws s3 rm ${uri}`;
    const deleteAction = versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
    // From here on the probe exists: whatever happens, try to delete it.
    let deleted = false;
    try {
      try {
        const read = Buffer.from(await storage.getObjectAsBase64(bucket, key), 'base64').toString();
        this.add(
          read === body
            ? {
                id: 'probe-read',
                status: 'pass',
                detail: `Read it back, ${body.length} bytes, unchanged.`,
              }
            : {
                id: 'probe-read',
                status: 'fail',
                detail: `Read back ${read.length} bytes that differ from the ${body.length} written.`,
                fix:
                  'Something between this process and the bucket changes objects: check S3_ENDPOINT ' +
                  'and any proxy. (An S3-compatible store that stores aws-chunked framing needs ' +
                  "the client's checksums set to WHEN_REQUIRED, as the storage package does.)",
              },
        );
      } catch (error) {
        this.add({
          id: 'probe-read',
          status: 'fail',
          detail: `GetObject ${uri} was refused: ${describeError(error)}.`,
          fix: this.accessFix(error, 's3:GetObject', `arn:aws:s3:::${bucket}/${scratch}*`),
        });
      }
      await client.send(
        new DeleteObjectCommand({ ...target, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      deleted = !(await storage.objectExists(key));
      this.add(
        deleted
          ? {
              id: 'probe-delete',
              status: 'pass',
              detail: versionId
                ? `Deleted its version ${versionId} (no delete marker left), and it is gone.`
                : `Deleted it, and it is gone.`,
            }
          : {
              id: 'probe-delete',
              status: 'fail',
              detail: `DeleteObject${versionId ? ` of version ${versionId}` : ''} succeeded but ${uri} is still there.`,
              fix: `Check for an object lock or retention on the bucket, then remove it: ${byHand}`,
            },
      );
    } catch (error) {
      if (!deleted) {
        this.add({
          id: 'probe-delete',
          status: 'fail',
          detail: versionId
            ? `Deleting version ${versionId} of ${uri} failed: ${describeError(error)}. The ` +
              'bucket is versioned, so the probe is deleted by version (a plain delete would ' +
              'leave it behind a delete marker).'
            : `Deleting ${uri} failed: ${describeError(error)}.`,
          fix:
            `${this.accessFix(error, deleteAction, `arn:aws:s3:::${bucket}/${scratch}*`)} ` +
            `Then remove the probe by hand: ${byHand}`,
          ...(versionId ? { data: { versionId } } : {}),
        });
      }
    }
  }

  private async checkVersioning(client: S3Client): Promise<void> {
    const { bucketName: bucket, endpoint } = this.config!;
    const enable =
      "Enable it in the bucket's stack (versioned: true) and deploy, or run: aws s3api " +
      `put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled. ` +
      'The spec asks for versioning on production buckets to prevent data loss.';
    try {
      const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      if (versioning.Status === 'Enabled') {
        this.add({ id: 'versioning', status: 'pass', detail: 'Versioning is enabled.' });
        return;
      }
      this.add({
        id: 'versioning',
        status: 'fail',
        detail:
          versioning.Status === 'Suspended'
            ? 'Versioning is suspended: overwritten and deleted objects cannot be recovered.'
            : `Versioning has never been enabled on "${bucket}"` +
              (endpoint
                ? `; the server at ${endpoint} reports no versioning status (the embedded ` +
                  'local server, s3rver, cannot version buckets).'
                : '.'),
        fix: endpoint
          ? `${enable} A local server that cannot version stays a warning (--warn-only versioning is the default when S3_ENDPOINT is set).`
          : enable,
        data: { status: versioning.Status ?? null },
      });
    } catch (error) {
      const status = sdkError(error).$metadata?.httpStatusCode;
      this.add({
        id: 'versioning',
        status: 'fail',
        detail: `GetBucketVersioning was refused: ${describeError(error)}.`,
        fix:
          status === 403
            ? this.accessFix(error, 's3:GetBucketVersioning', `arn:aws:s3:::${bucket}`)
            : 'The server does not report versioning: use a store that supports it for this environment.',
      });
    }
  }

  private checkS3Uri(storage: S3Storage, uri: string): void {
    const bucket = storage.getBucketName();
    const region = storage.getRegion();
    try {
      const key = storage.assertOwnS3Uri(uri);
      this.add({
        id: 's3-uri',
        status: 'pass',
        detail: `${uri} is in this bucket, area ${storage.keys.areaOf(key)}.`,
      });
    } catch (error) {
      let detail: string;
      let fix =
        `Configure the illustration-gen service with S3_BUCKET_NAME=${bucket} and ` +
        `S3_REGION=${region}: the same bucket and region as this server.`;
      try {
        const parsed = parseS3Uri(uri);
        if (parsed.bucket !== bucket) {
          detail = `${uri} is in bucket "${parsed.bucket}", not "${bucket}".`;
        } else {
          detail = `${uri} is in this bucket but outside its key layout.`;
          fix = `Have the service write under one of ${Object.values(storage.keys.prefixes).join(', ')} (illustrations go under ${storage.keys.areaPrefix('generated')}).`;
        }
      } catch {
        detail = `${JSON.stringify(uri)} is not an S3 URI (s3://bucket/key).`;
      }
      this.add({ id: 's3-uri', status: 'fail', detail, fix, data: { error: String(error) } });
    }
  }
}

/**
 * Checks, in order: the configuration, the credentials (and their kind), the bucket, its
 * region, a put/read/delete of a probe object under a scratch folder (deleted even when a
 * step fails), versioning, and optionally an external S3 URI. It never throws for a failed
 * check: each is a result with the fix.
 * @throws InvalidOptionError for a bad `probeArea`.
 */
export function runDoctor(env: Environment, options: DoctorOptions = {}): Promise<DoctorReport> {
  return new Doctor(env, options).run();
}
