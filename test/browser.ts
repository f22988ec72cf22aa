// A real browser for the page tests: Debian's chromium (never a downloaded one), driven by
// playwright-core, offline and quiet. Without it the tests skip, unless REQUIRE_BROWSER=1 (CI).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const BROWSER = '/usr/bin/chromium';
// Offline and quiet: no updates, sync or background requests to anyone.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Skips the calling test (or fails it under REQUIRE_BROWSER=1) when there is no browser; `what` names the test for the note. */
export function needBrowser(ctx: { skip: (note: string) => void }, what: string): void {
  if (existsSync(BROWSER)) return;
  const note = `${BROWSER} not found: install Debian's chromium (apt-get install chromium) to run the ${what} browser test`;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`${note} (REQUIRE_BROWSER=1)`);
  console.warn(`skipped: ${note}`);
  ctx.skip(note);
}

/** A fresh browser profile; `close` ends the browser and removes the profile. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'placement-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: BROWSER, headless: true, args: FLAGS, viewport });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `use` on a page of a fresh browser (skipping as needBrowser does), and closes the browser after. */
export async function withPage(ctx: { skip: (note: string) => void }, what: string, use: (page: Page, browser: BrowserContext) => Promise<void>): Promise<void> {
  needBrowser(ctx, what);
  const { browser, close } = await launchBrowser();
  try {
    await use(await browser.newPage(), browser);
  } finally {
    await close();
  }
}
