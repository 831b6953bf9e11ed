import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningVerifierWeb } from '../src/server.js';
import { openPage, type RequestLog, screenshot, startBrowser } from './support/browser.js';
import { type CounterWorld, setUpCounter, startCounter } from './support/counter.js';

// Offline mode: the verifier runs in the page on files the user loads; once it is loaded,
// nothing the page does reaches the server or anything else.
let browser: Browser;
let setup: Awaited<ReturnType<typeof setUpCounter>>;
let world: CounterWorld;
let web: RunningVerifierWeb;
let page: Page;
let requests: RequestLog;
let copies = 0;
const file = (name: string, text: string) => {
  const path = join(setup.root, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  setup = await setUpCounter();
  world = setup.world;
  web = await startCounter(setup.pageDir, world);
  browser = await startBrowser();
  ({ page, requests } = await openPage(browser, web.url));
  await page.getByRole('tab', { name: 'Check a file (offline)' }).click();
  await page.locator('#offline-state[data-ready="true"]').waitFor();
  requests.mark();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await setup?.cleanUp();
});

/** Loads the trust files (policy, the anchor's list, status lists), pastes the input, verifies. */
async function verify(input: string, options: { statusLists?: Record<string, string>; nonce?: string; audience?: string } = {}) {
  await page.setInputFiles('#policy-file', world.files.policy);
  await page.setInputFiles('#list-files', [world.files.recognitionList]);
  // Fresh copies, as a user downloads each new version: a browser keeps reading the file it was first given.
  const statusFiles = Object.values(options.statusLists ?? world.files.statusLists).map((f, i) => {
    const copy = join(setup.root, `status-${++copies}-${i}.jwt`);
    copyFileSync(f, copy);
    return copy;
  });
  await page.setInputFiles('#status-files', statusFiles);
  await page.fill('#offline-input', input);
  await page.fill('#nonce', options.nonce ?? '');
  await page.fill('#audience', options.audience ?? '');
  await page.click('#verify');
  const verdict = page.locator('#offline-result .verdict:not([data-verdict="VERIFYING"])');
  await verdict.waitFor();
  return {
    verdict: await verdict.getAttribute('data-verdict'),
    codes: await page.locator('#offline-result .errors .code').allTextContents(),
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text keeps each term apart from its value
    text: await page.locator('#offline-result').innerText(),
  };
}

describe('offline mode', () => {
  test('maps each status list file to the URL it names', async () => {
    await page.setInputFiles('#status-files', Object.values(world.files.statusLists));
    const shown = await page.locator('#loaded-files .status-map').allTextContents();
    for (const url of Object.keys(world.files.statusLists)) expect(shown.some((s) => s.includes(url))).toBe(true);
  });

  test('a valid national ID (vc+jwt) is VERIFIED with the issuer’s country, name and assurance level', async () => {
    const r = await verify(world.issued.vcJwt.jwt);
    expect(r.verdict).toBe('VERIFIED');
    expect(r.text).toMatch(/Country\s+Trinidad (and|&) Tobago \(TT\)/);
    expect(r.text).toContain('Registrar General, Trinidad and Tobago');
    expect(r.text).toMatch(/Assurance level\s+substantial/);
    expect(r.text).toMatch(/given_name\s+Asha/);
    await screenshot(page, 'offline-verified');
  });

  test('an SD-JWT VC as issued is VERIFIED with its claims', async () => {
    const r = await verify(world.issued.sdJwt.jwt);
    expect(r.verdict).toBe('VERIFIED');
    expect(r.text).toMatch(/family_name\s+Ramdial/);
    expect(r.text).toContain('dc+sd-jwt');
  });

  test('a tampered credential is REFUSED with SIGNATURE_INVALID', async () => {
    const [h, p, s] = world.issued.vcJwt.jwt.split('.') as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    const r = await verify([h, p, flipped].join('.'));
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toContain('SIGNATURE_INVALID');
    await screenshot(page, 'offline-signature-invalid');
  });

  test('a credential whose claims were changed is REFUSED with SIGNATURE_INVALID', async () => {
    const [h, p, s] = world.issued.vcJwt.jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    payload.credentialSubject.family_name = 'Someone-Else';
    const r = await verify([h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.'));
    expect(r.codes).toEqual(['SIGNATURE_INVALID']);
  });

  test('a credential from an issuer on no list is REFUSED with UNTRUSTED_ISSUER', async () => {
    const { openIssuer } = await import('@tradewind/issuer');
    const impostor = await openIssuer({ path: join(setup.root, 'impostor.db'), secret: 'impostor secret' });
    await impostor.createDid();
    const forged = await impostor.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial', nationality: 'TT' },
      status: [],
    });
    await impostor.close();
    const r = await verify(forged.jwt);
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toEqual(['UNTRUSTED_ISSUER']);
    await screenshot(page, 'offline-untrusted-issuer');
  });

  test('an expired credential is REFUSED with EXPIRED', async () => {
    const expired = await world.registry.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: ['revocation'],
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial' },
      validFrom: '2020-01-01T00:00:00Z',
      validUntil: '2021-01-01T00:00:00Z',
    });
    const r = await verify(expired.jwt, { statusLists: await world.republish() });
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toContain('EXPIRED');
    await screenshot(page, 'offline-expired');
  });

  test('a revoked credential is REFUSED with REVOKED (status list file)', async () => {
    const revoked = await world.registry.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: ['revocation'],
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial' },
      validUntil: new Date(Date.now() + 86_400_000),
    });
    const before = await verify(revoked.jwt, { statusLists: await world.republish() });
    expect(before.verdict).toBe('VERIFIED');
    await world.registry.revoke(revoked.id);
    const r = await verify(revoked.jwt, { statusLists: await world.republish() });
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toEqual(['REVOKED']);
    await screenshot(page, 'offline-revoked');
  });

  test('without the status list, a credential whose issuer must give status is REFUSED with STATUS_UNAVAILABLE', async () => {
    const r = await verify(world.issued.vcJwt.jwt, { statusLists: {} });
    expect(r.codes).toContain('STATUS_UNAVAILABLE');
  });

  test('text that is not a credential is REFUSED with MALFORMED', async () => {
    const r = await verify('this is not a credential');
    expect(r.verdict).toBe('REFUSED');
    expect(r.codes).toEqual(['MALFORMED']);
    const json = await verify('{"hello":"world"}');
    expect(json.codes[0]).toBe('MALFORMED');
    await screenshot(page, 'offline-malformed');
  });

  test('a presentation is VERIFIED with the expected nonce and audience, and refused with another nonce or audience', async () => {
    const nonce = 'counter-n-7c1e';
    const audience = 'https://counter.example.tt';
    const vp = await world.wallet.present({ credentials: [world.received.vcJwt], nonce, audience });
    const ok = await verify(vp, { nonce, audience });
    expect(ok.verdict).toBe('VERIFIED');
    expect(ok.text).toContain(`Holder: ${world.holder}`);
    expect(ok.text).toContain('Registrar General, Trinidad and Tobago');
    await screenshot(page, 'offline-presentation-verified');
    expect((await verify(vp, { nonce: 'another-nonce', audience })).codes).toContain('NONCE_MISMATCH');
    expect((await verify(vp, { nonce, audience: 'https://elsewhere.example' })).codes).toContain('AUDIENCE_MISMATCH');
  });

  test('an SD-JWT presentation shows only the disclosed claims', async () => {
    const nonce = 'counter-n-sd-1';
    const audience = 'https://counter.example.tt';
    const p = await world.wallet.presentSdJwt({ credential: world.received.sdJwt, disclose: ['nationality'], nonce, audience });
    const r = await verify(p.presentation, { nonce, audience });
    expect(r.verdict).toBe('VERIFIED');
    expect(r.text).toMatch(/nationality\s+TT/);
    expect(r.text).not.toContain('Ramdial');
  });

  test('a bad policy file is refused before anything is verified', async () => {
    await page.setInputFiles('#policy-file', file('bad-policy.json', '{"anchors": ["not a did"]}'));
    await page.fill('#offline-input', world.issued.vcJwt.jwt);
    await page.click('#verify');
    await expect.poll(() => page.locator('#offline-result .code').first().textContent()).toBe('INVALID_ARGUMENT');
  });

  test('no request left the page after the verifier was loaded, and none ever left 127.0.0.1', () => {
    expect(requests.since()).toEqual([]);
    for (const url of requests.all) expect(new URL(url).hostname).toBe('127.0.0.1');
  });
});

describe('offline mode, Data Integrity', () => {
  test('a di credential (eddsa-rdfc-2022) is VERIFIED in the page; only the page’s own code chunks load for it', async () => {
    requests.mark();
    const di = await world.registry.issue({
      type: 'NationalIdCredential',
      format: 'di',
      context: ['https://www.w3.org/ns/credentials/undefined-terms/v2'],
      status: ['revocation'],
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial', nationality: 'TT' },
      validUntil: new Date(Date.now() + 86_400_000),
    });
    const r = await verify(JSON.stringify(di.credential), { statusLists: await world.republish() });
    expect([r.verdict, r.codes]).toEqual(['VERIFIED', []]);
    expect(r.text).toMatch(/Format\s+di/);
    expect(r.text).toMatch(/Assurance level\s+substantial/);
    const tampered = { ...di.credential, credentialSubject: { ...di.credential.credentialSubject, family_name: 'Someone-Else' } };
    expect((await verify(JSON.stringify(tampered), { statusLists: await world.republish() })).codes).toContain('SIGNATURE_INVALID');
    for (const url of requests.since()) expect(url).toMatch(new RegExp(`^${web.url}chunk-[A-Z0-9]+\\.js$`));
  });
});
