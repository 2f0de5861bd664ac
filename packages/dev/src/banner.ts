import { relative } from 'node:path';
import { REPO_ROOT } from './config.ts';
import { connectionFiles, exportLines, shellQuote } from './connection.ts';
import { API_BASE_PATH, DEV_TOKEN_PREFIX } from './constants.ts';
import type { LoadedEnvFile } from './env-file.ts';
import type { LocalStack } from './local-stack.ts';

/** What the start-up lines read of the running stack. */
export type BannerStack = Pick<
  LocalStack,
  | 'pageUrl'
  | 'apiUrl'
  | 'bucket'
  | 's3'
  | 'seededStubs'
  | 'connection'
  | 'illustrationGen'
  | 'watchDirs'
  | 'exposedOn'
  | 'replacedVariables'
>;

/** What each embedded S3 is, in the words of the `s3` line. */
const ENGINE_NAMES = {
  s3rver: 's3rver',
  versitygw: 'versitygw (the Versity S3 Gateway, versioned)',
} as const;

function row(label: string, text: string): string {
  return `  ${label.padEnd(9)} ${text}`;
}

function generateLine(stack: BannerStack): string {
  const gen = stack.illustrationGen;
  if (gen.fake === 'foreign-bucket') {
    return `the fake illustration-gen at ${gen.url}, answering images in another bucket: generate answers 502 ForeignBucket`;
  }
  if (gen.fake)
    return `service mode, the fake illustration-gen at ${gen.url} (DEV_ILLUSTRATION_GEN=fake)`;
  if (gen.mode === 'service') return `service mode, the illustration-gen service at ${gen.url}`;
  return 'stub mode: copies of the stub images (DEV_ILLUSTRATION_GEN=fake runs the service contract)';
}

/**
 * The lines `pnpm dev` prints once it runs: what runs where; for s3rver what it does not check,
 * so nobody takes an upload it stored for one S3 would have accepted; and, for the embedded S3,
 * the settings that point the storage CLI or the AWS CLI at it (the local server's own keys).
 */
export function startBanner(
  stack: BannerStack,
  details: { readonly readyInMs: number; readonly envFile?: LoadedEnvFile | undefined },
): string[] {
  const lines = [
    '',
    'AutoBio storage is running locally',
    row('page', stack.pageUrl),
    row(
      'api',
      `${stack.apiUrl}  (sign in with: Authorization: Bearer ${DEV_TOKEN_PREFIX}<userId>)`,
    ),
    row('openapi', `${stack.pageUrl}${API_BASE_PATH}/openapi.json`),
  ];
  if (stack.s3) {
    lines.push(
      row(
        's3',
        `${ENGINE_NAMES[stack.s3.engine]} at ${stack.s3.endpoint}  bucket ${stack.bucket}, region ${stack.s3.region}`,
      ),
      row('data', stack.s3.directory),
    );
    if (stack.s3.engine === 's3rver') {
      lines.push(
        row(
          'note',
          's3rver checks no signatures, POST policies, versions or conditional writes; ' +
            'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
        ),
      );
    }
  } else {
    lines.push(row('s3', `the real bucket ${stack.bucket} (S3_BUCKET_NAME)`));
  }
  lines.push(
    row(
      'stubs',
      stack.seededStubs.length > 0
        ? `seeded ${stack.seededStubs.join(', ')}`
        : 'already in the bucket',
    ),
    row('generate', generateLine(stack)),
  );
  if (stack.watchDirs.length > 0) {
    lines.push(
      row(
        'watch',
        `the handlers reload on changes to ${stack.watchDirs.map((dir) => relative(REPO_ROOT, dir)).join(', ')}`,
      ),
    );
  }
  if (details.envFile && details.envFile.loaded.length + details.envFile.overridden.length > 0) {
    const inCwd = relative(process.cwd(), details.envFile.path);
    const file = inCwd && !inCwd.startsWith('..') ? inCwd : details.envFile.path;
    const kept =
      details.envFile.overridden.length > 0
        ? `; the environment's own ${details.envFile.overridden.join(', ')} won`
        : '';
    lines.push(row('env', `${file}: ${details.envFile.loaded.join(', ') || 'nothing new'}${kept}`));
  }
  if (stack.replacedVariables.length > 0) {
    lines.push(
      row(
        'note',
        `the embedded S3 replaced ${stack.replacedVariables.join(', ')} of your environment; ` +
          'set S3_BUCKET_NAME to use a real bucket with them',
      ),
    );
  }
  if (stack.exposedOn) {
    lines.push(
      row(
        'warning',
        `listening on ${stack.exposedOn}: anyone who reaches this machine can sign in as any user ` +
          'with a dev token. Use it on networks you trust.',
      ),
    );
  }
  if (stack.connection) {
    const files = connectionFiles(stack.connection.dataDir);
    lines.push(
      '',
      `  For pnpm storage or the AWS CLI on this S3 (also in ${files.env}):`,
      ...exportLines(stack.connection).map((line) => `    ${line}`),
      `    aws --endpoint-url ${shellQuote(stack.connection.endpoint)} s3 ls s3://${stack.connection.bucket}/stubs/`,
    );
  }
  lines.push('', `ready in ${details.readyInMs} ms. Press Ctrl-C to stop.`, '');
  return lines;
}
