/**
 * The browser harness (test/helpers/browser.ts) proved on three small pages: one that is
 * self-contained, one that reaches out to the network, and one with errors. The harness must read
 * the page's numbers at both widths, see no error and no request but the file itself on the first,
 * and catch every request of the second and both errors of the third.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../lib/lambda-entries.js';
import { describeInBrowser, launchBrowser, openPage, VIEWPORTS, type ViewportName } from '../../helpers/browser.js';

const FIXTURES = join(REPO_ROOT, 'test/helpers/browser-fixtures');
const fixture = (name: string) => join(FIXTURES, name);

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describeInBrowser('browser harness (Debian Chromium via playwright-core)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(Object.keys(VIEWPORTS) as ViewportName[])(
    'reads a self-contained page at %s width: its numbers, no errors, no request but its own file',
    async (viewport) => {
      const page = await openPage(browser, fixture('self-contained.html'), viewport);
      try {
        expect(await page.text('#read')).toBe('12,345');
        expect(await page.texts('.count strong')).toEqual(['12,345', '10,000']);
        // Its script ran.
        expect(await page.page.getAttribute('#ranked', 'data-checked')).toBe('yes');
        expect(page.errors).toEqual([]);
        expect(page.requests).toEqual([page.url]);
        expect(await page.overflowX()).toBe(0);
        const shot = pngSize(await page.screenshot(`harness-self-contained-${viewport}`));
        const { viewport: size } = VIEWPORTS[viewport];
        const scale = 'deviceScaleFactor' in VIEWPORTS[viewport] ? VIEWPORTS.phone.deviceScaleFactor : 1;
        expect(shot.width).toBe(size.width * scale);
        expect(shot.height).toBeGreaterThanOrEqual(size.height * scale);
      } finally {
        await page.close();
      }
    },
  );

  it('records every request of a page that reaches out (stylesheet, image, fetch), and lets none through', async () => {
    const page = await openPage(browser, fixture('makes-requests.html'), 'desktop');
    try {
      expect(await page.text('#read')).toBe('12,345');
      expect(page.requests[0]).toBe(page.url);
      expect([...page.requests.slice(1)].sort()).toEqual([
        'http://127.0.0.1:9/beacon',
        'http://127.0.0.1:9/font.css',
        'http://127.0.0.1:9/pixel.png',
      ]);
      // Refused by the harness: the browser reports each as a failed load.
      expect(page.errors.filter((error) => error.includes('net::ERR_BLOCKED_BY_CLIENT')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
    }
  });

  it("catches a page's console.error and its uncaught exception", async () => {
    const page = await openPage(browser, fixture('console-error.html'), 'phone');
    try {
      expect(await page.text('#read')).toBe('12,345');
      expect(page.errors).toEqual(['chart data missing', "uncaught TypeError: Cannot set properties of null (setting 'textContent')"]);
      expect(page.requests).toEqual([page.url]);
    } finally {
      await page.close();
    }
  });

  it('fails to read an element the page does not have, rather than reading an empty text', async () => {
    const page = await openPage(browser, fixture('self-contained.html'), 'desktop');
    try {
      await expect(page.text('#no-such-count')).rejects.toThrow(/Timeout|waiting for locator/);
    } finally {
      await page.close();
    }
  });
});
