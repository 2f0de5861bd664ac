/**
 * `GET /illustrations/{kind}` with 1,000 illustrations and their download URLs: the handler as
 * built (the storage package's signer) versus the same handler built on the SDK's
 * `getSignedUrl`, in the same run. Target: at most 0.25 of the time (medians of interleaved
 * rounds).
 *
 * The S3 is versitygw, a real S3 implementation (it verifies every signature), behind a proxy
 * that adds a region's round trip to each request: the listing then costs what it costs a
 * Lambda function, rather than what a fake server's file reads cost.
 *
 * Run with `pnpm --filter @autobio/functions bench` (BENCH_DELAY_MS sets the round trip,
 * BENCH_S3_DIR where versitygw keeps its data: by default in memory, where there is one).
 */
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { startLocalS3 } from '@autobio/local-s3';
import { benchDataDirectory } from '@autobio/local-s3/bench';
import { DEFAULT_PROXY_DELAY_MS, startLatencyProxy } from '@autobio/local-s3/latency-proxy';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';

const ITEMS = 1000;
const WARMUP_RUNS = 3;
const MEASURED_RUNS = 15;
const TARGET_RATIO = 0.25;
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? DEFAULT_PROXY_DELAY_MS);
const BUCKET = 'functions-bench';
const USER = 'bench-user';

// Other work on the machine slows the CPU-bound part, not the round trips: print it with the figures.
const load = () => loadavg()[0]!.toFixed(2);
const loadAtStart = load();
const directory = await benchDataDirectory();
const server = await startLocalS3({
  engine: 'versitygw',
  versioning: false,
  directory,
  buckets: [{ name: BUCKET }],
});
const proxy = await startLatencyProxy({ target: server.endpoint, delayMs: DELAY_MS });
Object.assign(process.env, {
  S3_BUCKET_NAME: BUCKET,
  S3_ENDPOINT: proxy.endpoint,
  S3_CLIENT_REGION: server.region,
  BACKEND_AWS_KEY: server.credentials.accessKeyId,
  BACKEND_AWS_SECRET: server.credentials.secretAccessKey,
  // One log line per request would time the terminal, not the handler.
  POWERTOOLS_LOG_LEVEL: 'WARN',
});
// Imported after the environment is set: the logger reads its level when it is created.
const { s3Client } = await import('@autobio/s3-storage');
const { createListIllustrationsHandler } = await import('../src/handlers/list-illustrations.ts');

function event(): APIGatewayProxyEventV2WithJWTAuthorizer {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'GET /illustrations/{kind}',
    rawPath: '/illustrations/memory',
    rawQueryString: `limit=${ITEMS}`,
    headers: { host: 'api.example.test' },
    queryStringParameters: { limit: String(ITEMS) },
    pathParameters: { kind: 'memory' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      authorizer: { jwt: { claims: { sub: USER }, scopes: null } },
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: '/illustrations/memory',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: `bench-${now.getTime()}`,
      routeKey: 'GET /illustrations/{kind}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

const context = {
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '1024',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;

try {
  process.stdout.write(`Seeding ${ITEMS} illustrations... `);
  const png = Buffer.alloc(128, 1);
  for (let start = 0; start < ITEMS; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, ITEMS - start) }, (_, i) =>
        s3Client.putObject(
          s3Client.getGeneratedKey('memory', USER, { date: new Date(1.7e12 + (start + i) * 1000) }),
          png,
          { contentType: 'image/png' },
        ),
      ),
    );
  }
  process.stdout.write('done.\n');

  // The two signers agree byte for byte at the same signing date, so the comparison is fair.
  const probeKey = s3Client.getGeneratedKey('memory', USER, { date: new Date(1.7e12) });
  const signingDate = new Date('2026-01-01T00:00:00Z');
  const ours = await s3Client.generatePresignedDownloadUrl(probeKey, {
    expiresInSeconds: 900,
    signingDate,
  });
  const sdk = await getSignedUrl(
    s3Client.getClient(),
    new GetObjectCommand({ Bucket: BUCKET, Key: probeKey }),
    { expiresIn: 900, signingDate },
  );
  if (ours !== sdk) throw new Error(`The signers disagree:\n  ${ours}\n  ${sdk}`);

  const handlers = {
    'storage signer (as built)': createListIllustrationsHandler(),
    'getSignedUrl (SDK)': createListIllustrationsHandler({
      presignDownloadUrl: (key, options) =>
        getSignedUrl(
          s3Client.getClient(),
          new GetObjectCommand({ Bucket: s3Client.getBucketName(), Key: key }),
          {
            expiresIn: options.expiresInSeconds,
            signingDate: options.signingDate,
          },
        ),
    }),
  };
  const names = Object.keys(handlers) as (keyof typeof handlers)[];
  type Measured = keyof typeof handlers | 'listing alone';
  const times: Record<Measured, number[]> = {
    'storage signer (as built)': [],
    'getSignedUrl (SDK)': [],
    'listing alone': [],
  };
  // S3 requests per call: both handlers must send the same, or the comparison is not of signers.
  const requests: Record<Measured, Set<number>> = {
    'storage signer (as built)': new Set(),
    'getSignedUrl (SDK)': new Set(),
    'listing alone': new Set(),
  };
  // The process's CPU time per call (the in-process proxy's share is small): when the machine is
  // busy, wall time grows past it, and the ratio drifts towards the ratio of CPU times.
  const cpu: Record<Measured, number[]> = {
    'storage signer (as built)': [],
    'getSignedUrl (SDK)': [],
    'listing alone': [],
  };
  const measure = async <T>(name: Measured, run: number, call: () => Promise<T>): Promise<T> => {
    globalThis.gc?.();
    const before = proxy.requests;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const value = await call();
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpuBefore);
    requests[name].add(proxy.requests - before);
    if (run >= WARMUP_RUNS) {
      times[name].push(elapsed);
      cpu[name].push((used.user + used.system) / 1000);
    }
    return value;
  };

  for (let run = 0; run < WARMUP_RUNS + MEASURED_RUNS; run += 1) {
    // Alternate which goes first, so that neither always meets a warmer server.
    for (const name of run % 2 ? [...names].reverse() : names) {
      const result = await measure(name, run, () => handlers[name](event(), context));
      const body = JSON.parse(result.body ?? '{}') as { items?: { url: string }[] };
      if (result.statusCode !== 200 || body.items?.length !== ITEMS) {
        throw new Error(
          `${name} answered ${result.statusCode} with ${body.items?.length} items: ${result.body?.slice(0, 300)}`,
        );
      }
      if (run === 0) {
        // versitygw verifies the URL's signature, so this proves the URLs work, not just parse.
        const download = await fetch(body.items[ITEMS - 1]!.url);
        if (download.status !== 200) throw new Error(`${name}'s URL answered ${download.status}.`);
      }
    }
    await measure('listing alone', run, () =>
      s3Client.listGeneratedIllustrations(USER, 'memory', { limit: ITEMS }),
    );
  }

  const fast = median(times['storage signer (as built)']);
  const slow = median(times['getSignedUrl (SDK)']);
  const listing = median(times['listing alone']);
  const ratio = fast / slow;
  const signingRatio = Math.max(0, fast - listing) / Math.max(1e-9, slow - listing);
  const spread = (name: Measured) =>
    `(${Math.min(...times[name]).toFixed(1)}-${Math.max(...times[name]).toFixed(1)})`;
  const perCall = (name: Measured) => [...requests[name]].join(' or ');
  console.log(
    `\nGET /illustrations/memory?limit=${ITEMS} on versitygw ${DELAY_MS} ms away, ` +
      `${MEASURED_RUNS} interleaved rounds (median, min-max; median CPU; S3 requests per call):`,
  );
  for (const name of [...names, 'listing alone' as const]) {
    const label = name === 'listing alone' ? 'of which the listing call' : name;
    console.log(
      `  ${label.padEnd(28)}${ms(median(times[name]))}  ${spread(name).padEnd(16)}` +
        `${ms(median(cpu[name]))} CPU  ${perCall(name)}`,
    );
  }
  console.log(
    `  requests through the proxy: ${proxy.requests} on ${proxy.connections} connections`,
  );
  console.log(`  machine load average (1 min) at start / end: ${loadAtStart} / ${load()}`);
  console.log(
    `\nHandler ratio (as built / getSignedUrl): ${ratio.toFixed(3)} (1/${(1 / ratio).toFixed(1)}); ` +
      `target <= ${TARGET_RATIO.toFixed(2)}: ${ratio <= TARGET_RATIO ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `Without the listing (signing and answer only): ${signingRatio.toFixed(3)} (1/${(1 / signingRatio).toFixed(1)})`,
  );
  if (ratio > TARGET_RATIO) {
    process.exitCode = 1;
    console.log(
      `Listing ${ITEMS} keys alone takes ${listing.toFixed(0)} ms, which no signer can remove: ` +
        `at that floor the ratio cannot go below ${(listing / slow).toFixed(2)}.`,
    );
  }
} finally {
  await proxy.stop();
  await server.stop();
  await rm(directory, { recursive: true, force: true });
}
