import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { BAR_COLOR, drillHtml, FAILED_BAR_COLOR } from '../../local/drill/html';
import { sampleReport } from '../support/report';

describe('the drill HTML report', () => {
  const html = drillHtml(sampleReport);

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
