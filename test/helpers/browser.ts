/**
 * A real browser for tests of pages a person reads: Debian's Chromium (`apt-get install chromium`,
 * which .ci/run does on a machine without it) driven by playwright-core, whose own browser
 * download is never used. A test opens a local HTML file at desktop or phone width and gets what
 * the page did: its console errors and uncaught exceptions, every request it made (a self-contained
 * page makes none but its own file:// URL; any other is recorded and refused, so nothing leaves
 * the machine), the text of its elements, and a screenshot under test-output/browser/ (not committed).
 *
 * Without Chromium, {@link describeInBrowser} skips its tests and says so, except under CI=true,
 * where a missing browser fails the run instead of letting it pass without looking.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { REPO_ROOT } from '../../lib/lambda-entries.js';

/** Debian's package installs it here; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Headless, as root in a container (no sandbox), no GPU, and none of the browser's own traffic
 * (updates, sync, QUIC probes, first-run pages): on a closed network those only fail, many at a time.
 * playwright-core adds --headless and a fresh temporary --user-data-dir for every launch.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
} as const satisfies Record<string, BrowserContextOptions>;

export type ViewportName = keyof typeof VIEWPORTS;

/** Where screenshots go (.gitignore keeps test-output/ out of the repository). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'browser');

/** Why no browser can be started here, or undefined when Chromium is there to run. */
export function missingBrowser(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${CHROMIUM_PATH} (install Debian's package: apt-get install chromium; .ci/run does this, or set CHROMIUM_PATH)`;
  }
}

/**
 * `describe` for tests that need the browser. Without one: skipped, with the reason in the test
 * name and on the console; under CI=true, a failing test that names what is missing.
 */
export function describeInBrowser(name: string, body: () => void): void {
  const missing = missingBrowser();
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a browser to run in (CI=true: a missing browser fails the run)', () => {
        throw new Error(`browser tests cannot run: ${missing}`);
      });
    });
  } else {
    console.warn(`browser tests SKIPPED (${name}): ${missing}`);
    describe.skip(`${name} (SKIPPED: ${missing})`, body);
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

export interface OpenedPage {
  /** The file:// URL the page was opened at. */
  readonly url: string;
  /** console.error messages and uncaught exceptions, in order. */
  readonly errors: readonly string[];
  /** Every URL the page requested, its own file:// URL first. */
  readonly requests: readonly string[];
  /** The trimmed text of the first element matching the CSS selector (fails when there is none). */
  text(selector: string): Promise<string>;
  /** The trimmed text of every element matching the selector. */
  texts(selector: string): Promise<string[]>;
  /** How many CSS pixels the page is wider than its viewport (0: no sideways scrolling). */
  overflowX(): Promise<number>;
  /** Writes a full-page PNG to {@link SCREENSHOT_DIR} as `<name>.png` and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Playwright's page, for what the methods above do not cover. */
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Opens a local HTML file in a new context of the given viewport and waits until it has loaded
 * (and the network is idle). Requests to anything but the file itself are recorded, then refused.
 */
export async function openPage(browser: Browser, file: string, viewport: ViewportName): Promise<OpenedPage> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ ...VIEWPORTS[viewport], serviceWorkers: 'block' });
  const errors: string[] = [];
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort('blockedbyclient')));
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught ${error.name}: ${error.message}`));
  await page.goto(url, { waitUntil: 'networkidle' });
  return {
    url,
    errors,
    requests,
    page,
    text: async (selector) => ((await page.locator(selector).first().textContent({ timeout: 1_000 })) ?? '').trim(),
    texts: async (selector) => (await page.locator(selector).allTextContents()).map((text) => text.trim()),
    // An expression, evaluated in the page (this project's TypeScript has no DOM types).
    overflowX: () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    screenshot: async (name) => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${basename(name)}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => context.close(),
  };
}
