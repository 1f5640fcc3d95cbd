import * as echarts from 'echarts';
import type { DrillReport, StepReport } from './report-schema';
import { recoveryLines, stepNotes } from './format';

/** The colour of a step's bar; tests count the bars by it. */
export const BAR_COLOR = '#2f6fdf';
export const FAILED_BAR_COLOR = '#d9480f';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** One bar of a workflow's chart: a state's work, however many times a polling loop entered it. */
export interface Operation {
  readonly label: string;
  /** Virtual seconds from the workflow's start to the operation's first entry. */
  readonly start: number;
  readonly seconds: number;
  /** Some entry ended in an error (caught or not). */
  readonly failed: boolean;
}

/**
 * The operations of a workflow, in the order they began: every executed Task, Wait, Map or Parallel state, its
 * entries merged into one bar from the first entry to the last exit (a polling loop's Wait and Describe are one
 * bar each, labelled with how many times they ran). Pass and Choice states do no work and draw nothing.
 */
export function operationsOf(step: StepReport): Operation[] {
  const start = Date.parse(step.startedAt);
  const groups = new Map<string, { first: number; last: number; count: number; failed: boolean }>();
  for (const e of step.timeline) {
    if (!e.exitedAt || e.type === 'Pass' || e.type === 'Choice') continue;
    const label = `${e.state}${e.index === undefined ? '' : `[${e.index}]`}`;
    const group = groups.get(label) ?? { first: Date.parse(e.enteredAt), last: 0, count: 0, failed: false };
    group.last = Math.max(group.last, Date.parse(e.exitedAt));
    group.count += 1;
    group.failed ||= Boolean(e.error);
    groups.set(label, group);
  }
  return [...groups.entries()]
    .sort((a, b) => a[1].first - b[1].first)
    .map(([label, g]) => ({
      label: g.count > 1 ? `${label} ×${g.count}` : label,
      start: (g.first - start) / 1000,
      seconds: (g.last - g.first) / 1000,
      failed: g.failed,
    }));
}

/**
 * A Gantt chart of one workflow's operations, in virtual seconds from its start,
 * rendered to SVG on the server by ECharts (no script in the page).
 */
export function ganttSvg(step: StepReport): string {
  return barsSvg(operationsOf(step));
}

/** A DR run's RTO as a waterfall: its runbook steps (approval, recovery branches, traffic, health), in seconds from its start. */
export function waterfallSvg(waterfall: NonNullable<StepReport['recovery']>['waterfall']): string {
  return barsSvg(waterfall.map((w) => ({ label: w.step, start: w.start, seconds: w.seconds, failed: false })));
}

function barsSvg(operations: readonly Operation[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 960, height: Math.max(120, 28 + operations.length * 22) });
  chart.setOption({
    animation: false,
    grid: { left: 230, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value', name: 'seconds (virtual)', nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'category', data: operations.map((o) => o.label), inverse: true, axisLabel: { fontSize: 11 } },
    series: [
      // An invisible bar up to each operation's start, then the operation itself.
      { type: 'bar', stack: 'gantt', silent: true, itemStyle: { color: 'transparent' }, data: operations.map((o) => o.start) },
      {
        type: 'bar',
        stack: 'gantt',
        barMinWidth: 2,
        data: operations.map((o) => ({ value: Math.max(o.seconds, 0.5), itemStyle: { color: o.failed ? FAILED_BAR_COLOR : BAR_COLOR } })),
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** A self-contained page: the summary table, then a Gantt chart per workflow. No network needed. */
export function drillHtml(report: DrillReport): string {
  const rows = report.steps
    .map((s) => {
      const notes = stepNotes(s, ': ').map(escape).join('<br>');
      const cells = [
        escape(s.name),
        `${s.ok ? 'ok' : 'FAILED'} (${s.status})`,
        `${(s.virtualSeconds / 60).toFixed(1)} min`,
        s.transitions,
        `$${s.estimatedCostUsd.toFixed(5)}`,
        notes,
      ];
      return `<tr class="${s.ok ? 'ok' : 'failed'}">${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const recovery = recoveryLines(report);
  const charts = report.steps
    .map((s) => {
      const heading = `${escape(s.name)} <small>${escape(s.job)} · ${escape(s.region)} · started ${escape(s.startedAt)}</small>`;
      const r = s.recovery;
      const waterfall = r?.waterfall.length
        ? `\n<h3>RTO waterfall: ${Math.round(r.rtoSeconds)} s, of which approval ${Math.round(r.approvalSeconds)} s</h3>\n` +
          waterfallSvg(r.waterfall)
        : '';
      return `<section><h2>${heading}</h2>\n${ganttSvg(s)}${waterfall}</section>`;
    })
    .join('\n');
  const summary =
    `${escape(report.config.appName)}: primary ${escape(report.config.primary)}, DR ${escape(report.config.dr)} ` +
    `(${escape(report.config.strategy)}); targets RTO ${report.config.rtoMinutes} min, RPO ${report.config.rpoMinutes} min. ` +
    `Twin ready in ${report.twin.bootMs} ms; the drill took ${(report.wallMs / 1000).toFixed(1)} s of real time.`;
  const verdict = report.ok
    ? 'Every workflow met its expectations and the targets.'
    : 'Some workflows did not meet their expectations or the targets.';
  const recoveryItems = recovery.map((l) => `<li>${escape(l)}</li>`).join('');
  const recoverySection = recovery.length ? `<h2>RTO and RPO against the targets</h2>\n<ul class="recovery">${recoveryItems}</ul>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lifeline drill ${escape(report.startedAt)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2430; }
  table { border-collapse: collapse; margin-bottom: 2rem; }
  th, td { border-bottom: 1px solid #d8dee9; padding: .4rem .8rem; text-align: left; vertical-align: top; }
  tr.failed td { color: ${FAILED_BAR_COLOR}; }
  h2 small { font-weight: normal; color: #6b7280; font-size: .8em; }
  .verdict { font-size: 1.1rem; margin: 1rem 0 2rem; }
</style>
</head>
<body>
<h1>Lifeline drill</h1>
<p>${summary}</p>
<p class="verdict">${verdict}</p>
${recoverySection}
<table>
<thead><tr><th>workflow</th><th>result</th><th>virtual time</th><th>transitions</th><th>est. cost</th><th>notes</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${charts}
</body>
</html>
`;
}
