import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevConfig } from '../../src/config.ts';
import { type LocalStack, startLocalStack } from '../../src/local-stack.ts';

/** A local stack of a test's own: s3rver on free ports, its data in a new temporary folder. */
export interface TestStack {
  readonly stack: LocalStack;
  readonly dataDir: string;
  /** The page's port. */
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `pnpm dev`'s stack in this process, as `pnpm dev` would with these settings. */
export async function startTestStack(overrides: Partial<DevConfig> = {}): Promise<TestStack> {
  const root = await mkdtemp(join(tmpdir(), 'autobio-dev-test-'));
  const dataDir = join(root, 'data');
  const stack = await startLocalStack({
    port: 0,
    s3Port: 0,
    dataDir,
    s3Mode: 'embedded',
    s3Engine: 's3rver',
    localBucket: 'auto-bio-local',
    ...overrides,
  });
  return {
    stack,
    dataDir,
    port: Number(new URL(stack.pageUrl).port),
    async stop() {
      await stack.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
