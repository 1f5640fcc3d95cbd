import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { BAR_COLOR, drillHtml, FAILED_BAR_COLOR, operationsOf } from '../../local/drill/html';
import { sampleReport } from '../support/report';

describe('the drill HTML report', () => {
  const html = drillHtml(sampleReport);

  it('parses as HTML and needs no network (no external script, style or image)', () => {
    const document = parse(html);
    expect(document.childNodes.some((n) => n.nodeName === 'html')).toBe(true);
    expect(html).not.toMatch(/<script|<link |src="http/);
  });

  it('draws one bar per operation, failed ones in their own colour', () => {
    const bars = (color: string) => (html.match(new RegExp(`fill="${color}"`, 'g')) ?? []).length;
    expect(bars(BAR_COLOR)).toBe(4);
    expect(bars(FAILED_BAR_COLOR)).toBe(1);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
  });

  it('draws a polling loop as one bar per operation, spanning its first entry to its last exit; Pass and Choice as none', () => {
    const [backup] = sampleReport.steps;
    const entry = (state: string, type: string, start: number, seconds: number, error?: string) => ({
      state,
      type,
      enteredAt: new Date(Date.parse(backup.startedAt) + start * 1000).toISOString(),
      exitedAt: new Date(Date.parse(backup.startedAt) + (start + seconds) * 1000).toISOString(),
      seconds,
      retries: 0,
      error,
    });
    const polling = {
      ...backup,
      timeline: [
        entry('Start', 'Task', 0, 1),
        ...[0, 1, 2].flatMap((i) => [
          entry('Wait', 'Wait', 1 + i * 31, 30),
          entry('Describe', 'Task', 31 + i * 31, 1, i === 2 ? 'NotFound' : undefined),
          entry('Ready', 'Choice', 32 + i * 31, 0),
        ]),
      ],
    };

    expect(operationsOf(polling)).toEqual([
      { label: 'Start', start: 0, seconds: 1, failed: false },
      { label: 'Wait ×3', start: 1, seconds: 92, failed: false },
      { label: 'Describe ×3', start: 31, seconds: 63, failed: true },
    ]);
  });

  it('shows the summary with its verdict, escaping what it prints', () => {
    expect(html).toContain('Some workflows did not meet their expectations or the targets.');
    expect(html).toContain('&lt;b&gt;escaped&lt;/b&gt;');
    expect(html).not.toContain('<b>escaped</b>');
  });
});
