import { describe, expect, it } from 'vitest';
import {
  BarProgress,
  createProgressListener,
  formatProgressLine,
  LineProgress,
} from '../../src/progress.ts';
import type { ProgressSnapshot } from '../../src/types/migrate.ts';
import { captureStream } from '../helpers/streams.ts';

const snapshot = (overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  dryRun: false,
  listed: 200,
  listedBytes: 2048,
  listingDone: true,
  done: 50,
  doneBytes: 512,
  copied: 40,
  skipped: 8,
  conflicts: 1,
  failed: 1,
  elapsedMs: 2000,
  ...overrides,
});

describe('formatProgressLine', () => {
  it('shows counts, bytes, rate and time left', () => {
    expect(formatProgressLine(snapshot())).toBe(
      'progress: 50/200 objects (25%), 512 B of 2.0 KiB, 25.0 obj/s, ETA 6s; ' +
        'copied 40, skipped 8, conflicts 1, failed 1\n',
    );
  });

  it('counts objects to copy, not copied, in a dry run', () => {
    expect(formatProgressLine(snapshot({ dryRun: true }))).toContain('; to copy 40, skipped 8');
  });

  it('marks the total as growing and the time left as unknown while listing', () => {
    const line = formatProgressLine(snapshot({ listingDone: false }));
    expect(line).toContain('50/200+ objects,');
    expect(line).toContain('ETA ?');
  });
});

describe('LineProgress', () => {
  it('writes at most one line per interval, and a last line at the end', () => {
    const stream = captureStream();
    const progress = new LineProgress(stream, 1000);
    progress.start(snapshot({ elapsedMs: 0, done: 0 }));
    progress.update(snapshot({ elapsedMs: 400, done: 10 }));
    progress.update(snapshot({ elapsedMs: 1100, done: 20 }));
    progress.update(snapshot({ elapsedMs: 1500, done: 30 }));
    progress.stop(snapshot({ elapsedMs: 1600, done: 200, listed: 200 }));
    const lines = stream.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^progress: 20\/200 objects/);
    expect(lines[1]).toMatch(/^progress: 200\/200 objects \(100%\)/);
  });
});

describe('BarProgress', () => {
  it('draws a bar with the counts on a terminal', () => {
    const stream = captureStream(true);
    const progress = new BarProgress(stream);
    progress.start(snapshot({ done: 0, elapsedMs: 0 }));
    progress.stop(snapshot({ done: 200, copied: 190, doneBytes: 2048 }));
    const text = stream.text();
    expect(text).toContain('100% | 200/200 objects | 2.0 KiB/2.0 KiB');
    expect(text).toContain('copied 190, skipped 8, conflicts 1, failed 1');
  });
});

describe('createProgressListener', () => {
  it('draws a bar on a terminal and plain lines elsewhere', () => {
    expect(createProgressListener(captureStream(true))).toBeInstanceOf(BarProgress);
    expect(createProgressListener(captureStream(false))).toBeInstanceOf(LineProgress);
  });
});
