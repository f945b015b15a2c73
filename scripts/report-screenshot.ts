/**
 * Makes the README's picture of report.html (docs/images/report.png) with the browser test harness
 * (test/helpers/browser.ts, Debian Chromium): the demo run twice into a scratch folder, so the
 * second run's report has a run to compare with, then the top of that report at desktop width.
 *
 *   npx tsx scripts/report-screenshot.ts [docs/images/report.png]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../bin/cli/main.js';
import { launchBrowser, openPage } from '../test/helpers/browser.js';

const target = process.argv[2] ?? 'docs/images/report.png';
const out = await mkdtemp(join(tmpdir(), 'mp-report-shot-'));
try {
  let report = '';
  for (let run = 0; run < 2; run++) {
    const lines: string[] = [];
    const code = await main(
      ['run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', out, '--as-of', '2026-11-20'],
      { out: (line) => lines.push(line), err: console.error },
    );
    if (code !== 0) throw new Error(`the demo run exited ${code}`);
    report = /^ {2}report: {2}(.+)$/m.exec(lines.join('\n'))?.[1] ?? '';
  }
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, report, 'desktop');
    // The counts and the first comparison: what a person sees first.
    await page.page.screenshot({ path: target, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1000 } });
    await page.close();
  } finally {
    await browser.close();
  }
  console.log(`wrote ${target}`);
} finally {
  await rm(out, { recursive: true, force: true });
}
