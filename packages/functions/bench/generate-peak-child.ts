// Runs in a fresh process, so that the peaks it reports belong to one `POST /illustrations/{kind}`
// of the handler as built: the subject image read from S3, the request body built, and sent.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { handler } from '../src/handlers/generate-illustration.ts';

const [warmUser = '', user = ''] = process.argv.slice(2);

function event(sub: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /illustrations/{kind}',
    rawPath: '/illustrations/memory',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { kind: 'memory' },
    body: JSON.stringify({ prompt: 'a lighthouse at dusk' }),
    isBase64Encoded: false,
    requestContext: {
      requestId: `bench-${sub}`,
      authorizer: { jwt: { claims: { sub }, scopes: null } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const context = {
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 29_000,
} as unknown as Context;

const invoke = async (sub: string) => {
  const result = await handler(event(sub), context);
  if (result.statusCode !== 201)
    throw new Error(`the handler answered ${result.statusCode}: ${result.body}`);
};

// Warm up: load every module and open the connections, then settle the heap.
await invoke(warmUser);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
gc();
gc();
// What the JavaScript runtime holds: its heap plus memory outside it (buffers, external strings).
const held = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};
const heldBefore = held();
let heldPeak = heldBefore;
const sampler = setInterval(() => {
  heldPeak = Math.max(heldPeak, held());
}, 1);
const before = process.memoryUsage().rss;
const peakBefore = process.resourceUsage().maxRSS * 1024;
const started = performance.now();
await invoke(user);
const handlerMs = performance.now() - started;
heldPeak = Math.max(heldPeak, held());
clearInterval(sampler);
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({ before, peakBefore, peak, heldGrowth: heldPeak - heldBefore, handlerMs })}\n`,
);
