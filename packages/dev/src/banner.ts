import type { LocalStack } from './local-stack.ts';

/** What the start-up lines read of the running stack. */
export type BannerStack = Pick<LocalStack, 'pageUrl' | 'apiUrl' | 'bucket' | 's3' | 'seededStubs'>;

/** What each embedded S3 is, in the words of the `s3` line. */
const ENGINE_NAMES = {
  s3rver: 's3rver',
  versitygw: 'versitygw (the Versity S3 Gateway, versioned)',
} as const;

/**
 * The lines `pnpm dev` prints once it runs: what runs where, and for s3rver what it does not
 * check, so nobody takes an upload it stored for one S3 would have accepted.
 */
export function startBanner(
  stack: BannerStack,
  details: { readonly illustrationGenMode: string; readonly readyInMs: number },
): string[] {
  const s3 = stack.s3
    ? [
        `  s3        ${ENGINE_NAMES[stack.s3.engine]} at ${stack.s3.endpoint}  bucket ${stack.bucket}, data in ${stack.s3.directory}`,
        ...(stack.s3.engine === 's3rver'
          ? [
              '  note      s3rver checks no signatures, POST policies, versions or conditional writes; ' +
                'for a server that does: pnpm s3:install && DEV_S3=versitygw pnpm dev',
            ]
          : []),
      ]
    : [`  s3        the real bucket ${stack.bucket} (S3_BUCKET_NAME)`];
  return [
    '',
    'AutoBio storage is running locally',
    `  page      ${stack.pageUrl}`,
    `  api       ${stack.apiUrl}  (sign in with: Authorization: Bearer dev-user:<userId>)`,
    ...s3,
    `  stubs     ${stack.seededStubs.length > 0 ? `seeded ${stack.seededStubs.join(', ')}` : 'already in the bucket'}`,
    `  mode      illustration-gen ${details.illustrationGenMode}`,
    `ready in ${details.readyInMs} ms. Press Ctrl-C to stop.`,
    '',
  ];
}
