import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReportInBrowser, findChromium } from '../../local/drill/browser-check';
import { drillHtml } from '../../local/drill/html';
import { sampleReport } from '../support/report';

// .ci/run installs Debian's chromium before the tests; a developer without it skips these.
describe.skipIf(!findChromium())('the report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-report-'));

  it('passes a drill report: charts drawn, no console error, no request off disk, a screenshot kept', async () => {
    const file = join(dir, 'good.html');
    writeFileSync(file, drillHtml(sampleReport));
    const result = await checkReportInBrowser(file);
    expect(result).toMatchObject({ problems: [], charts: 2, bars: 5 });
    expect(existsSync(result.screenshot)).toBe(true);
  });

  it('fails a page that logs an error, reaches for the network, or draws an empty chart, naming each', async () => {
    const file = join(dir, 'bad.html');
    // The first workflow's chart loses its bars, the second loses its chart.
    const [head, first, second] = drillHtml(sampleReport).split('<section>');
    const html = [head, first.replace(/(<svg[^>]*>)[\s\S]*(<\/svg>)/, '$1$2'), second.replace(/<svg[\s\S]*<\/svg>/, '')]
      .join('<section>')
      .replace('</body>', '<script>console.error("boom")</script><img src="http://127.0.0.1:9/logo.png"></body>');
    writeFileSync(file, html);
    const { problems } = await checkReportInBrowser(file);
    expect(problems).toEqual(
      expect.arrayContaining([
        'console error: boom',
        'the page requested http://127.0.0.1:9/logo.png',
        expect.stringMatching(/^backup .*: the chart has no bars$/),
        expect.stringMatching(/^scale-out .*: no chart$/),
      ]),
    );
  });
});
