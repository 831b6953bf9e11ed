import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningVerifierWeb } from '../src/server.js';
import { openPage, screenshot, seriousViolations, startBrowser, tabTo } from './support/browser.js';
import { type CounterWorld, setUpCounter, startCounter } from './support/counter.js';

// Both modes with the keyboard only, and axe-core's WCAG 2.1 AA rules in Chromium.
let browser: Browser;
let setup: Awaited<ReturnType<typeof setUpCounter>>;
let world: CounterWorld;
let web: RunningVerifierWeb;

beforeAll(async () => {
  setup = await setUpCounter();
  world = setup.world;
  web = await startCounter(setup.pageDir, world);
  browser = await startBrowser();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await setup?.cleanUp();
});

const focused = (page: import('playwright-core').Page) => page.evaluate(() => document.activeElement?.id ?? '');

describe('keyboard only', () => {
  test('online mode: choose a profile, make a request, copy its link, see the wallet’s answer', async () => {
    const { context, page } = await openPage(browser, web.url);
    try {
      await tabTo(page, 'tab-online');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('profile');
      await page.keyboard.press('ArrowDown');
      expect(await page.inputValue('#profile')).toBe('age-over-18');
      await page.keyboard.press('ArrowUp');
      await tabTo(page, 'new-request');
      await page.keyboard.press('Enter');
      await page.locator('#qr svg').waitFor();
      await tabTo(page, 'copy-link');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#copy-state').textContent()).toMatch(/Copied|Selected/);
      const uri = await page.inputValue('#request-link');
      const answer = await world.wallet.respondToPresentationRequest(await world.wallet.parsePresentationRequest(uri));
      expect(answer.accepted).toBe(true);
      await page.locator('#online-result [data-verdict="ACCEPTED"]').waitFor();
    } finally {
      await context.close();
    }
  });

  test('the tabs follow the ARIA pattern: arrows, Home and End move and select; one tab stop', async () => {
    const { context, page } = await openPage(browser, web.url);
    try {
      await tabTo(page, 'tab-online');
      await page.keyboard.press('ArrowRight');
      expect(await focused(page)).toBe('tab-offline');
      expect(await page.getAttribute('#tab-offline', 'aria-selected')).toBe('true');
      expect(await page.locator('#panel-offline').isVisible()).toBe(true);
      expect(await page.locator('#panel-online').isHidden()).toBe(true);
      await page.keyboard.press('Home');
      expect(await focused(page)).toBe('tab-online');
      await page.keyboard.press('End');
      expect(await focused(page)).toBe('tab-offline');
      expect(await page.getAttribute('#tab-online', 'tabindex')).toBe('-1');
    } finally {
      await context.close();
    }
  });

  test('offline mode: paste, verify, read every error code', async () => {
    const { context, page } = await openPage(browser, web.url);
    try {
      await tabTo(page, 'tab-online');
      await page.keyboard.press('ArrowRight');
      await page.locator('#offline-state[data-ready="true"]').waitFor();
      await tabTo(page, 'offline-input');
      await page.keyboard.type('not a credential at all');
      await tabTo(page, 'verify');
      await page.keyboard.press('Enter');
      await page.locator('#offline-result [data-verdict="REFUSED"]').waitFor();
      expect(await page.locator('#offline-result .code').allTextContents()).toEqual(['MALFORMED']);
      // Every control of the form is reachable in order.
      const order: string[] = [];
      await page.focus('#offline-input');
      for (let i = 0; i < 9; i++) {
        order.push(await focused(page));
        await page.keyboard.press('Tab');
      }
      expect(order).toEqual([
        'offline-input',
        'offline-input-file',
        'policy-file',
        'list-files',
        'status-files',
        'nonce',
        'audience',
        'verify',
        '',
      ]);
    } finally {
      await context.close();
    }
  });

  test('focus is visible: a focused control draws an outline', async () => {
    const { context, page } = await openPage(browser, web.url);
    try {
      await tabTo(page, 'new-request');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).toBe('solid');
    } finally {
      await context.close();
    }
  });
});

describe('axe-core (WCAG 2.1 AA)', () => {
  test('the page’s Content-Security-Policy refuses an injected inline script', async () => {
    const { context, page } = await openPage(browser, web.url);
    try {
      await expect(page.addScriptTag({ content: 'window.injected = true' })).rejects.toThrow(/Content Security Policy/);
      expect(await page.evaluate(() => 'injected' in window)).toBe(false);
    } finally {
      await context.close();
    }
  });

  test('no serious or critical violation in either mode, nor on the results', async () => {
    const { context, page } = await openPage(browser, web.url, { bypassCSP: true });
    try {
      expect(await seriousViolations(page)).toEqual([]);
      await page.click('#new-request');
      await page.locator('#qr svg').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      const answer = await world.wallet.respondToPresentationRequest(
        await world.wallet.parsePresentationRequest(await page.inputValue('#request-link')),
      );
      expect(answer.accepted).toBe(true);
      await page.locator('#online-result [data-verdict="ACCEPTED"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.click('#tab-offline');
      await page.locator('#offline-state[data-ready="true"]').waitFor();
      await page.fill('#offline-input', 'x');
      await page.click('#verify');
      await page.locator('#offline-result [data-verdict="REFUSED"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'offline-keyboard-refused');
    } finally {
      await context.close();
    }
  });
});
