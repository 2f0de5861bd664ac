import type { DoctorReport } from './types/doctor.ts';

/** The report as people read it: one line per check, the fix under each failure or warning. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const lines = report.checks.flatMap((check) => [
    `${check.status.toUpperCase()}  ${check.title.padEnd(width)}  ${check.detail}`,
    // Only failures and warnings carry a fix.
    ...(check.fix ? [`${' '.repeat(6 + width)}  fix: ${check.fix}`] : []),
  ]);
  const { pass, fail, warn, skip } = report.summary;
  const counts = `${pass} passed, ${fail} failed, ${warn} warned, ${skip} skipped`;
  const verdict = report.ok
    ? `doctor: no problem found (${counts}).`
    : `doctor: problems found (${counts}); see the fixes above.`;
  return `${[...lines, '', verdict].join('\n')}\n`;
}
