// Hostile SD-JWT input to the built CLI: `tradewind verify` of tampered presentations exits
// 1 and prints the code; `tradewind wallet present --disclose` with odd values refuses
// without signing anything, and its presentations verify with only what was asked.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, type VerifiedSdJwtPresentation } from '@tradewind/verifier';
import { openWallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, disclosure, disclosuresOf, issuerJwtOf, kbOf, NATIONAL_ID, withoutKb } from './helpers.js';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/tradewind.js', import.meta.url));
const kdf = { N: 2 ** 10, r: 8, p: 1 };
const NONCE = 'cli-adv-nonce';
const AUDIENCE = 'https://bank.example.bb';
const SECRET = 'cli adversarial wallet secret';

let dir: string;
let issuer: Issuer;
let walletDb: string;
let secretFile: string;
let credentialId: string;
let presentation: string;

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, TRADEWIND_SECRET: '', TRADEWIND_WALLET_DB: '' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-adv-cli-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 'i', kdf, statusListBaseUrl: 'https://registry.gov.lc/status' });
  await issuer.createDid({ method: 'key' });
  walletDb = join(dir, 'wallet.db');
  secretFile = file('secret.txt', `${SECRET}\n`);
  const wallet = await openWallet({ path: walletDb, secret: SECRET, kdf });
  const holder = await wallet.createDid({ method: 'key' });
  const issued = await issuer.issue({
    format: 'dc+sd-jwt',
    type: 'NationalIdCredential',
    credentialSubject: { id: holder.did, ...NATIONAL_ID },
    status: [],
  });
  credentialId = (await wallet.receive(issued.jwt)).credential.id;
  presentation = (await wallet.presentSdJwt({ credential: credentialId, disclose: ['nationality'], nonce: NONCE, audience: AUDIENCE }))
    .presentation;
  await wallet.close();
}, 120_000);
afterAll(async () => {
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tradewind verify', () => {
  const bound = ['--nonce', NONCE, '--audience', AUDIENCE];

  it('control: the untouched presentation exits 0', () => {
    const r = run(['verify', file('ok.txt', presentation), ...bound]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('VERIFIED');
  });

  it('a swapped disclosure, a dropped key binding, another nonce, a foreign disclosure: exit 1 with the code', () => {
    const jwt = issuerJwtOf(presentation);
    const [nat] = disclosuresOf(presentation) as [string];
    const [salt] = JSON.parse(Buffer.from(nat, 'base64url').toString('utf8')) as [string];
    const forged = disclosure(salt, 'nationality', 'US');
    const cases: Array<[string, string, string[], string]> = [
      ['swapped', `${jwt}~${forged}~${kbOf(presentation)}`, bound, 'DISCLOSURE_INVALID'],
      ['no key binding', withoutKb(presentation), bound, 'HOLDER_BINDING'],
      ['another nonce', presentation, ['--nonce', 'other', '--audience', AUDIENCE], 'NONCE_MISMATCH'],
      ['another audience', presentation, ['--nonce', NONCE, '--audience', 'https://shop.example.jm'], 'AUDIENCE_MISMATCH'],
      ['foreign disclosure', `${jwt}~${nat}~${disclosure('c2FsdA', 'age_over_21', true)}~`, [], 'DISCLOSURE_INVALID'],
      ['key binding without the disclosure it covers', `${jwt}~${kbOf(presentation)}`, bound, 'HOLDER_BINDING'],
    ];
    for (const [what, text, args, code] of cases) {
      const r = run(['verify', file(`${what.replaceAll(' ', '-')}.txt`, text), ...args]);
      expect(r.status, `${what}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout + r.stderr, what).toContain(code);
      expect(r.stdout, what).toMatch(/^NOT VERIFIED/);
    }
  });

  it('from stdin and as --json the same refusal, exit 1', () => {
    const jwt = issuerJwtOf(presentation);
    const text = `${jwt}~${disclosure('c2FsdA', 'nationality', 'US')}~${kbOf(presentation)}`;
    const r = run(['verify', '-', '--json', ...bound], text);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { verified: boolean; errors: Array<{ code: string }> };
    expect(out.verified).toBe(false);
    expect(out.errors.map((e) => e.code)).toContain('DISCLOSURE_INVALID');
  });
});

describe('tradewind wallet present --disclose', () => {
  const present = (...disclose: string[]) =>
    run([
      'wallet',
      'present',
      credentialId,
      '--nonce',
      NONCE,
      '--audience',
      AUDIENCE,
      '--db',
      walletDb,
      '--secret-file',
      secretFile,
      ...disclose.flatMap((d) => ['--disclose', d]),
    ]);

  it('control: --disclose nationality gives a presentation showing only nationality', async () => {
    const r = present('nationality');
    expect(r.status, r.stderr).toBe(0);
    const result = await createVerifier().verifyPresentation(r.stdout.trim(), { nonce: NONCE, audience: AUDIENCE });
    expect(codes(result)).toEqual([]);
    const claims = (result as VerifiedSdJwtPresentation).credentials[0].claims;
    expect(claims.nationality).toBe('TT');
    expect(claims.given_name).toBeUndefined();
  });

  it('names that are no claim, prototypes, the root, and pointer tricks: exit 2 or 1, nothing on stdout', () => {
    for (const value of [
      '__proto__',
      'constructor',
      'toString',
      '/',
      '/__proto__',
      'address.__proto__',
      'no_such',
      '/given_name/x',
      '~1',
    ]) {
      const r = present(value);
      expect(r.status, `${value}: ${r.stderr}`).not.toBe(0);
      expect(r.stdout.trim(), value).toBe('');
    }
    // Nine runs of the CLI one after the other, each opening the wallet: seconds alone,
    // far longer on a machine busy with other suites.
  }, 180_000);

  it("'' and ',,,' show only the claims signed in plain text", async () => {
    for (const value of ['', ',,,']) {
      const r = present(value);
      expect(r.status, r.stderr).toBe(0);
      const result = await createVerifier().verifyPresentation(r.stdout.trim(), { nonce: NONCE, audience: AUDIENCE });
      expect(codes(result)).toEqual([]);
      expect((result as VerifiedSdJwtPresentation).credentials[0].disclosed).toEqual([]);
    }
  });
});
