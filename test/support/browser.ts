/**
 * Real browser tests: Debian's chromium driven by playwright-core (never a downloaded browser).
 * Without chromium (a newcomer's laptop) the suite skips with a visible message; under CI=true it fails.
 * Screenshots go to `test-artifacts/` (ignored by git) so a person can look at what the test saw.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { inCi } from './harness.js';
import { repoRoot } from './process.js';
import { type ReleaseStep, releaseAll } from './release.js';

const candidates = [process.env.SATANG_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (path): path is string => Boolean(path),
);
export const chromiumPath = candidates.find((path) => existsSync(path));
export const artifactsDir = join(repoRoot, 'test-artifacts');

/** Flags that keep Chromium off the (closed) network and out of the sandbox it cannot use as root. */
const launchArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A phone-sized viewport (iPhone 12/13/14 class). */
export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/** A laptop-sized viewport. */
export const laptop = { viewport: { width: 1280, height: 800 } };

export interface BrowserHarness {
  browser: Browser;
  /** A fresh context (own cookies) with the given viewport; closed after the suite. */
  context(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  /** Full-page screenshot saved as `test-artifacts/<name>.png`; returns the path. */
  screenshot(page: Page, name: string): Promise<string>;
}

/**
 * Runs `body` as a describe block with one launched chromium, or skips (fails under CI) without one.
 * `body` registers tests synchronously; the harness object is usable once the suite's `before` ran.
 */
export function describeWithBrowser(title: string, body: (h: BrowserHarness) => void): void {
  if (!chromiumPath) {
    if (inCi) {
      test(title, () => assert.fail('chromium is not installed, and CI=true requires browser tests to run'));
    } else {
      describe(title, { skip: 'no chromium at /usr/bin/chromium (apt-get install chromium fonts-thai-tlwg)' }, () => {});
    }
    return;
  }
  describe(title, () => {
    let browser: Browser | undefined;
    const contexts: BrowserContext[] = [];
    const harness: BrowserHarness = {
      get browser() {
        assert.ok(browser, 'browser not launched yet');
        return browser;
      },
      async context(options) {
        const context = await harness.browser.newContext(options);
        contexts.push(context);
        return context;
      },
      async screenshot(page, name) {
        mkdirSync(artifactsDir, { recursive: true });
        const path = join(artifactsDir, `${name}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
    };
    before(async () => {
      browser = await chromium.launch({ executablePath: chromiumPath, args: launchArgs, timeout: 60_000 });
    });
    after(() =>
      releaseAll([...contexts.map((context, i): ReleaseStep => [`browser context ${i}`, () => context.close()]), ['the browser', () => browser?.close()]]),
    );
    body(harness);
  });
}
