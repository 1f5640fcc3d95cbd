import type { DrillReport, Recovery, StepReport } from './report-schema';

/** 9m 52.3s */
export const duration = (seconds: number) => {
  const m = Math.floor(seconds / 60);
  return `${m}m ${(seconds % 60).toFixed(1).padStart(4, '0')}s`;
};

const mark = (met: boolean | null) => (met === null ? '' : met ? ' ✓' : ' ✗ over target');

const rtoText = (r: Recovery) => `${r.direction === 'failback' ? 'downtime' : 'RTO'} ${duration(r.rtoSeconds)}${mark(r.rtoMet)}`;
const rpoText = (r: Recovery) => (r.rpoSeconds === null ? 'RPO n/a' : `RPO ${duration(r.rpoSeconds)}${mark(r.rpoMet)}`);

/** A step's notes in the summary table: its problems, then its figures (`name${separator}value`). */
export function stepNotes(step: StepReport, separator: string): string[] {
  const recovery = step.recovery ? [rtoText(step.recovery), rpoText(step.recovery)] : [];
  return [...step.problems, ...recovery, ...Object.entries(step.measurements).map(([k, v]) => `${k}${separator}${v}`)];
}

/** One line per confirmed DR run: RTO and RPO against the targets, and what the RTO was made of. */
export function recoveryLines(report: DrillReport): string[] {
  return report.steps.flatMap((step) => {
    const r: Recovery | undefined = step.recovery;
    if (!r) return [];
    const rto = `${rtoText(r)} (target ${duration(r.rtoTargetSeconds)})`;
    const rpo =
      r.rpoSeconds === null
        ? 'RPO n/a (waits for the replica: nothing lost by design)'
        : `${rpoText(r)} (target ${duration(r.rpoTargetSeconds)})`;
    const parts = [
      `approval ${duration(r.approvalSeconds)}`,
      `AWS critical path ${duration(r.criticalPathSeconds)}`,
      ...(r.orchestrationOverhead === null ? [] : [`orchestration overhead ×${r.orchestrationOverhead}`]),
    ];
    return [`${step.name}: ${rto}, ${rpo}; ${parts.join(', ')}`];
  });
}
