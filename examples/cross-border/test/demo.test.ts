import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const run = (args: string[] = [], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [demo, ...args], { encoding: 'utf8', env: { ...process.env, TRADEWIND_DEMO_KEEP: '', ...env } });

beforeAll(() => {
  // The demo imports the built packages, as an agency's or a bank's program would.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}, 180_000);

describe('the cross-border demo', () => {
  let out = '';
  beforeAll(() => {
    out = run();
  }, 60_000);

  it('accepts in Barbados and rejects at the Jamaican border, after revocation, and for a forged list', () => {
    expect(out).toMatch(
      /7\. A bank in Barbados[^\n]*\n {3}→ ACCEPTED by the bank in Barbados[^\n]*\n {5}NationalIdCredential[^\n]*\n {5}issuer Registrar General, Trinidad and Tobago \(TT\), assurance substantial/,
    );
    expect(out).toMatch(/8\. [^\n]*\n {3}→ REJECTED by [^\n]*\n {5}NONCE_MISMATCH/);
    expect(out).toMatch(/9\. [^\n]*\n {3}→ REJECTED by the Jamaican border:\n {5}NOT_RECOGNIZED/);
    expect(out).toMatch(/10\. [^\n]*\n {3}→ REJECTED by the bank in Barbados:\n {5}REVOKED/);
    expect(out).toMatch(/11\. [^\n]*\n {3}→ REJECTED by a verifier handed the forged list:\n {5}TRUST_LIST_INVALID/);
    expect(out).toContain('All steps behaved as expected');
  });

  it('says who the accepted person is: name and birth date', () => {
    expect(out).toContain('→ ACCEPTED by the bank in Barbados: Asha Ramdial, born 1991-04-12');
  });

  it('shortens key-based DIDs and keeps did:web whole', () => {
    expect(out).toContain('did:web:registry.gov.tt');
    expect(out).toMatch(/did:key:z6Mk…[A-Za-z0-9]{5}\b/);
    // No full-length did:key or did:jwk anywhere, messages included.
    expect(out).not.toMatch(/did:(key|jwk):[A-Za-z0-9_-]{12,}/);
  });

  it('says that its working folder is deleted and how to keep it', () => {
    const folder = /Working folder (\S+) deleted; to keep it, run with --keep/.exec(out)?.[1];
    expect(folder).toBeDefined();
    expect(existsSync(folder as string)).toBe(false);
    expect(out).toContain('TRADEWIND_DEMO_KEEP=1');
  });
});

it('keeps its working folder with TRADEWIND_DEMO_KEEP=1 and says where', () => {
  const out = run([], { TRADEWIND_DEMO_KEEP: '1' });
  const folder = /Working folder kept: (\S+) /.exec(out)?.[1];
  expect(folder).toBeDefined();
  try {
    expect(existsSync(`${folder}/asha-wallet.db`)).toBe(true);
  } finally {
    rmSync(folder as string, { recursive: true, force: true });
  }
}, 60_000);
