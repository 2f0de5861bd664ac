import { formatBytes, formatDuration, formatRate, plural } from './format.ts';
import type { MigrationReport, ObjectOutcome } from './types/migrate.ts';

/** How many failures and conflicts the text report lists before saying "and N more". */
const MAX_LISTED = 50;

/** `s3://source/key -> s3://destination/key (12 B)`. */
function describeOutcome(outcome: ObjectOutcome, report: MigrationReport): string {
  const bucket = (uri: string) => uri.slice('s3://'.length).split('/')[0];
  const from = `s3://${bucket(report.source)}/${outcome.sourceKey}`;
  const to = outcome.destinationKey
    ? ` -> s3://${bucket(report.destination)}/${outcome.destinationKey}`
    : '';
  return `${from}${to} (${formatBytes(outcome.sizeBytes)})`;
}

function listOutcomes(title: string, outcomes: readonly ObjectOutcome[], report: MigrationReport) {
  if (outcomes.length === 0) return [];
  const lines = [`${title}:`];
  for (const outcome of outcomes.slice(0, MAX_LISTED)) {
    lines.push(`  ${describeOutcome(outcome, report)}`);
    if (outcome.reason) lines.push(`    ${outcome.reason}`);
  }
  if (outcomes.length > MAX_LISTED) {
    lines.push(`  ... and ${outcomes.length - MAX_LISTED} more (--json lists them all)`);
  }
  return lines;
}

/** The report as people read it: the plan of a dry run, then counts, conflicts and failures. */
export function formatMigrationReport(report: MigrationReport): string {
  const plan = (report.plan ?? []).map(
    (outcome) => `${outcome.action.padEnd(9)} ${describeOutcome(outcome, report)}`,
  );
  const lines = plan.length > 0 ? [...plan, ''] : [];
  const { counts } = report;
  const row = (label: string, value: string) => `  ${label.padEnd(11)}${value}`;
  lines.push(
    `${report.dryRun ? 'Dry run' : 'Migration'} ${report.source} -> ${report.destination}` +
      `${report.interrupted ? ' (interrupted)' : ''}`,
    row(
      'listed',
      `${plural(counts.listed, 'object')}, ${formatBytes(report.bytes.listed)}` +
        (counts.excluded > 0 ? ` (${counts.excluded} more left out by --include/--exclude)` : ''),
    ),
    report.dryRun
      ? row('would copy', plural(counts.copied, 'object'))
      : row('copied', `${plural(counts.copied, 'object')}, ${formatBytes(report.bytes.copied)}`),
    row('skipped', `${counts.skipped} (identical at the destination)`),
    row('conflicts', `${counts.conflicts} (different at the destination, left alone)`),
    row('refused', `${counts.refused} (no route of the API would read them there)`),
    row('failed', String(counts.failed)),
    ...(counts.verified + counts.verifyFailed > 0
      ? [row('verified', `${counts.verified}, ${counts.verifyFailed} differ`)]
      : []),
    row(
      'took',
      `${formatDuration(report.durationMs)}, ${formatRate(report.objectsPerSecond)} objects/s`,
    ),
  );
  const details = [
    ...listOutcomes('Conflicts (rerun with --overwrite to replace them)', report.conflicts, report),
    ...listOutcomes('Refused (no route of the API would read them there)', report.refusals, report),
    ...(report.refusalHint ? [`  ${report.refusalHint}`] : []),
    ...listOutcomes('Failures', report.failures, report),
  ];
  if (details.length > 0) lines.push('', ...details);
  if (report.interrupted) {
    lines.push(
      '',
      'Interrupted: run the same command again to copy the rest; nothing is copied twice.',
    );
  }
  return `${lines.join('\n')}\n`;
}
