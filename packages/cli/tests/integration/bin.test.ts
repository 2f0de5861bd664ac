import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/types/doctor.ts';
import type { MigrationReport } from '../../src/types/migrate.ts';
import { SOURCE_BUCKET, seed, startTestS3, type TestS3 } from '../helpers/local-s3.ts';
import { BIN, REPO_ROOT, runBin, spawnCli } from '../helpers/run-cli.ts';

let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
  await seed(s3.client, SOURCE_BUCKET, [{ key: 'old/a.png', body: 'a', contentType: 'image/png' }]);
});
afterAll(async () => {
  await s3?.stop();
});

async function pnpmStorage(args: readonly string[], env: Record<string, string>) {
  const run = spawnCli('pnpm', ['-s', 'storage', ...args], env, REPO_ROOT);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('the autobio-storage command', { timeout: 30_000 }, () => {
  it('shows its help from any directory', async () => {
    const result = await runBin(['--help'], {}, tmpdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: autobio-storage');
    expect(result.stderr).toBe('');
  });

  it('runs doctor as `pnpm storage doctor` from the repository root', async () => {
    const result = await pnpmStorage(['doctor', '--json'], s3.env());
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as DoctorReport).ok).toBe(true);
  });

  it('runs a dry-run migration as `pnpm storage migrate` from the repository root', async () => {
    const result = await pnpmStorage(
      [
        'migrate',
        '--from',
        `s3://${SOURCE_BUCKET}/old`,
        '--to',
        'generated',
        '--allow-unlisted',
        '--dry-run',
        '--json',
      ],
      s3.env(),
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as MigrationReport;
    expect(report.plan).toEqual([
      expect.objectContaining({
        sourceKey: 'old/a.png',
        destinationKey: 'generated/a.png',
        action: 'copy',
      }),
    ]);
  });

  it('stops on Ctrl-C (SIGINT) with exit code 130 and a report', async () => {
    await seed(
      s3.client,
      SOURCE_BUCKET,
      Array.from({ length: 400 }, (_, i) => ({ key: `sigint/${i}.png`, body: String(i) })),
    );
    const run = spawnCli(
      process.execPath,
      [
        BIN,
        'migrate',
        '--from',
        `s3://${SOURCE_BUCKET}/sigint`,
        '--to',
        'stubs',
        '--concurrency',
        '2',
        '--json',
      ],
      s3.env(),
      tmpdir(),
    );
    const deadline = Date.now() + 20_000;
    while (!/^progress: [1-9]/m.test(run.stderr()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const report = JSON.parse(run.stdout()) as MigrationReport;
    expect(report.interrupted).toBe(true);
    expect(report.counts.copied).toBeGreaterThan(0);
    expect(report.counts.copied).toBeLessThan(400);
    expect(run.stderr()).toContain('Interrupted: finishing the copies in flight');
  });
});
