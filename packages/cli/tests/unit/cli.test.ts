import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-cli.ts';

const env = { S3_BUCKET_NAME: 'auto-bio-illustrations' };

describe('runCli', () => {
  it('lists both commands and the configuration variables in --help', async () => {
    const result = await runCommand(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: autobio-storage \[options\] \[command\]/);
    expect(result.stdout).toMatch(/^ {2}doctor /m);
    expect(result.stdout).toMatch(/^ {2}migrate /m);
    expect(result.stdout).toContain('S3_BUCKET_NAME');
    expect(result.stdout).toContain('Exit codes: 0 all good, 1 something failed, 2 bad usage');
  });

  it('documents every option of migrate in its --help', async () => {
    const result = await runCommand(['migrate', '--help'], env);
    expect(result.code).toBe(0);
    for (const option of [
      '--from <s3-uri>',
      '--to <area-or-prefix>',
      '--dry-run',
      '--overwrite',
      '--verify',
      '--concurrency <n>',
      '--max-attempts <n>',
      '--page-size <n>',
      '--from-region <region>',
      '--include <glob>',
      '--exclude <glob>',
      '--allow-unlisted',
      '--json',
      '--no-progress',
      '--local',
      '--endpoint-url <url>',
      '--region <region>',
      '--profile <name>',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('documents every option of doctor in its --help', async () => {
    const result = await runCommand(['doctor', '--help'], env);
    expect(result.code).toBe(0);
    for (const option of [
      '--json',
      '--s3-uri <uri>',
      '--probe-area <area>',
      '--warn-only <checks>',
      '--strict',
      '--local',
      '--endpoint-url <url>',
      '--region <region>',
      '--profile <name>',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('prints the version', async () => {
    const result = await runCommand(['--version'], env);
    expect(result).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('exits 2 when a required option is missing', async () => {
    const result = await runCommand(['migrate', '--to', 'generated'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: required option '--from <s3-uri>' not specified");
  });

  it.each([
    ['--concurrency', '0', 'Use a whole number from 1 to 512.'],
    ['--concurrency', '1e3', 'Use a whole number from 1 to 512.'],
    ['--page-size', '1001', 'Use a whole number from 1 to 1000.'],
    ['--max-attempts', '2.5', 'Use a whole number from 1 to 20.'],
  ])('exits 2 for %s %s, which is not a whole number in range', async (option, value, fix) => {
    const result = await runCommand(
      ['migrate', '--from', 's3://old', '--to', 'generated', option, value],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fix);
  });

  it('exits 2 for an unknown check in --warn-only', async () => {
    const result = await runCommand(['doctor', '--warn-only', 'versioning,colour'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown check colour');
  });

  it('exits 2 for a probe area outside the layout', async () => {
    const result = await runCommand(['doctor', '--probe-area', 'tmp'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are subjects, avatars, generated/);
  });

  it('exits 2 for an unknown command', async () => {
    const result = await runCommand(['repair'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'repair'");
  });

  it('exits 2 for a source that is not an S3 URI, before any request', async () => {
    const result = await runCommand(['migrate', '--from', 'old-bucket', '--to', 'generated'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --from "old-bucket" cannot be used: give an S3 URI');
  });
});
