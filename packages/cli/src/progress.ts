import cliProgress from 'cli-progress';
import { PROGRESS_LINE_INTERVAL_MS } from './constants.ts';
import { formatBytes, formatDuration, formatRate } from './format.ts';
import type { OutputStream } from './types/context.ts';
import type { ProgressListener, ProgressSnapshot } from './types/migrate.ts';

/** The time left in whole seconds (`0s`, `<1s`, `42s`, `3m 05s`), or `?` while it is unknown. */
function formatEta(snapshot: ProgressSnapshot, rate: number): string {
  // While the source is still being listed, the total (and so the time left) is unknown.
  if (!snapshot.listingDone) return '?';
  const left = snapshot.listed - snapshot.done;
  if (left === 0) return '0s';
  if (rate <= 0) return '?';
  const etaMs = (left / rate) * 1000;
  return etaMs < 1000 ? '<1s' : formatDuration(etaMs);
}

/** What the progress line and the bar both show. */
function figures(snapshot: ProgressSnapshot) {
  const { done, listed, listingDone } = snapshot;
  const seconds = snapshot.elapsedMs / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const bytes = (separator: string) =>
    `${formatBytes(snapshot.doneBytes)}${separator}${formatBytes(snapshot.listedBytes)}` +
    (listingDone ? '' : '+');
  return {
    bytes,
    rate: `${formatRate(rate)} obj/s`,
    eta: `ETA ${formatEta(snapshot, rate)}`,
    // Once the listing is complete; before, a share of the growing total would fall as it grows.
    percent: listingDone ? (listed === 0 ? 100 : Math.floor((done / listed) * 100)) : undefined,
    soFar: `${done} done, ${listed} listed so far`,
    counts:
      `${snapshot.dryRun ? 'to copy' : 'copied'} ${snapshot.copied}, skipped ${snapshot.skipped}, ` +
      `conflicts ${snapshot.conflicts}, ` +
      `${snapshot.refused > 0 ? `refused ${snapshot.refused}, ` : ''}failed ${snapshot.failed}`,
  };
}

/**
 * One plain progress line, for logs: counts, bytes, rate and time left. While the source is
 * listed: what is done and listed so far, with no percentage.
 */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const { bytes, rate, eta, percent, soFar, counts } = figures(snapshot);
  const objects =
    percent === undefined ? soFar : `${snapshot.done}/${snapshot.listed} objects (${percent}%)`;
  return `progress: ${objects}, ${bytes(' of ')}, ${rate}, ${eta}; ${counts}\n`;
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
 * The line of the progress bar: while the source is still being listed, how many objects are
 * listed so far, with no bar and no percentage; once the listing is complete, the bar and the
 * percentage of a fixed total, which only rise.
 * @param drawBar - draws the bar for a share from 0 to 1
 */
export function formatBarLine(snapshot: ProgressSnapshot, drawBar: (share: number) => string) {
  const { bytes, rate, eta, percent, soFar, counts } = figures(snapshot);
  const rest = `${bytes('/')} | ${rate} | ${eta} | ${counts}`;
  if (percent === undefined) return `listing... | ${soFar} | ${rest}`;
  const share = snapshot.listed === 0 ? 1 : Math.min(snapshot.done / snapshot.listed, 1);
  return `${drawBar(share)} ${percent}% | ${snapshot.done}/${snapshot.listed} objects | ${rest}`;
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
