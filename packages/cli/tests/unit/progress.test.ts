import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BarProgress,
  createProgressListener,
  formatBarLine,
  formatProgressLine,
  LineProgress,
} from '../../src/progress.ts';
import type { ProgressSnapshot } from '../../src/types/migrate.ts';
import { captureStream } from '../helpers/streams.ts';

const snapshot = (overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  dryRun: false,
  listed: 200,
  excluded: 0,
  listedBytes: 2048,
  listingDone: true,
  done: 50,
  doneBytes: 512,
  copied: 40,
  skipped: 8,
  conflicts: 1,
  refused: 0,
  failed: 1,
  verified: 0,
  verifyFailed: 0,
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

  it('shows the objects listed so far, with no percentage and the time left unknown, while listing', () => {
    const line = formatProgressLine(snapshot({ listingDone: false }));
    expect(line).toBe(
      'progress: 50 done, 200 listed so far, 512 B of 2.0 KiB+, 25.0 obj/s, ETA ?; ' +
        'copied 40, skipped 8, conflicts 1, failed 1\n',
    );
  });

  it('counts the refused objects when there are any', () => {
    expect(formatProgressLine(snapshot({ refused: 3 }))).toContain(
      'conflicts 1, refused 3, failed 1',
    );
  });
});

describe('formatBarLine', () => {
  const drawBar = (share: number) => `[${'#'.repeat(Math.round(share * 10)).padEnd(10, '.')}]`;

  it('draws no bar and no percentage while the source is still being listed', () => {
    expect(formatBarLine(snapshot({ listingDone: false }), drawBar)).toBe(
      'listing... | 50 done, 200 listed so far | 512 B/2.0 KiB+ | 25.0 obj/s | ETA ? | ' +
        'copied 40, skipped 8, conflicts 1, failed 1',
    );
  });

  it('draws the bar and the percentage of the whole once the listing is complete', () => {
    expect(formatBarLine(snapshot(), drawBar)).toBe(
      '[###.......] 25% | 50/200 objects | 512 B/2.0 KiB | 25.0 obj/s | ETA 6s | ' +
        'copied 40, skipped 8, conflicts 1, failed 1',
    );
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

/**
 * A migration's snapshots in order: objects listed page by page while copies finish, the
 * listing then complete, and the rest copied.
 */
const runOfSnapshots = fc
  .tuple(
    fc.array(fc.tuple(fc.nat({ max: 1000 }), fc.nat({ max: 1000 })), {
      minLength: 1,
      maxLength: 15,
    }),
    fc.array(fc.nat({ max: 1000 }), { maxLength: 5 }),
  )
  .map(([listingSteps, finishingSteps]) => {
    const snapshots: ProgressSnapshot[] = [];
    let listed = 0;
    let done = 0;
    const push = (listingDone: boolean) =>
      snapshots.push(
        snapshot({ listed, done, copied: done, skipped: 0, conflicts: 0, failed: 0, listingDone }),
      );
    for (const [newlyListed, newlyDone] of listingSteps) {
      listed += newlyListed;
      done = Math.min(listed, done + newlyDone);
      push(false);
    }
    for (const newlyDone of finishingSteps) {
      done = Math.min(listed, done + newlyDone);
      push(true);
    }
    done = listed;
    push(true);
    return snapshots;
  });

describe('BarProgress on a terminal, while the source is still being listed', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never shows a percentage that falls, however the listed total grows', () => {
    fc.assert(
      fc.property(runOfSnapshots, (snapshots) => {
        vi.useFakeTimers();
        const stream = captureStream(true);
        const progress = new BarProgress(stream);
        progress.start(snapshot({ listed: 0, done: 0, listingDone: false }));
        for (const next of snapshots) {
          progress.update(next);
          // Past the bar's redraw interval, so that each snapshot is drawn.
          vi.advanceTimersByTime(500);
        }
        progress.stop(snapshots.at(-1)!);
        vi.useRealTimers();
        const percentages = [...stream.text().matchAll(/(\d+)% \|/g)].map((m) => Number(m[1]));
        expect(percentages.length).toBeGreaterThan(0);
        for (let i = 1; i < percentages.length; i++) {
          expect(percentages[i]).toBeGreaterThanOrEqual(percentages[i - 1]!);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shows the objects listed so far instead of a percentage', () => {
    vi.useFakeTimers();
    const stream = captureStream(true);
    const progress = new BarProgress(stream);
    progress.start(snapshot({ listed: 1000, done: 0, listingDone: false }));
    vi.advanceTimersByTime(500);
    progress.update(snapshot({ listed: 1000, done: 940, listingDone: false }));
    vi.advanceTimersByTime(500);
    progress.update(snapshot({ listed: 1500, done: 950, listingDone: false }));
    vi.advanceTimersByTime(500);
    progress.stop(snapshot({ listed: 1500, done: 1500, listingDone: true }));
    const text = stream.text();
    expect(text).toContain('940 done, 1000 listed so far');
    expect(text).toContain('950 done, 1500 listed so far');
    expect(text).not.toMatch(/9\d% \|/);
    expect(text).toContain('100% | 1500/1500 objects');
  });
});

describe('createProgressListener', () => {
  it('draws a bar on a terminal and plain lines elsewhere', () => {
    expect(createProgressListener(captureStream(true))).toBeInstanceOf(BarProgress);
    expect(createProgressListener(captureStream(false))).toBeInstanceOf(LineProgress);
  });
});
