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

/**
 * The share done, in whole percent, once the listing is complete; `undefined` before, when the
 * total is still growing and a share of it would fall as it grows.
 */
export function percentDone(snapshot: ProgressSnapshot): number | undefined {
  if (!snapshot.listingDone) return undefined;
  return snapshot.listed === 0 ? 100 : Math.floor((snapshot.done / snapshot.listed) * 100);
}

/** `copied 40, skipped 8, conflicts 1, failed 1`, with the refused when there are any. */
function outcomeCounts(snapshot: ProgressSnapshot): string {
  return (
    `${snapshot.dryRun ? 'to copy' : 'copied'} ${snapshot.copied}, skipped ${snapshot.skipped}, ` +
    `conflicts ${snapshot.conflicts}, ${snapshot.refused > 0 ? `refused ${snapshot.refused}, ` : ''}` +
    `failed ${snapshot.failed}`
  );
}

/**
 * One plain progress line, for logs: counts, bytes, rate and time left. While the source is
 * listed: what is done and listed so far, with no percentage.
 */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const { rate, etaMs } = progressFigures(snapshot);
  const shareDone = percentDone(snapshot);
  const objects =
    shareDone === undefined
      ? `${snapshot.done} done, ${snapshot.listed} listed so far`
      : `${snapshot.done}/${snapshot.listed} objects (${shareDone}%)`;
  const bytes = `${formatBytes(snapshot.doneBytes)} of ${formatBytes(snapshot.listedBytes)}${snapshot.listingDone ? '' : '+'}`;
  return (
    `progress: ${objects}, ${bytes}, ${formatRate(rate)} obj/s, ETA ${formatEta(etaMs)}; ` +
    `${outcomeCounts(snapshot)}\n`
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

/**
 * The line of the progress bar: while the source is still being listed the total is unknown,
 * so it shows how many objects are listed so far, with no bar and no percentage (a share of a
 * growing total would fall as it grows); once the listing is complete, the bar and the
 * percentage of a fixed total, which only rise.
 * @param drawBar - draws the bar for a share from 0 to 1
 */
export function formatBarLine(
  snapshot: ProgressSnapshot,
  drawBar: (share: number) => string,
): string {
  const { rate, etaMs } = progressFigures(snapshot);
  const bytes = `${formatBytes(snapshot.doneBytes)}/${formatBytes(snapshot.listedBytes)}${snapshot.listingDone ? '' : '+'}`;
  const rest = `${bytes} | ${formatRate(rate)} obj/s | ETA ${formatEta(etaMs)} | ${outcomeCounts(snapshot)}`;
  const shareDone = percentDone(snapshot);
  if (shareDone === undefined) {
    return `listing... | ${snapshot.done} done, ${snapshot.listed} listed so far | ${rest}`;
  }
  const share = snapshot.listed === 0 ? 1 : Math.min(snapshot.done / snapshot.listed, 1);
  return `${drawBar(share)} ${shareDone}% | ${snapshot.done}/${snapshot.listed} objects | ${rest}`;
}

/** A progress bar redrawn in place, for a terminal (see {@link formatBarLine}). */
export class BarProgress implements ProgressListener {
  private readonly bar: cliProgress.SingleBar;

  public constructor(stream: OutputStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: (options, _params, payload: { snapshot: ProgressSnapshot }) =>
          formatBarLine(payload.snapshot, (share) => cliProgress.Format.BarFormat(share, options)),
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
    this.bar.start(Math.max(snapshot.listed, 1), snapshot.done, { snapshot });
  }

  public update(snapshot: ProgressSnapshot): void {
    this.bar.setTotal(Math.max(snapshot.listed, 1));
    this.bar.update(snapshot.done, { snapshot });
  }

  public stop(snapshot: ProgressSnapshot): void {
    this.update(snapshot);
    this.bar.stop();
  }
}

/** A bar on a terminal, plain lines otherwise. */
export function createProgressListener(stream: OutputStream): ProgressListener {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}
