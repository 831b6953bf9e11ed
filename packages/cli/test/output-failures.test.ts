// Threats: a file the CLI writes (recognition-list sign --out) was written in place, so
// a full disk or a kill left a truncated file where a good one was; and storage
// failures (a file size limit, an I/O error on the database) came out as UNEXPECTED or
// as a refusal (exit 1). Here the write really fails, under `ulimit -f`, in the built
// executable.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didJwk, vcJwt } from './helpers/credentials.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tw-cli-output-'));
const env = { ...process.env, TRADEWIND_SECRET: 'anchor secret' };

/**
 * Runs the built `tradewind` in `dir` with a file size limit of `limitKiB` (none when
 * undefined), its standard output redirected to `stdoutTo` when given.
 */
function tradewind(args: string[], limitKiB?: number, stdoutTo?: string) {
  const limit = limitKiB === undefined ? '' : `ulimit -f ${limitKiB}; `;
  const redirect = stdoutTo === undefined ? '' : ` > ${stdoutTo}`;
  const r = spawnSync('bash', ['-c', `${limit}exec "$0" "$@"${redirect}`, process.execPath, bin, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  expect(tradewind(['issuer', 'init', '--db', 'anchor.db', '--status-base-url', 'https://anchor.example/status']).code).toBe(0);
  // A list of 300 entries signs to about 90 KiB: larger than the 64 KiB limit below,
  // while the database itself needs no more than that.
  const entries = Array.from({ length: 300 }, (_, i) => {
    const { kty, crv, x } = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const id = `did:jwk:${Buffer.from(JSON.stringify({ kty, crv, x })).toString('base64url')}`;
    return { id, country: 'TT', name: `Issuer ${i}`, credentialTypes: ['NationalIdCredential'], assuranceLevel: 'high' };
  });
  writeFileSync(join(dir, 'list.json'), JSON.stringify({ sequence: 2, nextUpdate: '2027-06-01T00:00:00Z', entries }));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a write that fails keeps the previous file and reports STORAGE_ERROR, exit 2', () => {
  it('recognition-list sign --out over a file size limit: EFBIG is STORAGE_ERROR; the earlier list is intact, no temp file left', () => {
    const first = tradewind(['recognition-list', 'sign', 'list.json', '--db', 'anchor.db', '--out', 'signed.jwt']);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(join(dir, 'signed.jwt'), 'utf8');
    expect(before.length).toBeGreaterThan(64 * 1024);

    const failed = tradewind(['recognition-list', 'sign', 'list.json', '--db', 'anchor.db', '--out', 'signed.jwt', '--json'], 64);
    expect(failed.code, failed.stderr).toBe(2);
    const error = JSON.parse(failed.stderr).error;
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toContain('EFBIG');
    expect(readFileSync(join(dir, 'signed.jwt'), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a database that cannot grow (I/O error under a 1 KiB limit) is STORAGE_ERROR, exit 2, not UNEXPECTED', () => {
    const r = tradewind(['issuer', 'init', '--db', 'tiny.db', '--status-base-url', 'https://tiny.example/status', '--json'], 1);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stderr).error.code).toBe('STORAGE_ERROR');
  });

  it('standard output redirected to a file over a file size limit: STORAGE_ERROR, exit 2, not exit 0 with half a list', () => {
    const r = tradewind(['recognition-list', 'sign', 'list.json', '--db', 'anchor.db'], 64, 'stdout.jwt');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/STORAGE_ERROR: .*EFBIG/);
  });

  it('standard output to a full device (/dev/full): STORAGE_ERROR, exit 2, for a result and for --version alike', () => {
    const signed = tradewind(['recognition-list', 'sign', 'list.json', '--db', 'anchor.db'], undefined, '/dev/full');
    expect(signed.code, signed.stderr).toBe(2);
    expect(signed.stderr).toMatch(/STORAGE_ERROR: .*ENOSPC/);
    const version = tradewind(['--version'], undefined, '/dev/full');
    expect(version.code, version.stderr).toBe(2);
    expect(version.stderr).toMatch(/STORAGE_ERROR/);
  });

  it('a read-only database (SQLITE_READONLY on write) is STORAGE_ERROR, exit 2, not UNEXPECTED', async (context) => {
    const walletEnv = ['--db', 'readonly-wallet.db'];
    expect(tradewind(['wallet', 'init', '--method', 'jwk', ...walletEnv]).code).toBe(0);
    writeFileSync(join(dir, 'id.jwt'), await vcJwt(didJwk()));
    const db = join(dir, 'readonly-wallet.db');
    // Root ignores file modes; the immutable attribute binds it too. Skip where chattr is unavailable.
    if (spawnSync('chattr', ['+i', db]).status !== 0) return context.skip();
    try {
      const r = tradewind(['wallet', 'add', 'id.jwt', ...walletEnv, '--json']);
      expect(r.code, r.stderr).toBe(2);
      const error = JSON.parse(r.stderr).error;
      expect(error.code).toBe('STORAGE_ERROR');
      expect(error.message).toContain('SQLITE_READONLY');
    } finally {
      spawnSync('chattr', ['-i', db]);
    }
  });
});
