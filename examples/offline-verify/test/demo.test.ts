import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

beforeAll(() => {
  // The demo imports the built packages, as a user's program would.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}, 120_000);

it('the offline-verify demo accepts the valid credential and rejects the tampered, expired and untrusted ones', () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../demo.mjs', import.meta.url))], {
    encoding: 'utf8',
    // A demo that hangs fails the test instead of holding the worker (a synchronous call outlives vitest's timeout).
    timeout: 60_000,
  });
  expect(out).toMatch(/3\. .*\n(?:.*\n)*? {3}✔ VERIFIED\n {5}format {3}vc\+jwt/);
  expect(out).toContain('SIGNATURE_INVALID: ');
  expect(out).toContain('EXPIRED: ');
  expect(out).toContain('UNTRUSTED_ISSUER: ');
  expect(out).toContain('Done: valid accepted');
});
