// The built `tradewind` executable as users run it: a separate node process, real
// exit codes, real stdin.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didJwk, tamper, tempFiles, VALID_UNTIL, vcJwt } from './helpers/credentials.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const files = tempFiles();

function tradewind(args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input: stdin ?? '', encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let valid: string;
let tampered: string;
let issuer: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  const key = didJwk();
  issuer = key.did;
  const jwt = await vcJwt(key);
  valid = files.write('valid.jwt', jwt);
  tampered = files.write('tampered.jwt', tamper(jwt));
}, 120_000);

describe('node packages/cli/dist/bin.js', () => {
  it('exits 0 for a valid credential', () => {
    const r = tradewind(['verify', valid]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED\n/);
  });

  it('exits 1 for a tampered credential and for garbage (MALFORMED)', () => {
    const t = tradewind(['verify', tampered]);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('SIGNATURE_INVALID: ');
    const g = tradewind(['verify', files.write('garbage.txt', 'lorem ipsum dolor sit amet')]);
    expect(g.code).toBe(1);
    expect(g.stdout).toContain('MALFORMED: ');
  });

  it('exits 2 for a missing file, a bad flag and a bad policy', () => {
    expect(tradewind(['verify', '/nonexistent/credential.jwt']).code).toBe(2);
    expect(tradewind(['verify', valid, '--polcy', 'p.json']).code).toBe(2);
    const policy = files.write('policy.json', JSON.stringify({ trustedIssuers: [issuer], acceptEverything: true }));
    const r = tradewind(['verify', valid, '--policy', policy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown policy key "acceptEverything"');
  });

  it('reads stdin for - and prints JSON for --json', () => {
    const r = tradewind(['verify', '-', '--json'], `${readFileSync(valid, 'utf8')}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, format: 'vc+jwt', issuer });
  });

  it('--now past validUntil: EXPIRED, exit 1', () => {
    const r = tradewind(['verify', valid, '--json', '--now', new Date(VALID_UNTIL.getTime() + 1000 * 3600 * 24).toISOString()]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['EXPIRED']);
  });
});

// Threat (to a new user): `pnpm tradewind verify FILE` resolved FILE against the
// repository root, not the folder the user was in. `tradewind` is a real executable:
// its paths are the caller's, however it is started.
describe('tradewind as a real command', () => {
  // A folder inside the repository (so that `pnpm tradewind` finds the root script) but
  // not the root itself, holding the credential under a relative name.
  const inside = join(root, '.tmp', `bin-cwd-${process.pid}`);
  beforeAll(() => {
    mkdirSync(inside, { recursive: true });
    copyFileSync(valid, join(inside, 'here.jwt'));
    copyFileSync(valid, join(files.dir, 'here.jwt'));
  });
  afterAll(() => rmSync(inside, { recursive: true, force: true }));

  it("dist/bin.js starts with a node shebang and runs from the caller's folder", () => {
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const r = spawnSync(process.execPath, [bin, 'verify', 'here.jwt'], { cwd: files.dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
  });

  it('the installed bin file exists before any build, and says to build when dist/ is missing', () => {
    const shim = fileURLToPath(new URL('../bin/tradewind.js', import.meta.url));
    expect(statSync(shim).mode & 0o111).toBe(0o111);
    const unbuilt = join(files.dir, 'unbuilt');
    mkdirSync(join(unbuilt, 'bin'), { recursive: true });
    copyFileSync(shim, join(unbuilt, 'bin', 'tradewind.js'));
    const r = spawnSync(process.execPath, [join(unbuilt, 'bin', 'tradewind.js'), 'verify', 'x'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not built yet; run `pnpm build`/);
  });

  it("the linked bin (pnpm exec tradewind) resolves a relative path against the caller's folder", () => {
    const r = spawnSync(join(root, 'node_modules/.bin/tradewind'), ['verify', 'here.jwt'], {
      cwd: files.dir,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED\n/);
  });

  it('pnpm tradewind verify FILE in a subfolder reads FILE from that subfolder, not the repository root', () => {
    const r = spawnSync('pnpm', ['--silent', 'tradewind', 'verify', 'here.jwt'], { cwd: inside, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED\n/);
    const exec = spawnSync('pnpm', ['exec', 'tradewind', 'verify', 'here.jwt'], { cwd: inside, encoding: 'utf8', timeout: 30_000 });
    expect(exec.status, exec.stderr).toBe(0);
  });
});
