import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

beforeAll(() => {
  // The demo imports the built packages, as an agency's or a bank's program would.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}, 180_000);

it('the cross-border demo accepts in Barbados and rejects at the Jamaican border, after revocation, and for a forged list', () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../demo.mjs', import.meta.url))], { encoding: 'utf8' });
  expect(out).toMatch(
    /7\. A bank in Barbados[^\n]*\n {3}→ ACCEPTED: NationalIdCredential[^\n]*\n {5}issuer Registrar General, Trinidad and Tobago \(TT\), assurance substantial/,
  );
  expect(out).toMatch(/8\. [^\n]*\n {3}→ REJECTED NONCE_MISMATCH/);
  expect(out).toMatch(/9\. [^\n]*\n {3}→ REJECTED NOT_RECOGNIZED/);
  expect(out).toMatch(/10\. [^\n]*\n {3}→ REJECTED REVOKED/);
  expect(out).toMatch(/11\. [^\n]*\n {3}→ REJECTED TRUST_LIST_INVALID/);
  expect(out).toContain('All steps behaved as expected');
}, 60_000);
