import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openIssuer } from '@tradewind/issuer';
import { openWallet } from '@tradewind/wallet';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningVerifierWeb } from '../src/server.js';
import { openPage, type RequestLog, screenshot, startBrowser } from './support/browser.js';
import { type CounterWorld, setUpCounter, startCounter } from './support/counter.js';

// The full flow at the counter: the page makes an OpenID4VP request, a wallet on this
// machine answers it over 127.0.0.1, the page shows what the verifier decided.
const repo = join(import.meta.dirname, '..', '..', '..');
// The README's screenshot is rewritten only on request (UPDATE_DOCS_SCREENSHOT=1), so that a test run leaves the tree clean.
const docsScreenshot =
  process.env.UPDATE_DOCS_SCREENSHOT === '1' ? join(import.meta.dirname, '..', 'docs', 'counter-accepted.png') : undefined;
let browser: Browser;
let setup: Awaited<ReturnType<typeof setUpCounter>>;
let world: CounterWorld;
let web: RunningVerifierWeb;
let page: Page;
let requests: RequestLog;

beforeAll(async () => {
  setup = await setUpCounter();
  world = setup.world;
  web = await startCounter(setup.pageDir, world, { clientName: 'Counter 3, Port of Spain' });
  browser = await startBrowser();
  ({ page, requests } = await openPage(browser, web.url));
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await setup?.cleanUp();
});

/** Clicks New request for a profile and reads the request link the page shows. */
async function newRequest(target: Page, profile = 'national-id'): Promise<string> {
  await target.selectOption('#profile', profile);
  const before = await target.inputValue('#request-link');
  await target.click('#new-request');
  await expect.poll(() => target.inputValue('#request-link')).not.toBe(before);
  await target.locator('#qr svg').waitFor();
  return target.inputValue('#request-link');
}

/** Waits for the page's verdict and reads it. */
async function verdictOf(target: Page) {
  const verdict = target.locator('#online-result .verdict:not([data-verdict="WAITING"])');
  await verdict.waitFor({ timeout: 15_000 });
  return {
    verdict: await verdict.getAttribute('data-verdict'),
    codes: await target.locator('#online-result .errors .code').allTextContents(),
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text keeps each term apart from its value
    text: await target.locator('#online-result').innerText(),
  };
}

describe('online mode', () => {
  test('shows a QR code and the request link of an OpenID4VP request by value', async () => {
    const uri = await newRequest(page);
    expect(uri.startsWith('openid4vp://?')).toBe(true);
    const params = new URL(uri).searchParams;
    expect(params.get('client_id')).toBe(`redirect_uri:${web.responseUri}`);
    expect(params.get('response_mode')).toBe('direct_post');
    expect(await page.locator('#countdown').textContent()).toMatch(/^Expires in \d:\d\d$/);
    await screenshot(page, 'online-waiting');
  });

  test('a wallet answers with the SD-JWT VC: ACCEPTED with the issuer’s country, name, assurance and the disclosed claims', async () => {
    const uri = await newRequest(page);
    const request = await world.wallet.parsePresentationRequest(uri);
    expect(request.verifierName).toBe('Counter 3, Port of Spain');
    const answer = await world.wallet.respondToPresentationRequest(request);
    expect(answer.accepted).toBe(true);
    const r = await verdictOf(page);
    expect(r.verdict).toBe('ACCEPTED');
    expect(r.text).toMatch(/Country\s+Trinidad (and|&) Tobago \(TT\)/);
    expect(r.text).toMatch(/Issuer name\s+Registrar General, Trinidad and Tobago/);
    expect(r.text).toMatch(/Assurance level\s+substantial/);
    expect(r.text).toMatch(/given_name\s+Asha/);
    expect(r.text).toMatch(/birthdate\s+1991-04-12/);
    expect(await page.locator('#request').isHidden()).toBe(true);
    await screenshot(page, 'online-accepted', docsScreenshot);
  });

  test('the VCDM 2.0 JWT (vc+jwt) chosen by the holder is ACCEPTED too', async () => {
    const uri = await newRequest(page);
    const request = await world.wallet.parsePresentationRequest(uri);
    const match = await world.wallet.matchPresentationRequest(request);
    const jwtQuery = match.queries.find((q: { format: string }) => q.format === 'jwt_vc_json');
    expect(jwtQuery).toBeDefined();
    const answer = await world.wallet.respondToPresentationRequest(request, { choose: { [jwtQuery.queryId]: world.received.vcJwt } });
    expect(answer.accepted).toBe(true);
    const r = await verdictOf(page);
    expect(r.verdict).toBe('ACCEPTED');
    expect(r.text).toMatch(/Format\s+vc\+jwt/);
    expect(r.text).toMatch(/family_name\s+Ramdial/);
  });

  test('a Data Integrity national ID (ldp_vc) chosen by the holder is ACCEPTED', async () => {
    const di = await world.registry.issue({
      type: 'NationalIdCredential',
      format: 'di',
      context: ['https://www.w3.org/ns/credentials/undefined-terms/v2'],
      status: ['revocation'],
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' },
      validUntil: new Date(Date.now() + 86_400_000),
    });
    // The registry republishes its status lists; a counter started with them knows the new credential's entry.
    const statusLists = await world.republish();
    const lists = Object.fromEntries(Object.entries(statusLists).map(([url, file]) => [url, readFileSync(file, 'utf8')]));
    const stored = await world.wallet.receive(di.credential, {
      policy: { anchors: [world.anchor] },
      recognitionLists: [world.list],
      status: { lists },
    });
    const counter = await startCounter(setup.pageDir, world, { statusLists });
    const { context, page: diPage } = await openPage(browser, counter.url);
    try {
      const request = await world.wallet.parsePresentationRequest(await newRequest(diPage));
      const match = await world.wallet.matchPresentationRequest(request);
      const ldp = match.queries.find((q: { format: string }) => q.format === 'ldp_vc');
      expect(ldp?.candidates.map((c: { credential: { id: string } }) => c.credential.id)).toContain(stored.credential.id);
      const answer = await world.wallet.respondToPresentationRequest(request, { choose: { [ldp.queryId]: stored.credential.id } });
      const r = await verdictOf(diPage);
      expect([answer.accepted, r.verdict, r.codes]).toEqual([true, 'ACCEPTED', []]);
      expect(r.text).toMatch(/Format\s+di/);
      expect(r.text).toMatch(/Assurance level\s+substantial/);
      await screenshot(diPage, 'online-accepted-di');
    } finally {
      await context.close();
      await counter.close();
    }
  });

  test('the age check asks only for age_over_18 and shows only that', async () => {
    const uri = await newRequest(page, 'age-over-18');
    const answer = await world.wallet.respondToPresentationRequest(await world.wallet.parsePresentationRequest(uri));
    expect(answer.accepted).toBe(true);
    const r = await verdictOf(page);
    expect(r.verdict).toBe('ACCEPTED');
    expect(r.text).toMatch(/age_over_18\s+true/);
    expect(r.text).not.toContain('Ramdial');
  });

  test('a national ID from an issuer on no list: REFUSED with UNTRUSTED_ISSUER', async () => {
    const impostor = await openIssuer({ path: join(setup.root, 'impostor.db'), secret: 'impostor secret' });
    await impostor.createDid();
    const other = await openWallet({ path: join(setup.root, 'other-wallet.db'), secret: 'other secret' });
    const holder = await other.createDid();
    const forged = await impostor.issue({
      type: 'NationalIdCredential',
      format: 'dc+sd-jwt',
      status: [],
      credentialSubject: { id: holder.did, given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' },
    });
    await other.receive(forged.jwt);
    try {
      const uri = await newRequest(page);
      const answer = await other.respondToPresentationRequest(await other.parsePresentationRequest(uri));
      expect(answer.accepted).toBe(false);
      expect(answer.code).toBe('UNTRUSTED_ISSUER');
      const r = await verdictOf(page);
      expect(r.verdict).toBe('REFUSED');
      expect(r.codes).toContain('UNTRUSTED_ISSUER');
      await screenshot(page, 'online-refused-untrusted-issuer');
    } finally {
      await other.close();
      await impostor.close();
    }
  });

  test('a holder who declines: REFUSED with DECLINED', async () => {
    const uri = await newRequest(page);
    const answer = await world.wallet.declinePresentationRequest(await world.wallet.parsePresentationRequest(uri));
    expect(answer.httpStatus).toBe(200);
    const r = await verdictOf(page);
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toEqual(['DECLINED']);
    await screenshot(page, 'online-declined');
  });

  test('the built CLI answers: `tradewind wallet respond <URI> --yes`', async () => {
    const bin = join(repo, 'packages', 'cli', 'bin', 'tradewind.js');
    // The process-level CLI tests run the built CLI: `pnpm build` first.
    expect(existsSync(join(repo, 'packages', 'cli', 'dist', 'commands', 'wallet-respond.js'))).toBe(true);
    const uri = await newRequest(page);
    const secretFile = join(setup.root, 'wallet-secret');
    writeFileSync(secretFile, 'counter wallet secret\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'wallet', 'respond', uri, '--wallet', join(world.dir, 'wallet.db'), '--secret-file', secretFile, '--yes'],
      {
        cwd: setup.root,
      },
    );
    expect(stdout).toMatch(/accepted/i);
    const r = await verdictOf(page);
    expect(r.verdict).toBe('ACCEPTED');
    expect(r.text).toMatch(/given_name\s+Asha/);
    await screenshot(page, 'online-accepted-cli');
  });

  test('no request of the page left 127.0.0.1', () => {
    expect(requests.all.length).toBeGreaterThan(0);
    for (const url of requests.all) expect(new URL(url).hostname).toBe('127.0.0.1');
  });
});

describe('an expired request', () => {
  test('shows EXPIRED, and a wallet answering late is refused with REQUEST_EXPIRED', async () => {
    let now = Date.now();
    const late = await startCounter(setup.pageDir, world, { ttlSeconds: 30, now: () => new Date(now) });
    const { context, page: latePage } = await openPage(browser, late.url);
    try {
      const uri = await newRequest(latePage);
      now += 31_000;
      const r = await verdictOf(latePage);
      expect(r.verdict).toBe('EXPIRED');
      expect(r.text).toContain('Make a new request');
      await screenshot(latePage, 'online-expired');
      const answer = await world.wallet.respondToPresentationRequest(await world.wallet.parsePresentationRequest(uri));
      expect(answer.accepted).toBe(false);
      expect(answer.code).toBe('REQUEST_EXPIRED');
    } finally {
      await context.close();
      await late.close();
    }
  });
});
