// Objects per second migrating small objects with `autobio-storage migrate`, side by side with
// `aws s3 cp --recursive` (the AWS CLI), each with its defaults. Target: at least 3x the AWS
// CLI's rate, in one run. Both are timed as whole processes, startup included, as an operator
// would run them.
//
// The S3 is versitygw, a real S3 implementation, behind a proxy that adds a region's round trip
// to every request: what a tool gains from sending its requests at once is then measured, not
// how fast a local server copies a file.
//
//   pnpm bench                       (from the root: every package's bench)
//   BENCH_OBJECTS=2000 BENCH_RUNS=2 BENCH_DELAY_MS=20 pnpm --filter @autobio/storage-cli bench
//   BENCH_SLOWDOWN_SHARE=0.05 ...    (then also one migrate whose proxy answers that share of
//                                     requests with 503 SlowDown: it must still copy everything)
//   BENCH_S3_DIR=...                 (where versitygw keeps its data; default: memory, if any)
//
// The AWS CLI is `aws` on PATH, or the one AWS_CLI names.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalS3 } from '@autobio/local-s3';
import { benchDataDirectory } from '@autobio/local-s3/bench';
import {
  DEFAULT_PROXY_DELAY_MS,
  type LatencyProxy,
  startLatencyProxy,
} from '@autobio/local-s3/latency-proxy';
import {
  CopyObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { DEFAULT_CONCURRENCY } from '../src/constants.ts';
import type { MigrationReport } from '../src/types/migrate.ts';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? DEFAULT_PROXY_DELAY_MS);
const SLOWDOWN_SHARE = Number(process.env.BENCH_SLOWDOWN_SHARE ?? 0);
const TARGET_RATIO = 3;
/** The AWS CLI's default `max_concurrent_requests`. */
const AWS_CLI_CONCURRENCY = 10;
const WARM_UP_COPIES = 300;
const SOURCE = 'bench-source';
const CLI_BUCKET = 'bench-cli';
const AWS_BUCKET = 'bench-aws';
const BIN = fileURLToPath(new URL('../bin/autobio-storage.mjs', import.meta.url));
const execFileAsync = promisify(execFile);
const sourceKey = (i: number) => `photos/user-${i % 50}/${String(i).padStart(5, '0')}.png`;

/**
 * CPU seconds of this process's finished children (Linux's /proc, in its fixed 100 ticks a
 * second): both tools are whole processes, so the difference around a run is what it used.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // cutime and cstime, the 16th and 17th fields; the 3rd is the first after the name.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs a whole process to its end: its exit code (`null` when it could not run) and output. */
async function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  const started = performance.now();
  const result = await execFileAsync(command, args, { env, maxBuffer: 256 * 1024 ** 2 }).then(
    ({ stdout, stderr }) => ({ code: 0 as number | null, stdout, stderr }),
    (error: { code?: unknown; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : null,
      stdout: error.stdout ?? '',
      stderr: error.stderr || String(error),
    }),
  );
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

/** The AWS CLI to compare with: the one AWS_CLI names, else `aws` on PATH. */
function findAwsCli(): { command: string; version: string } | undefined {
  const command = process.env.AWS_CLI?.trim() || 'aws';
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return probe.status === 0
    ? { command, version: (probe.stdout || probe.stderr).trim() }
    : undefined;
}

async function countObjects(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    count += page.KeyCount ?? 0;
  }
  return count;
}

/**
 * Runs `tool`, which says how many seconds it took, and reports the requests it sent through
 * `proxy` meanwhile (in all, by method, and on how many connections), the CPU seconds of the
 * tool's processes where the system tells (Linux), and those of this process: the proxy's work.
 */
async function throughProxy(proxy: LatencyProxy, tool: () => Promise<number>) {
  const before = {
    requests: proxy.requests,
    byMethod: proxy.requestsByMethod,
    connections: proxy.connections,
    slowDowns: proxy.slowDowns,
  };
  const childrenBefore = childrenCpuSeconds();
  const selfBefore = process.cpuUsage();
  const seconds = await tool();
  const self = process.cpuUsage(selfBefore);
  const childrenAfter = childrenCpuSeconds();
  const byMethod = Object.fromEntries(
    Object.entries(proxy.requestsByMethod).map(([method, count]) => [
      method,
      count - (before.byMethod[method] ?? 0),
    ]),
  );
  return {
    seconds,
    rate: OBJECTS / seconds,
    requests: proxy.requests - before.requests,
    byMethod,
    connections: proxy.connections - before.connections,
    slowDowns: proxy.slowDowns - before.slowDowns,
    toolCpuSeconds:
      childrenBefore === undefined || childrenAfter === undefined
        ? undefined
        : childrenAfter - childrenBefore,
    proxyCpuSeconds: (self.user + self.system) / 1e6,
  };
}

type Timed = Awaited<ReturnType<typeof throughProxy>>;

const describeCpu = (timed: Timed) =>
  `CPU: tool ${
    timed.toolCpuSeconds === undefined
      ? 'unknown'
      : `${timed.toolCpuSeconds.toFixed(2)} s (${((timed.toolCpuSeconds / OBJECTS) * 1000).toFixed(2)} ms/object)`
  }, proxy ${((timed.proxyCpuSeconds / timed.requests) * 1000).toFixed(2)} ms/request`;

const describeRequests = (timed: Timed) =>
  `${timed.requests} requests (${Object.entries(timed.byMethod)
    .filter(([, count]) => count > 0)
    .map(([method, count]) => `${count} ${method}`)
    .join(', ')}) on ${timed.connections} connections`;

const aws = findAwsCli();
if (!aws) {
  const tried = process.env.AWS_CLI?.trim()
    ? `AWS_CLI=${process.env.AWS_CLI.trim()} does not run`
    : 'no `aws` on PATH, AWS_CLI unset';
  console.log(
    `The AWS CLI, the baseline of this bench, is not installed (${tried}). Install it from ` +
      'PyPI with `pip install awscli` (or `pip install --user awscli`, or into a virtual ' +
      'environment), then rerun, or set AWS_CLI to an `aws` executable.',
  );
  process.exit(1);
}

// Other work on the machine slows the CPU-bound part, not the round trips: print it with the figures.
const load = () => loadavg()[0]!.toFixed(2);
const loadAtStart = load();
const directory = await benchDataDirectory();
const server = await startLocalS3({
  engine: 'versitygw',
  versioning: false,
  directory,
  buckets: [{ name: SOURCE }, { name: CLI_BUCKET }, { name: AWS_BUCKET }],
});
const proxy = await startLatencyProxy({ target: server.endpoint, delayMs: DELAY_MS });
const work = await mkdtemp(join(tmpdir(), 'migrate-bench-'));
const clientAt = (endpoint: string) =>
  new S3Client({
    region: server.region,
    endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
// Seeding and checking talk to the server directly: only the tools pay the round trip.
const client = clientAt(server.endpoint);
const throttled =
  SLOWDOWN_SHARE > 0
    ? await startLatencyProxy({
        target: server.endpoint,
        delayMs: DELAY_MS,
        slowDownShare: SLOWDOWN_SHARE,
      })
    : undefined;

try {
  const limit = pLimit(32);
  const times = (count: number, task: (i: number) => Promise<unknown>) =>
    Promise.all(Array.from({ length: count }, (_, i) => limit(() => task(i))));
  const seeding = performance.now();
  await times(OBJECTS, (i) =>
    client.send(
      new PutObjectCommand({
        Bucket: SOURCE,
        Key: sourceKey(i),
        Body: `small image ${i}`,
        ContentType: 'image/png',
        Metadata: { index: String(i) },
      }),
    ),
  );
  console.log(
    `Seeded ${OBJECTS} small objects in ${((performance.now() - seeding) / 1000).toFixed(1)} s ` +
      `on versitygw at ${server.endpoint}; the tools reach it through a proxy adding ` +
      `${DELAY_MS} ms per request.`,
  );

  // The first copies warm the server's caches and compile the proxy's code, through the proxy:
  // neither tool timed should pay for them.
  const warmUpClient = clientAt(proxy.endpoint);
  try {
    await times(WARM_UP_COPIES, (i) =>
      warmUpClient.send(
        new CopyObjectCommand({
          Bucket: CLI_BUCKET,
          Key: `warm-up/${i}.png`,
          CopySource: `${SOURCE}/${sourceKey(i)}`,
        }),
      ),
    );
  } finally {
    warmUpClient.destroy();
  }

  const cliEnv = (endpoint: string): NodeJS.ProcessEnv => ({
    ...process.env,
    S3_BUCKET_NAME: CLI_BUCKET,
    S3_CLIENT_REGION: server.region,
    S3_ENDPOINT: endpoint,
    BACKEND_AWS_KEY: server.credentials.accessKeyId,
    BACKEND_AWS_SECRET: server.credentials.secretAccessKey,
  });
  const awsConfig = join(work, 'aws-config');
  await writeFile(
    awsConfig,
    `[default]\nregion = ${server.region}\ns3 =\n  addressing_style = path\n`,
  );
  const awsEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: server.region,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  console.log(`Comparing with ${aws.command}: ${aws.version}`);

  const migrate = async (endpoint: string, prefix: string) => {
    const result = await run(
      process.execPath,
      [
        BIN,
        'migrate',
        '--from',
        `s3://${SOURCE}/photos`,
        '--to',
        prefix,
        // The bench's keys are no route's: it measures copying.
        '--allow-unlisted',
        '--json',
        '--no-progress',
      ],
      cliEnv(endpoint),
    );
    let report: MigrationReport | undefined;
    try {
      report = JSON.parse(result.stdout) as MigrationReport;
    } catch {
      // Reported below with the exit code and stderr.
    }
    if (result.code !== 0 || report?.counts.copied !== OBJECTS) {
      throw new Error(
        `autobio-storage migrate failed (exit ${result.code}, ${report?.counts.copied} copied): ` +
          `${result.stderr}${JSON.stringify(report?.failures.slice(0, 3) ?? [])}`,
      );
    }
    return result.seconds;
  };
  const timeCli = (runNumber: number) =>
    throughProxy(proxy, () => migrate(proxy.endpoint, `generated/run-${runNumber}/`));
  const timeAws = async (runNumber: number) => {
    const prefix = `generated/run-${runNumber}/`;
    let failure: string | undefined;
    const timed = await throughProxy(proxy, async () => {
      const result = await run(
        aws.command,
        [
          '--endpoint-url',
          proxy.endpoint,
          's3',
          'cp',
          `s3://${SOURCE}/photos/`,
          `s3://${AWS_BUCKET}/${prefix}`,
          '--recursive',
          '--only-show-errors',
        ],
        awsEnv,
      );
      if (result.code !== 0) failure = `exit ${result.code}: ${result.stderr}`;
      return result.seconds;
    });
    // Counted after the timing, directly on the server: not the tool's work.
    const copied = await countObjects(client, AWS_BUCKET, prefix);
    if (failure || copied !== OBJECTS) {
      throw new Error(`aws s3 cp failed (${copied} copied): ${failure ?? 'exit 0'}`);
    }
    return timed;
  };

  const cliRuns: Timed[] = [];
  const awsRuns: Timed[] = [];
  for (let runNumber = 1; runNumber <= RUNS; runNumber++) {
    // Alternate who goes first, so neither always meets a fresher server.
    const order = runNumber % 2 === 1 ? ['cli', 'aws'] : ['aws', 'cli'];
    for (const who of order) {
      const timed = who === 'cli' ? await timeCli(runNumber) : await timeAws(runNumber);
      (who === 'cli' ? cliRuns : awsRuns).push(timed);
      const name = who === 'cli' ? 'autobio-storage migrate' : 'aws s3 cp --recursive  ';
      console.log(
        `  run ${runNumber}  ${name}  ${timed.seconds.toFixed(2)} s  ` +
          `${timed.rate.toFixed(0).padStart(5)} objects/s  ${describeRequests(timed)}\n` +
          `                                   ${describeCpu(timed)}`,
      );
    }
  }

  const best = (runs: readonly Timed[]) => Math.max(...runs.map((r) => r.rate));
  const cliRate = best(cliRuns);
  const awsRate = best(awsRuns);
  const ratio = cliRate / awsRate;
  console.log('');
  console.log(`Migrating ${OBJECTS} small objects ${DELAY_MS} ms away, best of ${RUNS} runs each:`);
  console.log(`  autobio-storage migrate   ${cliRate.toFixed(0).padStart(5)} objects/s`);
  console.log(`  aws s3 cp --recursive     ${awsRate.toFixed(0).padStart(5)} objects/s`);
  console.log(
    `  ratio                     ${ratio.toFixed(2)}x (target ${TARGET_RATIO}x: ` +
      `${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); per run: ` +
      cliRuns.map((c, i) => `${(c.rate / awsRuns[i]!.rate).toFixed(2)}x`).join(', '),
  );
  console.log(`  machine load average (1 min) at start / end: ${loadAtStart} / ${load()}`);
  if (ratio < TARGET_RATIO) {
    process.exitCode = 1;
    // What bounds each tool: round trips (requests in flight / delay) or its own CPU.
    const bound = (name: string, runs: readonly Timed[], inFlight: number) => {
      const fastest = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
      const share =
        fastest.toolCpuSeconds === undefined
          ? 'its CPU time is unknown here'
          : `it used ${((fastest.toolCpuSeconds / OBJECTS) * 1000).toFixed(2)} ms of CPU per ` +
            `object, ${((fastest.toolCpuSeconds / fastest.seconds) * 100).toFixed(0)}% of a core while it ran`;
      console.log(
        `  ${name}: ${inFlight} requests in flight allow ${((inFlight * 1000) / DELAY_MS).toFixed(0)} ` +
          `objects/s at ${DELAY_MS} ms each; ${share}.`,
      );
    };
    console.log('Where the time went:');
    bound('autobio-storage migrate', cliRuns, DEFAULT_CONCURRENCY);
    bound('aws s3 cp --recursive', awsRuns, AWS_CLI_CONCURRENCY);
  }

  if (throttled) {
    const timed = await throughProxy(throttled, () =>
      migrate(throttled.endpoint, 'generated/slow-down/'),
    );
    console.log(
      `\nWith ${(SLOWDOWN_SHARE * 100).toFixed(1)}% of requests answered 503 SlowDown: all ` +
        `${OBJECTS} copied in ${timed.seconds.toFixed(2)} s (${timed.rate.toFixed(0)} objects/s), ` +
        `${timed.slowDowns} SlowDown answers retried; ${describeRequests(timed)}.`,
    );
  }
} finally {
  client.destroy();
  await throttled?.stop();
  await proxy.stop();
  await server.stop();
  await rm(work, { recursive: true, force: true });
  await rm(directory, { recursive: true, force: true });
}
