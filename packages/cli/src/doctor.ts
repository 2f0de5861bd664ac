import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AccessDeniedError,
  BucketNotFoundError,
  bucketRegionFromError,
  createS3Storage,
  type Environment,
  IMAGE_EXTENSION,
  loadConfigFromEnv,
  parseS3Uri,
  RegionMismatchError,
  type S3Storage,
  type S3StorageConfig,
  type StorageArea,
  translateS3Error,
} from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { storageClientConfig } from './clients.ts';
import {
  CREDENTIALS_TIMEOUT_MS,
  DEFAULT_PROBE_AREA,
  DOCTOR_CHECKS,
  DOCTOR_SCRATCH_FOLDER,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
} from './constants.ts';
import { sdkError } from './errors.ts';
import { unreachableFix } from './local-fixes.ts';
import type { ConnectionContext } from './types/connection.ts';
import type { CheckId, CheckResult, DoctorOptions, DoctorReport } from './types/doctor.ts';

export const CHECK_IDS = Object.keys(DOCTOR_CHECKS) as CheckId[];

/** The bucket checks that run after `id`, in order (the optional S3 URI check stands apart). */
function checksAfter(id: CheckId): CheckId[] {
  return CHECK_IDS.slice(CHECK_IDS.indexOf(id) + 1).filter((next) => next !== 's3-uri');
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
  // An unref'd timer: a chain that answers in time leaves nothing that holds the process.
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} did not answer within ${ms} ms`);
  });
  return Promise.race([promise, timeout]);
}

const KIND_LABELS = {
  'explicit-keys': 'explicit keys from BACKEND_AWS_KEY/BACKEND_AWS_SECRET',
  role: 'an IAM role',
  'environment-keys': 'keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  profile: 'a profile of the shared AWS config',
  'default-chain': 'the default provider chain',
} as const;

type CredentialsKind = keyof typeof KIND_LABELS;

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

/**
 * S3's codes, with SignatureDoesNotMatch, for credentials it refuses whoever asks and whatever
 * for: every later request fails the same way. versitygw says XAdminUserNotFound for a key it
 * does not know.
 */
const UNKNOWN_KEY_CODES = new Set(['InvalidAccessKeyId', 'XAdminUserNotFound']);
const EXPIRED_SESSION_CODES = new Set(['ExpiredToken', 'TokenRefreshRequired', 'InvalidToken']);

/** What the bucket check found, which decides what the later checks can do. */
type BucketState = 'ok' | 'missing' | 'denied' | 'redirected' | 'unreachable' | 'credentials';

/** Why the bucket checks after `bucket` cannot run, or `undefined` when they can. */
const SKIP_REASONS: Partial<Record<BucketState | 'no-credentials', string>> = {
  'no-credentials': 'there are no credentials',
  missing: 'the bucket does not exist',
  unreachable: 'S3 cannot be reached',
  credentials: 'S3 refuses the credentials',
};

/** Runs the checks of the spec's Troubleshooting section, in order. */
class Doctor {
  private readonly results: CheckResult[] = [];
  private readonly warnOnly: ReadonlySet<CheckId>;
  private readonly connection: ConnectionContext;
  private config: S3StorageConfig | undefined;
  private storage: S3Storage | undefined;
  private accessKeyId: string | undefined;
  /** The `Server` header of the first answer: `VERSITYGW`, `AmazonS3`, `MinIO`... */
  private serverName: string | undefined;
  private readonly clientWarnings: string[] = [];

  public constructor(
    private readonly env: Environment,
    private readonly options: DoctorOptions,
  ) {
    // The embedded server (and most S3-compatible test servers) cannot enable versioning.
    this.warnOnly = new Set(options.warnOnly ?? (env.S3_ENDPOINT?.trim() ? ['versioning'] : []));
    this.connection = options.connection ?? {};
  }

  public async run() {
    try {
      await this.runChecks();
    } finally {
      this.storage?.getClient().destroy();
    }
    const summary: Record<CheckResult['status'], number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
    for (const check of this.results) summary[check.status]++;
    return {
      /** True when no check failed (and, with `strict`, none warned). */
      ok: summary.fail === 0 && (!this.options.strict || summary.warn === 0),
      checks: this.results,
      summary,
    };
  }

  /** The endpoint as it may be printed: without its user name and password. */
  private get endpoint(): string | undefined {
    return this.config?.endpoint === undefined ? undefined : redactUrl(this.config.endpoint);
  }

  /** `aws --endpoint-url <endpoint>` for a command to run by hand, or `aws` on AWS. */
  private get awsCli(): string {
    return this.endpoint ? `aws --endpoint-url ${this.endpoint}` : 'aws';
  }

  private pass(id: CheckId, detail: string, data?: CheckResult['data']): void {
    this.results.push({ id, title: DOCTOR_CHECKS[id], status: 'pass', detail, data });
  }

  private fail(id: CheckId, detail: string, fix: string, data?: CheckResult['data']): void {
    const status = this.warnOnly.has(id) ? 'warn' : 'fail';
    this.results.push({ id, title: DOCTOR_CHECKS[id], status, detail, fix, data });
  }

  private skip(ids: readonly CheckId[], reason: string): void {
    const detail = `Skipped: ${reason}.`;
    for (const id of ids)
      this.results.push({ id, title: DOCTOR_CHECKS[id], status: 'skip', detail });
  }

  private async runChecks(): Promise<void> {
    if (!this.checkConfig()) {
      const uri: CheckId[] = this.options.s3Uri === undefined ? [] : ['s3-uri'];
      this.skip([...checksAfter('config'), ...uri], 'the configuration is not valid');
      return;
    }
    const storage = this.storage!;
    const client = storage.getClient();
    let bucketState: BucketState | 'no-credentials' = 'no-credentials';
    if (!(await this.checkCredentials(client))) {
      this.skip(checksAfter('credentials'), 'no credentials');
    } else {
      const bucket = await this.checkBucket(client);
      bucketState = bucket.state;
      const skipped = SKIP_REASONS[bucket.state];
      if (skipped) {
        this.skip(checksAfter('bucket'), skipped);
      } else if (!(await this.checkRegion(client, bucket))) {
        const wrongRegion = 'requests go to the wrong region; fix S3_CLIENT_REGION first';
        this.skip(checksAfter('region'), wrongRegion);
      } else {
        await this.checkProbe(storage, this.options.probeArea ?? DEFAULT_PROBE_AREA);
        await this.checkVersioning(client);
      }
    }
    if (this.options.s3Uri !== undefined) {
      await this.checkS3Uri(this.options.s3Uri, bucketState);
    }
  }

  /** A client of the storage package's settings that notes the server's name. */
  private createClient(config: S3StorageConfig): S3Client {
    const client = new S3Client(
      storageClientConfig(config, config.region, {
        profile: this.connection.profile,
        warn: (message) => this.clientWarnings.push(message),
      }),
    );
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const headers = (result.response as { headers?: Record<string, string> }).headers;
        this.serverName ??= headers?.server;
        return result;
      },
      { step: 'deserialize', name: 'doctorServerName' },
    );
    return client;
  }

  private checkConfig(): boolean {
    try {
      const config = loadConfigFromEnv(this.env);
      this.config = config;
      this.storage = createS3Storage({ config, client: this.createClient(config) });
      const prefixes = Object.values(config.prefixes).join(' ');
      const local = this.connection.local;
      this.pass(
        'config',
        `Bucket "${config.bucketName}", region ${config.region}, prefixes ${prefixes}` +
          `${this.endpoint ? `, endpoint ${this.endpoint}` : ''} (${config.runtime})` +
          `${local ? `, from the pnpm dev on ${local.dataDir} (${local.engine})` : ''}.`,
        {
          bucket: config.bucketName,
          region: config.region,
          endpoint: this.endpoint ?? null,
          runtime: config.runtime,
          ...(local ? { localEngine: local.engine } : {}),
        },
      );
      return true;
    } catch (error) {
      const variable = (error as { variable?: string }).variable;
      this.fail(
        'config',
        `${variable ?? 'The configuration'} is not valid.`,
        // The message repeats the value, which may be an endpoint with a password in it.
        redactUrl(error instanceof Error ? error.message : String(error)),
        variable ? { variable } : undefined,
      );
      return false;
    }
  }

  private async checkCredentials(client: S3Client): Promise<boolean> {
    const config = this.config!;
    const { profile } = this.connection;
    try {
      const identity = await withTimeout(
        client.config.credentials(),
        this.options.credentialsTimeoutMs ?? CREDENTIALS_TIMEOUT_MS,
        'The credential provider chain',
      );
      this.accessKeyId = identity.accessKeyId;
      const features = Object.keys((identity as { $source?: object }).$source ?? {});
      const kind: CredentialsKind = profile
        ? 'profile'
        : config.credentials && config.runtime === 'local'
          ? 'explicit-keys'
          : classifyCredentials(features, config.runtime);
      const label = profile
        ? `the profile "${profile}" of the shared AWS config (--profile)`
        : this.connection.local && kind === 'explicit-keys'
          ? "pnpm dev's keys for its embedded S3, from --local"
          : KIND_LABELS[kind];
      const notes = this.clientWarnings.length > 0 ? ` ${this.clientWarnings.join(' ')}` : '';
      this.pass(
        'credentials',
        `Credentials resolve: ${label} (access key ${maskAccessKeyId(identity.accessKeyId)}` +
          `${identity.sessionToken ? ', temporary' : ''}).${notes}`,
        { kind, temporary: identity.sessionToken !== undefined, ...(profile ? { profile } : {}) },
      );
      return true;
    } catch (error) {
      this.fail(
        'credentials',
        `No credentials could be found: ${error instanceof Error ? error.message : String(error)}.`,
        profile
          ? `The profile "${profile}" gives no credentials: check it with \`aws configure list --profile ${profile}\` ` +
              `(after \`aws sso login --profile ${profile}\` when it uses SSO), or drop --profile.`
          : 'Set BACKEND_AWS_KEY and BACKEND_AWS_SECRET for local development, or run with an IAM ' +
              'role (Lambda, EC2, ECS), or choose a profile with --profile or AWS_PROFILE (after ' +
              '`aws sso login` when it uses SSO).',
      );
      return false;
    }
  }

  /** Where the keys come from, for a fix that says what to check. */
  private keysSource(): string {
    if (this.connection.local) {
      return `the keys --local read from the pnpm dev on ${this.connection.local.dataDir} (restart pnpm dev to write them again)`;
    }
    if (this.connection.profile) return `the keys of the profile "${this.connection.profile}"`;
    if (this.config?.credentials) return 'BACKEND_AWS_KEY and BACKEND_AWS_SECRET';
    return 'the credentials the default provider chain found (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO or a role)';
  }

  /** For an endpoint that is not pnpm dev's through --local: how to use pnpm dev's settings. */
  private localHint(): string {
    return this.endpoint && !this.connection.local
      ? " If this is pnpm dev's embedded S3, pass --local: it uses that server's own bucket and keys."
      : '';
  }

  /** The fix for credentials S3 refuses, or `undefined` when `error` is not such a refusal. */
  private credentialsFix(error: unknown): string | undefined {
    const name = sdkError(error).name ?? '';
    const key = this.accessKeyId ? ` ${maskAccessKeyId(this.accessKeyId)}` : '';
    const where = this.endpoint ? `The server at ${this.endpoint}` : 'S3';
    if (UNKNOWN_KEY_CODES.has(name)) {
      return (
        `${where} does not know the access key id${key} (${name}): check ${this.keysSource()}. ` +
        `A deleted key, or a key of another account or endpoint, gives this.${this.localHint()}`
      );
    }
    if (name === 'SignatureDoesNotMatch') {
      return (
        `The secret key does not belong to the access key id${key} (SignatureDoesNotMatch): check ` +
        `${this.keysSource()}.${this.localHint()}`
      );
    }
    if (EXPIRED_SESSION_CODES.has(name)) {
      return `The session has expired (${name}): refresh the credentials (aws sso login, or assume the role again).`;
    }
    return undefined;
  }

  /** The fix for a refused request, naming the action to grant or the bad key. */
  private accessFix(error: unknown, action: string, resource: string): string {
    const credentials = this.credentialsFix(error);
    if (credentials) return credentials;
    const bucket = this.config!.bucketName;
    if (this.endpoint) {
      return (
        `The server at ${this.endpoint} refused ${action} on ${resource}: ${this.keysSource()} ` +
        `may not do it there. Check that S3_BUCKET_NAME ("${bucket}") is a bucket of that server.${this.localHint()}`
      );
    }
    return (
      `Grant ${action} on ${resource} to the caller (the IAM role, or the user of BACKEND_AWS_KEY), ` +
      `and check that S3_BUCKET_NAME ("${bucket}") is this environment's bucket.`
    );
  }

  private async checkBucket(client: S3Client): Promise<{ state: BucketState; region?: string }> {
    const { bucketName: bucket, region } = this.config!;
    const at = this.endpoint ? ` at ${this.endpoint}` : '';
    const redirected = (mismatch: RegionMismatchError) => {
      const detail = `Bucket "${bucket}" exists, in another region than S3_CLIENT_REGION (see the next check).`;
      this.pass('bucket', detail);
      return { state: 'redirected' as const, region: mismatch.bucketRegion };
    };
    try {
      const head = await client.send(new HeadBucketCommand({ Bucket: bucket }));
      this.pass('bucket', `Bucket "${bucket}" exists and answers${at}.`);
      return { state: 'ok', region: head.BucketRegion };
    } catch (headError) {
      const headTranslated = translateS3Error(headError, { bucket, region });
      if (headTranslated instanceof RegionMismatchError) return redirected(headTranslated);
      const status = sdkError(headError).$metadata?.httpStatusCode ?? 0;
      let error = headError;
      if (status >= 400 && status < 500) {
        // A HeadBucket answer has no body, hence no error code (an unknown key is a bare 403, or
        // even a 404 on versitygw): the same question as a listing of no key, which needs the
        // same s3:ListBucket, gets it.
        try {
          await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
        } catch (listError) {
          if (sdkError(listError).name) error = listError;
        }
      }
      const refused = `HeadBucket on "${bucket}"${at} was refused: ${describeError(error)}.`;
      const credentials = this.credentialsFix(error);
      if (credentials) {
        this.fail('bucket', refused, credentials);
        return { state: 'credentials' };
      }
      const translated = translateS3Error(error, { bucket, region });
      if (translated instanceof RegionMismatchError) return redirected(translated);
      if (translated instanceof BucketNotFoundError) {
        this.fail(
          'bucket',
          `There is no bucket "${bucket}"${at} (HeadBucket: ${describeError(error)}).`,
          this.endpoint ? this.localBucketFix() : translated.message,
        );
        return { state: 'missing' };
      }
      if (translated instanceof AccessDeniedError) {
        const global = ' A bucket of another account answers 403 too: bucket names are global.';
        const fix = this.accessFix(error, 's3:ListBucket', `arn:aws:s3:::${bucket}`);
        this.fail('bucket', refused, this.endpoint ? fix : fix + global);
        return { state: 'denied', region: bucketRegionFromError(error) };
      }
      this.fail(
        'bucket',
        `S3 could not be reached${at}: ${describeError(error)}.`,
        unreachableFix(this.endpoint, this.connection),
      );
      return { state: 'unreachable' };
    }
  }

  /** The fix for a bucket a local (or other S3-compatible) server does not have. */
  private localBucketFix(): string {
    const bucket = this.config!.bucketName;
    const local = this.connection.local;
    if (local) {
      return (
        `The pnpm dev on ${local.dataDir} creates its bucket when it starts, and "${bucket}" is not ` +
        'there: restart pnpm dev.'
      );
    }
    return (
      `The server at ${this.endpoint} has no bucket "${bucket}": check S3_BUCKET_NAME (\`${this.awsCli} ` +
      `s3 ls\` lists that server's buckets), or create it: ${this.awsCli} s3 mb s3://${bucket}.` +
      `${this.localHint()} (pnpm dev creates its own bucket when it starts.)`
    );
  }

  /** @returns whether requests can go on in the configured region. */
  private async checkRegion(
    client: S3Client,
    bucket: { state: BucketState; region?: string | undefined },
  ): Promise<boolean> {
    const { bucketName, region, endpoint } = this.config!;
    let bucketRegion = bucket.region;
    const source = bucketRegion ? 'HeadBucket' : 'GetBucketLocation';
    let locationError: unknown;
    if (!bucketRegion) {
      try {
        const location = await client.send(new GetBucketLocationCommand({ Bucket: bucketName }));
        const constraint = location.LocationConstraint as string | undefined;
        // S3 names us-east-1 by saying nothing, and eu-west-1 by its old name. A server at a
        // custom endpoint that says nothing has simply no notion of regions.
        if (constraint === 'EU') bucketRegion = 'eu-west-1';
        else if (constraint) bucketRegion = constraint;
        else if (!endpoint) bucketRegion = 'us-east-1';
      } catch (error) {
        bucketRegion = bucketRegionFromError(error);
        locationError = error;
      }
    }
    const data = { bucketRegion: bucketRegion ?? null, configuredRegion: region };
    if (bucketRegion && bucketRegion !== region) {
      this.fail(
        'region',
        `The bucket is in ${bucketRegion} (from ${source}), but S3_CLIENT_REGION is ${region}.`,
        new RegionMismatchError(bucketName, region, bucketRegion).message,
        data,
      );
      return false;
    }
    if (bucketRegion) {
      const detail = `The bucket is in ${bucketRegion} (from ${source}), as S3_CLIENT_REGION says.`;
      this.pass('region', detail, data);
    } else if (bucket.state === 'ok') {
      const detail =
        `The bucket answers requests signed for ${region}; the server does not name ` +
        'its region.';
      this.pass('region', detail, data);
    } else {
      const why = locationError ? ` (GetBucketLocation: ${describeError(locationError)})` : '';
      this.skip(['region'], `the region cannot be read while the bucket refuses access${why}`);
    }
    return true;
  }

  private async checkProbe(storage: S3Storage, area: StorageArea): Promise<void> {
    const bucket = storage.getBucketName();
    const scratch = `${storage.keys.areaPrefix(area)}${DOCTOR_SCRATCH_FOLDER}`;
    const scratchArn = `arn:aws:s3:::${bucket}/${scratch}*`;
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
      const detail = `PutObject ${uri} was refused: ${describeError(error)}.`;
      this.fail('probe-put', detail, this.accessFix(error, 's3:PutObject', scratchArn));
      this.skip(['probe-read', 'probe-delete'], 'nothing was written');
      return;
    }
    const versionData = versionId ? { versionId } : undefined;
    const version = versionId ? ` (version ${versionId})` : '';
    this.pass('probe-put', `Wrote ${uri}${version}.`, versionData);
    // On a versioned bucket a plain DeleteObject only hides the probe behind a delete marker,
    // leaving its version (and the marker) under the scratch folder: delete that version.
    const byHand = versionId
      ? `${this.awsCli} s3api delete-object --bucket ${bucket} --key ${key} --version-id ${versionId}`
      : `${this.awsCli} s3 rm ${uri}`;
    const deleteAction = versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
    // From here on the probe exists: whatever happens, try to delete it.
    try {
      try {
        const read = Buffer.from(await storage.getObjectAsBase64(bucket, key), 'base64').toString();
        if (read === body) {
          this.pass('probe-read', `Read it back, ${body.length} bytes, unchanged.`);
        } else {
          this.fail(
            'probe-read',
            `Read back ${read.length} bytes that differ from the ${body.length} written.`,
            'Something between this process and the bucket changes objects: check S3_ENDPOINT ' +
              'and any proxy. (An S3-compatible store that stores aws-chunked framing needs ' +
              "the client's checksums set to WHEN_REQUIRED, as the storage package does.)",
          );
        }
      } catch (error) {
        const detail = `GetObject ${uri} was refused: ${describeError(error)}.`;
        this.fail('probe-read', detail, this.accessFix(error, 's3:GetObject', scratchArn));
      }
      await client.send(
        new DeleteObjectCommand({ ...target, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      if (!(await storage.objectExists(key))) {
        const what = versionId ? `its version ${versionId} (no delete marker left)` : 'it';
        this.pass('probe-delete', `Deleted ${what}, and it is gone.`);
      } else {
        this.fail(
          'probe-delete',
          `DeleteObject${versionId ? ` of version ${versionId}` : ''} succeeded but ${uri} is still there.`,
          `Check for an object lock or retention on the bucket, then remove it: ${byHand}`,
        );
      }
    } catch (error) {
      this.fail(
        'probe-delete',
        versionId
          ? `Deleting version ${versionId} of ${uri} failed: ${describeError(error)}. The ` +
              'bucket is versioned, so the probe is deleted by version (a plain delete would ' +
              'leave it behind a delete marker).'
          : `Deleting ${uri} failed: ${describeError(error)}.`,
        `${this.accessFix(error, deleteAction, scratchArn)} Then remove the probe by hand: ${byHand}`,
        versionData,
      );
    }
  }

  private async checkVersioning(client: S3Client): Promise<void> {
    const { bucketName: bucket } = this.config!;
    const enableCommand =
      `${this.awsCli} s3api put-bucket-versioning --bucket ${bucket} ` +
      '--versioning-configuration Status=Enabled';
    const stays =
      'It stays a warning against an endpoint (--warn-only versioning is the default when ' +
      'S3_ENDPOINT is set).';
    const inTheStack = `Enable it in the bucket's stack (versioned: true) and deploy, or run: ${enableCommand}.`;
    let status: string | undefined;
    try {
      status = (await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
    } catch (error) {
      this.fail(
        'versioning',
        `GetBucketVersioning was refused: ${describeError(error)}.`,
        sdkError(error).$metadata?.httpStatusCode === 403
          ? this.accessFix(error, 's3:GetBucketVersioning', `arn:aws:s3:::${bucket}`)
          : 'The server does not report versioning: use a store that supports it for this environment.',
      );
      return;
    }
    if (status === 'Enabled') {
      this.pass('versioning', 'Versioning is enabled.');
      return;
    }
    // The S3 server the endpoint names, when it is known: from `--local`, or its Server header.
    const engine =
      this.connection.local?.engine ??
      (this.serverName && /versitygw/i.test(this.serverName) ? 'versitygw' : undefined);
    const data = { status: status ?? null, ...(engine ? { engine } : {}) };
    const never = `Versioning has never been enabled on "${bucket}"`;
    const pnpmDevOnVersitygw = 'pnpm s3:install once, then DEV_S3=versitygw pnpm dev';
    const [detail, fix] =
      status === 'Suspended'
        ? [
            'Versioning is suspended: overwritten and deleted objects cannot be recovered.',
            this.endpoint ? `Enable it again: ${enableCommand}. ${stays}` : inTheStack,
          ]
        : !this.endpoint
          ? [
              `${never}.`,
              `${inTheStack} The spec asks for versioning on production buckets to prevent data loss.`,
            ]
          : engine === 'versitygw'
            ? [
                `${never} at ${this.endpoint}, a versitygw, which can version buckets.`,
                `Enable it: ${enableCommand} (versitygw needs a versioning folder for that; the ` +
                  `one of pnpm dev, ${pnpmDevOnVersitygw}, has one and versions its bucket). ${stays}`,
              ]
            : engine === 's3rver'
              ? [
                  `${never}: pnpm dev's embedded S3 is s3rver, which cannot version buckets.`,
                  `For a local bucket that is versioned, run pnpm dev on versitygw: ${pnpmDevOnVersitygw}. ${stays}`,
                ]
              : [
                  `${never}; the server at ${this.endpoint} reports no versioning status.`,
                  `On a server that versions buckets, enable it: ${enableCommand}. pnpm dev's ` +
                    `default embedded S3, s3rver, cannot; its versitygw can: ${pnpmDevOnVersitygw}. ${stays}`,
                ];
    this.fail('versioning', detail, fix, data);
  }

  /**
   * Checks an S3 URI as `POST /illustrations/{kind}` checks the service's answer: in this bucket
   * and under the generated prefix (assertOwnS3Uri), a generated key, and stored.
   */
  private async checkS3Uri(uri: string, bucketState: BucketState | 'no-credentials') {
    const storage = this.storage!;
    const { bucketName: bucket, region } = this.config!;
    const generated = storage.keys.areaPrefix('generated');
    const shape = `${generated}{memory|subject}/{userId}/{timestamp}-{uuid}${IMAGE_EXTENSION}`;
    const writeOutputKey = `Have the service write the outputKey it is sent (${shape}) and answer with its S3 URI.`;
    const fail = (detail: string, fix: string, error?: unknown) =>
      this.fail('s3-uri', detail, fix, error === undefined ? undefined : { error: String(error) });
    let parsed: { bucket: string; key: string } | undefined;
    let key: string;
    try {
      // Parsed first, to tell a string that is no S3 URI from one of another bucket or prefix.
      parsed = parseS3Uri(uri, bucket);
      key = storage.assertOwnS3Uri(uri, { expectedPrefix: generated });
    } catch (error) {
      if (!parsed) {
        fail(`${JSON.stringify(uri)} is not an S3 URI (s3://bucket/key).`, writeOutputKey, error);
      } else if (parsed.bucket !== bucket) {
        fail(
          `${uri} is in bucket "${parsed.bucket}", not "${bucket}".`,
          `Configure the illustration-gen service with S3_BUCKET_NAME=${bucket} and ` +
            `S3_REGION=${region}: the same bucket and region as this server.`,
          error,
        );
      } else {
        fail(
          `${uri} is in this bucket but not under ${generated}: the API takes only generated ` +
            'illustrations from the service, and answers 502.',
          writeOutputKey,
          error,
        );
      }
      return;
    }
    const parsedKey = storage.keys.parseGeneratedKey(key);
    if (!parsedKey) {
      fail(
        `${uri} is under ${generated} but is not a generated key (${shape}): the API answers 502.`,
        writeOutputKey,
      );
      return;
    }
    const found = `${uri} is a generated ${parsedKey.kind} illustration of user ${JSON.stringify(parsedKey.userId)}`;
    const skipped = SKIP_REASONS[bucketState];
    if (skipped) {
      this.skip(['s3-uri'], `${found}, but whether it is stored cannot be checked: ${skipped}`);
      return;
    }
    try {
      const object = await storage.findObject(key);
      if (object) {
        this.pass('s3-uri', `${found}, stored (${object.sizeBytes} bytes): the API takes it.`);
        return;
      }
      fail(
        `${found}, but nothing is stored there: the API answers 502.`,
        `The service must write the image before it answers, to bucket ${bucket} in ${region}: ` +
          `check its S3_BUCKET_NAME and S3_REGION. ${writeOutputKey}`,
      );
    } catch (error) {
      fail(
        `${found}, but looking it up failed: ${describeError(error)}.`,
        this.accessFix(error, 's3:ListBucket', `arn:aws:s3:::${bucket}`),
        error,
      );
    }
  }
}

/**
 * Runs the checks of DOCTOR_CHECKS, in order. It never throws for a failed check: each is a
 * result with the fix.
 */
export function runDoctor(env: Environment, options: DoctorOptions = {}) {
  return new Doctor(env, options).run();
}

/**
 * The exit code of a report: 2 when the configuration does not load (nothing could be checked),
 * 1 when a check failed (or warned, with `strict`), 0 otherwise.
 */
export function doctorExitCode(report: DoctorReport): number {
  const config = report.checks.find((check) => check.id === 'config');
  return config?.status === 'fail' ? EXIT_USAGE : report.ok ? EXIT_OK : EXIT_FAILURE;
}
