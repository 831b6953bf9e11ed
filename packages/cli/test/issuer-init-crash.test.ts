// Threat: `tradewind issuer init` killed half-way (after the database file exists,
// before its first DID) left a database at --db that a second `issuer init` refused
// ("already exists; an issuer database is created once") and that could not issue
// ("no issuer DID"). The database is now built under a temporary name and moved into
// place only when complete, so a kill leaves nothing at --db and init can simply run again.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const env = { ...process.env, TRADEWIND_SECRET: 'init crash secret' };
let dir: string;
let killOnKeyGeneration: string;

function tradewind(args: string[], preload?: string) {
  const node = [...(preload ? ['--import', pathToFileURL(preload).href] : []), bin, ...args];
  const r = spawnSync(process.execPath, node, { env, cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-init-crash-'));
  // Dies when the first DID's key is generated (the random bytes of its Ed25519 seed): the
  // database exists, migrated, with its settings, but has no DID yet.
  killOnKeyGeneration = join(dir, 'kill-on-keygen.mjs');
  writeFileSync(
    killOnKeyGeneration,
    `import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
const randomBytes = crypto.randomBytes;
crypto.randomBytes = (...args) => {
  if (new Error().stack.includes('newPrivateKeyHex')) process.kill(process.pid, 'SIGKILL');
  return randomBytes(...args);
};
syncBuiltinESMExports();
`,
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind issuer init killed half-way', () => {
  it('leaves no database at --db; running init again creates a complete one that issues', () => {
    const db = join(dir, 'registry.db');
    const args = ['issuer', 'init', '--db', db, '--status-base-url', 'https://registry.gov.example/status'];
    const killed = tradewind(args, killOnKeyGeneration);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(db)).toBe(false);

    const again = tradewind([...args, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).did).toMatch(/^did:key:/);
    const issued = tradewind(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--json']);
    expect(issued.code, issued.stderr).toBe(0);

    const twice = tradewind(args);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already exists/);
  }, 60_000);

  it('a failed init (an invalid --domain) leaves no file behind either', () => {
    const db = join(dir, 'failed.db');
    const r = tradewind(['issuer', 'init', '--db', db, '--method', 'web', '--domain', 'bad domain!']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('.init');
    expect(readdirSync(dir).filter((f) => f.includes('failed.db'))).toEqual([]);
  }, 60_000);
});
