import cliProgress from 'cli-progress';
import { PROGRESS_LINE_INTERVAL_MS } from './constants.ts';
import { formatBytes, formatDuration, formatRate } from './format.ts';
import type { OutputStream } from './types/context.ts';
import type { ProgressListener, ProgressSnapshot } from './types/migrate.ts';

/** Objects per second and the time left, from a snapshot. */
export function progressFigures(snapshot: ProgressSnapshot): {
  readonly rate: number;
  readonly etaMs: number | undefined;
} {
  const seconds = snapshot.elapsedMs / 1000;
  const rate = seconds > 0 ? snapshot.done / seconds : 0;
  const left = snapshot.listed - snapshot.done;
  // While the source is still being listed, the total (and so the time left) is unknown.
  const etaMs = !snapshot.listingDone
    ? undefined
    : left === 0
      ? 0
      : rate > 0
        ? (left / rate) * 1000
        : undefined;
  return { rate, etaMs };
}

/** The time left in whole seconds: `0s`, `<1s`, `42s`, `3m 05s`; `?` while unknown. */
function formatEta(etaMs: number | undefined): string {
  if (etaMs === undefined) return '?';
  if (etaMs === 0) return '0s';
  return etaMs < 1000 ? '<1s' : formatDuration(etaMs);
}

/** One plain progress line, for logs: counts, bytes, rate and time left. */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const { rate, etaMs } = progressFigures(snapshot);
  const total = snapshot.listingDone ? String(snapshot.listed) : `${snapshot.listed}+`;
  const percent =
    snapshot.listingDone && snapshot.listed > 0
      ? ` (${Math.floor((snapshot.done / snapshot.listed) * 100)}%)`
      : '';
  const bytes = `${formatBytes(snapshot.doneBytes)} of ${formatBytes(snapshot.listedBytes)}${snapshot.listingDone ? '' : '+'}`;
  const eta = formatEta(etaMs);
  return (
    `progress: ${snapshot.done}/${total} objects${percent}, ${bytes}, ${formatRate(rate)} obj/s, ` +
    `ETA ${eta}; ${snapshot.dryRun ? 'to copy' : 'copied'} ${snapshot.copied}, skipped ${snapshot.skipped}, ` +
    `conflicts ${snapshot.conflicts}, failed ${snapshot.failed}\n`
  );
}

/** Plain lines at an interval (and one at the end), for a log or a pipe. */
export class LineProgress implements ProgressListener {
  private lastLineAt = Number.NEGATIVE_INFINITY;

  public constructor(
    private readonly stream: OutputStream,
    private readonly intervalMs = PROGRESS_LINE_INTERVAL_MS,
  ) {}

  public start(snapshot: ProgressSnapshot): void {
    this.lastLineAt = snapshot.elapsedMs;
  }

  public update(snapshot: ProgressSnapshot): void {
    if (snapshot.elapsedMs - this.lastLineAt < this.intervalMs) return;
    this.lastLineAt = snapshot.elapsedMs;
    this.stream.write(formatProgressLine(snapshot));
  }

  public stop(snapshot: ProgressSnapshot): void {
    this.stream.write(formatProgressLine(snapshot));
  }
}

/** A progress bar redrawn in place, for a terminal. */
export class BarProgress implements ProgressListener {
  private readonly bar: cliProgress.SingleBar;

  public constructor(stream: OutputStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format:
          '{bar} {percentage}% | {value}/{totalLabel} objects | {bytes} | {rate} obj/s | ' +
          'ETA {etaLabel} | {copiedLabel} {copied}, skipped {skipped}, conflicts {conflicts}, failed {failed}',
        barsize: 20,
        fps: 10,
        hideCursor: true,
        clearOnComplete: false,
        // The total grows while the source is listed: keep drawing until stop().
        stopOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  public start(snapshot: ProgressSnapshot): void {
    this.bar.start(Math.max(snapshot.listed, 1), snapshot.done, this.payload(snapshot));
  }

  public update(snapshot: ProgressSnapshot): void {
    this.bar.setTotal(Math.max(snapshot.listed, 1));
    this.bar.update(snapshot.done, this.payload(snapshot));
  }

  public stop(snapshot: ProgressSnapshot): void {
    this.update(snapshot);
    this.bar.stop();
  }

  private payload(snapshot: ProgressSnapshot): Record<string, string | number> {
    const { rate, etaMs } = progressFigures(snapshot);
    return {
      totalLabel: snapshot.listingDone ? String(snapshot.listed) : `${snapshot.listed}+`,
      bytes: `${formatBytes(snapshot.doneBytes)}/${formatBytes(snapshot.listedBytes)}`,
      rate: formatRate(rate),
      etaLabel: formatEta(etaMs),
      copiedLabel: snapshot.dryRun ? 'to copy' : 'copied',
      copied: snapshot.copied,
      skipped: snapshot.skipped,
      conflicts: snapshot.conflicts,
      failed: snapshot.failed,
    };
  }
}

/** A bar on a terminal, plain lines otherwise. */
export function createProgressListener(stream: OutputStream): ProgressListener {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}
