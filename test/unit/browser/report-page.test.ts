/**
 * The demo's report.html in a real browser (test/helpers/browser.ts: Debian Chromium through
 * playwright-core) at desktop and phone widths: the demo run (README) on the bundled sample, then
 * the same run again, whose report compares with the first. Each page must load with no console
 * error and no request but its own file, fit the phone's width, and show the manifest's numbers.
 * Screenshots go to test-output/browser/ for review.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../../bin/cli/main.js';
import type { Manifest } from '../../../lambdas/pipeline/manifest.js';
import { describeInBrowser, launchBrowser, openPage, VIEWPORTS, type ViewportName } from '../../helpers/browser.js';

const AS_OF = '2026-11-20';
let out: string;
let browser: Browser;
const runs: { runDir: string; manifest: Manifest }[] = [];

/** The README's demo command, in process, into a scratch folder. */
async function demoRun(): Promise<{ runDir: string; manifest: Manifest }> {
  const stdout: string[] = [];
  const code = await main(['run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', out, '--as-of', AS_OF], {
    out: (line) => stdout.push(line),
    err: () => {},
  });
  expect(code).toBe(0);
  const report = /^ {2}report: {2}(.+)\/report\.html$/m.exec(stdout.join('\n'));
  expect(report, stdout.join('\n')).not.toBeNull();
  const runDir = report![1]!;
  return { runDir, manifest: JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest };
}

describeInBrowser("the demo's report.html in Chromium", () => {
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'mp-report-page-'));
    runs.push(await demoRun(), await demoRun());
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  const cases = (['first', 'second'] as const).flatMap((run) =>
    (Object.keys(VIEWPORTS) as ViewportName[]).map((viewport) => [run, viewport] as const),
  );

  it.each(cases)("%s run, %s width: no console error, no request, the manifest's numbers", async (which, viewport) => {
    const { runDir, manifest } = runs[which === 'first' ? 0 : 1]!;
    const page = await openPage(browser, join(runDir, 'report.html'), viewport);
    try {
      const n = (value: number) => value.toLocaleString('en-US');
      const { counts } = manifest;
      expect(await page.text('#count-read')).toBe(n(counts.read));
      expect(await page.text('#count-ranked')).toBe(n(counts.ranked));
      expect(await page.text('#count-excluded')).toBe(n(counts.excluded));
      expect(await page.text('#count-rejected')).toBe(n(counts.rejected));
      expect(await page.text('#count-groups')).toBe(n(counts.groups));
      expect(await page.text('#conservation')).toBe(
        `read = ranked + excluded + rejected: ${n(counts.read)} = ${n(counts.ranked)} + ${n(counts.excluded)} + ${n(counts.rejected)}`,
      );
      expect(await page.text('#run-id')).toBe(manifest.runId);
      // Every rule's count, as the manifest has it.
      const ruleRows = await page.texts('#exclusions tbody tr');
      for (const [rule, rows] of Object.entries(counts.excludedByRule)) expect(ruleRows).toContain(`${rule}${n(rows)}`);
      if (which === 'first') {
        expect(await page.page.getAttribute('#changes-same-date', 'data-status')).toBe('none');
      } else {
        expect(await page.page.getAttribute('#changes-same-date', 'data-status')).toBe('compared');
        expect(await page.text('#changes-same-date .parents-changed')).toBe('0');
        expect(await page.text('#changes-same-date code')).toBe(runs[0]!.manifest.runId);
      }
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([page.url]);
      expect(await page.overflowX()).toBe(0);
      await page.screenshot(`report-${which}-${viewport}`);
    } finally {
      await page.close();
    }
  });
});
