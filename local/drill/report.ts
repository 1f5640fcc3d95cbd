import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drillHtml } from './html';
import { duration, recoveryLines, stepNotes } from './format';
import type { DrillReport } from './report-schema';

/** The summary table an operator reads first. */
export function summaryTable(report: DrillReport): string {
  const rows = [['workflow', 'result', 'virtual time', 'transitions', 'est. cost', 'notes']];
  for (const step of report.steps) {
    const notes = stepNotes(step, '=').join('; ');
    rows.push([
      step.setup ? `${step.name} (setup)` : step.name,
      `${step.ok ? 'ok' : 'FAILED'} (${step.status})`,
      duration(step.virtualSeconds),
      String(step.transitions),
      `$${step.estimatedCostUsd.toFixed(5)}`,
      notes,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const recovery = recoveryLines(report);
  out.push(
    '',
    `targets: RTO ${report.config.rtoMinutes} min, RPO ${report.config.rpoMinutes} min (${report.config.strategy})`,
    ...recovery.map((l) => `  ${l}`),
  );
  const c = report.checks;
  out.push(
    '',
    `checks: ${c.calls} AWS calls; ${c.modelChecked} checked against the SDK models (${c.modelViolations} violations, ` +
      `${c.modelCheckMs} ms); ${c.authorized} authorized by IAM as their principal (${c.iamEvaluations} evaluations, ` +
      `${c.iamMs} ms); ${c.refusals.length} refused`,
    ...c.refusals.map((r) => `  refused: ${r}`),
  );
  out.push(
    '',
    report.ok ? 'every workflow met its expectations and the targets' : 'some workflows did not meet their expectations or the targets',
  );
  return out.join('\n');
}

/** Writes reports/drill-<time>.json and the self-contained .html beside it; returns their paths. */
export function writeReports(report: DrillReport, dir = 'reports'): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `drill-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.html`, drillHtml(report));
  return { json: `${base}.json`, html: `${base}.html` };
}
