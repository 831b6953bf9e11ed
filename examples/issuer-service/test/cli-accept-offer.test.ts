// `tradewind wallet accept-offer` as a user runs it: the built CLI in its own process,
// against the service listening on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startTestService, type TestService } from './helpers.js';

const BIN = fileURLToPath(new URL('../../../packages/cli/bin/tradewind.js', import.meta.url));

let service: TestService;
let dir: string;
let db: string;
let holder: string;
const env = { ...process.env, TRADEWIND_SECRET: 'cli wallet secret', TRADEWIND_DEBUG: '' };

function tradewind(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function offer(body: Record<string, unknown> = {}): Promise<{ credentialOfferUri: string; txCode?: string }> {
  const res = await post(
    `${service.base}/offers`,
    { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha' }, ...body },
    service.adminKey,
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { credentialOfferUri: string; txCode?: string };
}

beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'tw-cli-accept-offer-'));
  db = join(dir, 'wallet.db');
  const init = await tradewind(['wallet', 'init', '--db', db, '--json']);
  expect(init.code, init.stderr).toBe(0);
  holder = (JSON.parse(init.stdout) as { did: string }).did;
});
afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tradewind wallet accept-offer', () => {
  it('stores the offered credential bound to the wallet holder (exit 0), and lists it', async () => {
    const { credentialOfferUri, txCode } = await offer({ txCode: true });
    const r = await tradewind([
      'wallet',
      'accept-offer',
      credentialOfferUri,
      '--db',
      db,
      '--tx-code',
      txCode as string,
      '--allow-insecure-http',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      stored: string;
      added: boolean;
      updated: boolean;
      issuer: string;
      subject: string;
      warnings: unknown[];
    };
    expect(out).toMatchObject({ added: true, updated: false, issuer: service.did, subject: holder, warnings: [] });
    const list = await tradewind(['wallet', 'list', '--db', db, '--json']);
    expect(list.stdout).toContain(out.stored);
  });

  it('prints the stored credential in one line without --json', async () => {
    const { credentialOfferUri } = await offer();
    const r = await tradewind(['wallet', 'accept-offer', credentialOfferUri, '--db', db, '--allow-insecure-http']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^stored [0-9a-f]{64} {2}NationalIdCredential {2}jwt_vc {2}did:web:127\.0\.0\.1%3A/);
  });

  it('takes a dc+sd-jwt offer, and wallet present --disclose shows only the chosen claim, which @tradewind/verifier accepts', async () => {
    const { credentialOfferUri } = await offer({
      credentialConfigurationId: 'NationalIdCredential_sd_jwt',
      claims: { given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' },
    });
    const r = await tradewind(['wallet', 'accept-offer', credentialOfferUri, '--db', db, '--allow-insecure-http', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const stored = (JSON.parse(r.stdout) as { stored: string; issuer: string }).stored;
    const p = await tradewind([
      'wallet',
      'present',
      stored,
      '--db',
      db,
      '--disclose',
      'nationality',
      '--nonce',
      'n-0c1f',
      '--audience',
      'https://bank.example.bb',
      '--json',
    ]);
    expect(p.code, p.stderr).toBe(0);
    const out = JSON.parse(p.stdout) as { presentation: string; withheld: Array<{ path: string }> };
    expect(out.withheld.map((w) => w.path)).toEqual(expect.arrayContaining(['/given_name', '/family_name', '/birthdate', '/age_over_18']));
    const verifier = createVerifier({
      trustedIssuers: [service.did],
      didResolver: { didWebFetcher: async (url) => (await fetch(url)).json(), allowInsecureDidWeb: true },
      status: { provider: { get: async (url) => (await fetch(url)).text() }, allowInsecureUrls: true },
    });
    const result = await verifier.verifyPresentation(out.presentation, { nonce: 'n-0c1f', audience: 'https://bank.example.bb' });
    expect(result.verified, JSON.stringify(result)).toBe(true);
    if (!result.verified || result.format !== 'dc+sd-jwt') throw new Error('not a verified SD-JWT presentation');
    expect(result.credentials[0].disclosed).toEqual([{ path: '/nationality', name: 'nationality', value: 'TT' }]);
  });

  it('exit 1 with REFUSED for a used offer code and a wrong transaction code, NOT_FOUND for a used offer', async () => {
    const { credentialOfferUri, txCode } = await offer({ txCode: true });
    const wrong = await tradewind([
      'wallet',
      'accept-offer',
      credentialOfferUri,
      '--db',
      db,
      '--tx-code',
      txCode === '000000' ? '111111' : '000000',
      '--allow-insecure-http',
      '--json',
    ]);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stderr).error).toMatchObject({ code: 'REFUSED', message: expect.stringContaining('invalid_grant') });
    const ok = await tradewind([
      'wallet',
      'accept-offer',
      credentialOfferUri,
      '--db',
      db,
      '--tx-code',
      txCode as string,
      '--allow-insecure-http',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const used = await tradewind([
      'wallet',
      'accept-offer',
      credentialOfferUri,
      '--db',
      db,
      '--tx-code',
      txCode as string,
      '--allow-insecure-http',
      '--json',
    ]);
    expect(used.code).toBe(1);
    expect(JSON.parse(used.stderr).error.code).toBe('NOT_FOUND');
  });

  it('exit 2 for a missing transaction code or offer URI; exit 1 for an http issuer not allowed (MALFORMED) and an unreachable one (UNREACHABLE)', async () => {
    const { credentialOfferUri } = await offer({ txCode: true });
    const missing = await tradewind(['wallet', 'accept-offer', credentialOfferUri, '--db', db, '--allow-insecure-http', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr).error.code).toBe('INVALID_ARGUMENT');
    const insecure = await tradewind(['wallet', 'accept-offer', credentialOfferUri, '--db', db, '--tx-code', '1', '--json']);
    expect(insecure.code).toBe(1);
    expect(JSON.parse(insecure.stderr).error.code).toBe('MALFORMED');
    const usage = await tradewind(['wallet', 'accept-offer', '--db', db, '--json']);
    expect(usage.code).toBe(2);
    const unreachable = await tradewind([
      'wallet',
      'accept-offer',
      `openid-credential-offer://?credential_offer_uri=${encodeURIComponent('http://127.0.0.1:9/offers/x')}`,
      '--db',
      db,
      '--allow-insecure-http',
      '--json',
    ]);
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.stderr).error.code).toBe('UNREACHABLE');
  });
});
