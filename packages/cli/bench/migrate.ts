// Objects per second migrating small objects with `autobio-storage migrate`, side by side with
// `aws s3 cp --recursive` (the AWS CLI, Debian's awscli) against the same embedded S3 server.
// Both are timed as whole processes, startup included, as an operator would run them.
//
//   pnpm bench                       (from the root: every package's bench)
//   BENCH_OBJECTS=2000 BENCH_RUNS=2 pnpm --filter @autobio/storage-cli bench
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '@autobio/local-s3';
import {
  CopyObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { MigrationReport } from '../src/index.ts';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const TARGET_RATIO = 1.5;
const WARM_UP_COPIES = 300;
const SOURCE = 'bench-source';
const CLI_BUCKET = 'bench-cli';
const AWS_BUCKET = 'bench-aws';
const BIN = fileURLToPath(new URL('../bin/autobio-storage.mjs', import.meta.url));

interface Timed {
  readonly seconds: number;
  readonly rate: number;
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** The AWS CLI to compare with: Debian's first (a pyenv shim on PATH may not work). */
function findAwsCli(): { command: string; version: string } | undefined {
  for (const command of ['/usr/bin/aws', 'aws']) {
    const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return { command, version: (probe.stdout || probe.stderr).trim() };
  }
  return undefined;
}

async function countObjects(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    count += page.KeyCount ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return count;
}

const server = await startLocalS3({
  buckets: [{ name: SOURCE }, { name: CLI_BUCKET }, { name: AWS_BUCKET }],
});
const work = await mkdtemp(join(tmpdir(), 'migrate-bench-'));
const client = new S3Client({
  region: 'us-east-1',
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: LOCAL_S3_CREDENTIALS,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

try {
  const limit = pLimit(32);
  const seeding = performance.now();
  await Promise.all(
    Array.from({ length: OBJECTS }, (_, i) =>
      limit(() =>
        client.send(
          new PutObjectCommand({
            Bucket: SOURCE,
            Key: `photos/user-${i % 50}/${String(i).padStart(5, '0')}.png`,
            Body: `small image ${i}`,
            ContentType: 'image/png',
            Metadata: { index: String(i) },
          }),
        ),
      ),
    ),
  );
  console.log(
    `Seeded ${OBJECTS} small objects in ${((performance.now() - seeding) / 1000).toFixed(1)} s ` +
      `on the embedded server at ${server.endpoint}.`,
  );

  // Warm the server up (V8 compiles its copy path on first use), so the first tool timed is
  // not the one that pays for it.
  await Promise.all(
    Array.from({ length: WARM_UP_COPIES }, (_, i) =>
      limit(() =>
        client.send(
          new CopyObjectCommand({
            Bucket: CLI_BUCKET,
            Key: `warm-up/${i}.png`,
            CopySource: `${SOURCE}/photos/user-${i % 50}/${String(i).padStart(5, '0')}.png`,
          }),
        ),
      ),
    ),
  );

  const cliEnv: NodeJS.ProcessEnv = {
    ...process.env,
    S3_BUCKET_NAME: CLI_BUCKET,
    S3_CLIENT_REGION: 'us-east-1',
    S3_ENDPOINT: server.endpoint,
    BACKEND_AWS_KEY: LOCAL_S3_CREDENTIALS.accessKeyId,
    BACKEND_AWS_SECRET: LOCAL_S3_CREDENTIALS.secretAccessKey,
  };
  const awsConfig = join(work, 'aws-config');
  await writeFile(awsConfig, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
  const awsEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const aws = findAwsCli();
  if (aws) console.log(`Comparing with ${aws.command}: ${aws.version}`);
  else {
    console.log(
      "AWS CLI not found (neither /usr/bin/aws nor aws on PATH works): install Debian's awscli " +
        '(apt-get install -y awscli) to compare. Measuring this CLI alone.',
    );
  }

  const timeCli = async (runNumber: number): Promise<Timed> => {
    const prefix = `generated/run-${runNumber}/`;
    const result = await run(
      process.execPath,
      [
        BIN,
        'migrate',
        '--from',
        `s3://${SOURCE}/photos`,
        '--to',
        prefix,
        '--json',
        '--no-progress',
      ],
      cliEnv,
    );
    const report = JSON.parse(result.stdout) as MigrationReport;
    if (result.code !== 0 || report.counts.copied !== OBJECTS) {
      throw new Error(`autobio-storage migrate failed (exit ${result.code}): ${result.stderr}`);
    }
    return { seconds: result.seconds, rate: OBJECTS / result.seconds };
  };
  const timeAws = async (command: string, runNumber: number): Promise<Timed> => {
    const prefix = `generated/run-${runNumber}/`;
    const result = await run(
      command,
      [
        '--endpoint-url',
        server.endpoint,
        's3',
        'cp',
        `s3://${SOURCE}/photos/`,
        `s3://${AWS_BUCKET}/${prefix}`,
        '--recursive',
        '--only-show-errors',
      ],
      awsEnv,
    );
    const copied = await countObjects(client, AWS_BUCKET, prefix);
    if (result.code !== 0 || copied !== OBJECTS) {
      throw new Error(`aws s3 cp failed (exit ${result.code}, ${copied} copied): ${result.stderr}`);
    }
    return { seconds: result.seconds, rate: OBJECTS / result.seconds };
  };

  const cliRuns: Timed[] = [];
  const awsRuns: Timed[] = [];
  for (let runNumber = 1; runNumber <= RUNS; runNumber++) {
    // Alternate who goes first, so neither always meets a fresher server.
    const order = runNumber % 2 === 1 ? ['cli', 'aws'] : ['aws', 'cli'];
    for (const who of order) {
      if (who === 'cli') {
        const timed = await timeCli(runNumber);
        cliRuns.push(timed);
        console.log(
          `  run ${runNumber}  autobio-storage migrate  ${timed.seconds.toFixed(2)} s  ${timed.rate.toFixed(0)} objects/s`,
        );
      } else if (aws) {
        const timed = await timeAws(aws.command, runNumber);
        awsRuns.push(timed);
        console.log(
          `  run ${runNumber}  aws s3 cp --recursive    ${timed.seconds.toFixed(2)} s  ${timed.rate.toFixed(0)} objects/s`,
        );
      }
    }
  }

  const best = (runs: readonly Timed[]) => Math.max(...runs.map((r) => r.rate));
  const cliRate = best(cliRuns);
  console.log('');
  console.log(`Migrating ${OBJECTS} small objects, best of ${RUNS} runs:`);
  console.log(`  autobio-storage migrate   ${cliRate.toFixed(0)} objects/s`);
  if (awsRuns.length > 0) {
    const awsRate = best(awsRuns);
    const ratio = cliRate / awsRate;
    console.log(`  aws s3 cp --recursive     ${awsRate.toFixed(0)} objects/s`);
    if (ratio < TARGET_RATIO) process.exitCode = 1;
    console.log(
      `  ratio                     ${ratio.toFixed(2)}x (target ${TARGET_RATIO}x: ` +
        `${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
    );
  } else {
    console.log('  aws s3 cp --recursive     not measured: the AWS CLI is not installed');
  }
} finally {
  client.destroy();
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
