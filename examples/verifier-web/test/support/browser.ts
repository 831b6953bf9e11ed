import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
// @ts-expect-error: a plain JavaScript module of the repository, without types
import { launchChromium } from '../../../../scripts/chromium.mjs';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
export const SCREENSHOTS = join(repo, 'test-results', 'screenshots', 'verifier-web');

/** Starts the system's Chromium (never a downloaded one). */
export async function startBrowser(): Promise<Browser> {
  return (await launchChromium()) as Browser;
}

/** Every request a page makes, by URL, from the moment `since()` was last called. */
export interface RequestLog {
  all: string[];
  since(): string[];
  mark(): void;
}

/**
 * A fresh browser context on the page: every request is logged, and any that would leave
 * 127.0.0.1 is aborted (and logged, so a test sees it).
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: { bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; requests: RequestLog }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: options.bypassCSP ?? false });
  const all: string[] = [];
  let marked = 0;
  await context.route('**/*', (route) => {
    const target = new URL(route.request().url());
    all.push(route.request().url());
    if (target.hostname !== '127.0.0.1') return route.abort('blockedbyclient');
    return route.continue();
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  return {
    context,
    page,
    requests: {
      all,
      since: () => all.slice(marked),
      mark: () => {
        marked = all.length;
      },
    },
  };
}

/** Saves a screenshot of the page's current state under test-results/screenshots/verifier-web/. */
export async function screenshot(page: Page, name: string, path?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  if (path) await page.screenshot({ path, fullPage: false });
}

/** Runs axe-core in the page (opened with `bypassCSP`: the page's own policy refuses injected scripts); returns the violations of impact serious or critical. */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: number }>> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a global
    const axe = (globalThis as any).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v: { id: string; impact: string; nodes: unknown[] }) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
    }));
  });
  return result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab until the element with this id has the focus (at most `limit` presses). */
export async function tabTo(page: Page, id: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} never got the focus by Tab`);
}
