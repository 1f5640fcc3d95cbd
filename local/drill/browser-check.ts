/**
 * `npm run check:report [file.html]`: opens a drill's HTML report in headless
 * Chromium (Debian's, driven by playwright-core; nothing is downloaded),
 * the way an operator would open it, offline. It fails when the page asks
 * for anything off disk, logs a console error or throws, or when a chart is
 * not drawn (an SVG per workflow, each with its bars on screen). It keeps a
 * full-page screenshot beside the report. With no file it checks the newest
 * report under reports/.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { BAR_COLOR, FAILED_BAR_COLOR } from './html';

const CHROMIUM_PATHS = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export interface PageCheck {
  readonly problems: string[];
  readonly charts: number;
  readonly bars: number;
  readonly screenshot: string;
}

function newestReport(dir = 'reports'): string {
  const html = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^drill-.*\.html$/.test(f))
        .sort()
    : [];
  const newest = html.at(-1);
  if (!newest) throw new Error(`no drill report in ${resolve(dir)}: run \`npm start\` first`);
  return join(dir, newest);
}

export const findChromium = () => CHROMIUM_PATHS.find((p): p is string => !!p && existsSync(p));

export async function checkReportInBrowser(file: string): Promise<PageCheck> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error("Chromium not found: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH");
  const problems: string[] = [];
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // The report must read with no network: anything not on disk is refused and reported.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      problems.push(`the page requested ${url}`);
      return route.abort();
    });
    await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
    const barSelector = [BAR_COLOR, FAILED_BAR_COLOR].flatMap((color) => [`path[fill="${color}"]`, `rect[fill="${color}"]`]).join(', ');
    const drawn = [];
    for (const section of await page.locator('section').all()) {
      const heading = (await section.locator('h2').first().textContent()) ?? '?';
      // Locators wait for what is missing: count first, so a section without a chart is reported at once.
      const svgs = await section.locator('svg').all();
      if (svgs.length === 0) problems.push(`${heading}: no chart`);
      // The workflow's chart, and a DR run's RTO waterfall after it.
      for (const [i, svg] of svgs.entries()) {
        const title = i === 0 ? heading : `${heading} (RTO waterfall)`;
        const box = await svg.boundingBox();
        const bars = await svg.locator(barSelector).all();
        const boxes = await Promise.all(bars.map((bar) => bar.boundingBox()));
        drawn.push({
          title,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          bars: bars.length,
          visible: boxes.filter((b) => b && b.width > 0 && b.height > 0).length,
        });
      }
    }
    if (drawn.length === 0) problems.push('no workflow chart on the page');
    for (const chart of drawn) {
      if (chart.width < 100 || chart.height < 50)
        problems.push(`${chart.title}: the chart has no size on screen (${chart.width}×${chart.height})`);
      if (chart.bars === 0) problems.push(`${chart.title}: the chart has no bars`);
      else if (chart.visible < chart.bars)
        problems.push(`${chart.title}: ${chart.bars - chart.visible} of ${chart.bars} bars are not drawn`);
    }
    const screenshot = file.replace(/\.html$/, '.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    return { problems, charts: drawn.length, bars: drawn.reduce((n, c) => n + c.bars, 0), screenshot };
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  const file = process.argv[2] ?? newestReport();
  checkReportInBrowser(file).then(
    (result) => {
      for (const problem of result.problems) process.stderr.write(`✗ ${problem}\n`);
      process.stdout.write(
        `${result.problems.length ? '✗' : '✓'} ${file}: ${result.charts} charts, ${result.bars} bars drawn in Chromium; screenshot ` +
          `${result.screenshot}\n`,
      );
      process.exit(result.problems.length ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`report check failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
