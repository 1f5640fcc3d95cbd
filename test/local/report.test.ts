import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { BAR_COLOR, drillHtml, FAILED_BAR_COLOR } from '../../local/drill/html';
import type { DrillReport, StepReport } from '../../local/drill/run';

const step = (name: string, states: [string, number, number, string?][]): StepReport => ({
  name,
  job: 'backup',
  region: 'us-east-1',
  expected: 'SUCCEEDED',
  status: states.some((s) => s[3]) ? 'FAILED' : 'SUCCEEDED',
  ok: !states.some((s) => s[3]),
  problems: [],
  startedAt: '2026-01-05T12:00:00.000Z',
  virtualSeconds: 100,
  transitions: states.length,
  lambdaInvocations: 1,
  executions: 1,
  historyEvents: 10,
  estimatedCostUsd: 0.0001,
  timeline: states.map(([state, start, seconds, error]) => ({
    state,
    type: 'Task',
    enteredAt: new Date(Date.parse('2026-01-05T12:00:00.000Z') + start * 1000).toISOString(),
    exitedAt: new Date(Date.parse('2026-01-05T12:00:00.000Z') + (start + seconds) * 1000).toISOString(),
    seconds,
    retries: 0,
    error,
  })),
  measurements: { note: '<b>escaped</b>' },
});

const report: DrillReport = {
  startedAt: '2026-01-05T12:00:00.000Z',
  config: { appName: 'demo', primary: 'us-east-1', dr: 'us-west-2', strategy: 'warm-standby', rtoMinutes: 30, rpoMinutes: 15 },
  twin: { bootMs: 900, resources: [] },
  steps: [step('backup', [['Plan', 0, 0.3], ['BackupTarget', 0.3, 60], ['Summarize', 60.3, 0.1]]), step('scale-out', [['Decide', 0, 0.5], ['UpdateService', 0.5, 0.1, 'Ecs.EcsException']])],
  ok: false,
  wallMs: 2000,
};

describe('the drill HTML report', () => {
  const html = drillHtml(report);

  it('parses as HTML and needs no network (no external script, style or image)', () => {
    const document = parse(html);
    expect(document.childNodes.some((n) => n.nodeName === 'html')).toBe(true);
    expect(html).not.toMatch(/<script|<link |src="http/);
  });

  it('draws one bar per executed step, failed steps in their own colour', () => {
    const bars = (color: string) => (html.match(new RegExp(`fill="${color}"`, 'g')) ?? []).length;
    expect(bars(BAR_COLOR)).toBe(4);
    expect(bars(FAILED_BAR_COLOR)).toBe(1);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
  });

  it('shows the summary with its verdict, escaping what it prints', () => {
    expect(html).toContain('Some workflows did not meet their expectations or the targets.');
    expect(html).toContain('&lt;b&gt;escaped&lt;/b&gt;');
    expect(html).not.toContain('<b>escaped</b>');
  });
});
