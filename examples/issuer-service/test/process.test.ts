// The built `tradewind-issuer-service` command as an agency runs it: a separate node
// process, a config file, its first-start output, SIGTERM and exit codes.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySqliteFixture, MANIFEST_3FBC539 } from '../../../packages/issuer/test/fixtures/legacy-3fbc539.js';
import { hashAdminKey } from '../src/auth.js';
import { inspectServiceMigrations } from '../src/migrations.js';
import { STATE_MIGRATIONS } from '../src/state-migrations.js';
import { StateStore } from '../src/state-store.js';
import { freePort, TEST_KDF } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/issuer-service.js', import.meta.url));
const SECRET = 'process-test-secret-value';
let dir: string;

beforeAll(async () => {
  // The tree may be shared with other builds: take the build lock where there is one.
  const build = existsSync('/usr/bin/flock')
    ? ['/usr/bin/flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs']]
    : [process.execPath, ['scripts/build.mjs']];
  execFileSync(build[0] as string, build[1] as string[], { cwd: root, stdio: 'pipe' });
  dir = await mkdtemp(join(tmpdir(), 'tw-service-process-'));
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts the command and collects its stdout until `until` shows up in it. */
function start(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; waitFor(text: string): Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiting: Array<{ text: string; resolve: (s: string) => void }> = [];
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
    for (const w of waiting.filter((x) => out.includes(x.text))) w.resolve(out);
  });
  child.stderr?.on('data', (chunk) => {
    out += String(chunk);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor: (text) =>
      out.includes(text)
        ? Promise.resolve(out)
        : Promise.race([
            new Promise<string>((resolve) => waiting.push({ text, resolve })),
            exit.then(() => {
              throw new Error(`exited before printing ${text}: ${out}`);
            }),
          ]),
    exit,
  };
}

describe('tradewind-issuer-service (built)', () => {
  it('new-admin-key prints a key and the sha256 hash of it', () => {
    const r = spawnSync(process.execPath, [bin, 'new-admin-key'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    const key = /key[^:]*: (tw_\S+)/.exec(r.stdout)?.[1] as string;
    const hash = /(sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1];
    expect(hash).toBe(hashAdminKey(key));
  });

  it('exits 2 on a usage error, and 1 naming the setting on a configuration error (without the secret)', () => {
    expect(spawnSync(process.execPath, [bin, '--nonsense'], { encoding: 'utf8', timeout: 20_000 }).status).toBe(2);
    const r = spawnSync(process.execPath, [bin], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '', TRADEWIND_SECRET: SECRET, TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/INVALID_ARGUMENT: configuration: adminKeyHashes \(TRADEWIND_ADMIN_KEY_HASHES\): is required/);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it('starts from a config file, prints what to publish on first start, answers, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const key = 'tw_process-test-admin-key';
    const config = join(dir, 'service.json');
    await writeFile(
      config,
      JSON.stringify({
        port,
        baseUrl: `http://127.0.0.1:${port}`,
        allowInsecureHttp: true,
        database: 'issuer.db',
        stateDatabase: 'state.db',
        adminKeyHashes: [hashAdminKey(key)],
        kdf: TEST_KDF,
        logLevel: 'info',
      }),
    );
    const first = start(['--config', config], { TRADEWIND_SECRET: SECRET });
    const printed = await first.waitFor('status lists:');
    const did = `did:web:127.0.0.1%3A${port}`;
    expect(printed).toContain(`issuer DID: ${did}`);
    expect(printed).toContain(`DID document:  http://127.0.0.1:${port}/.well-known/did.json`);
    expect(printed).toContain(`status lists:  http://127.0.0.1:${port}/status/<n>`);
    const document = (await (await fetch(`http://127.0.0.1:${port}/.well-known/did.json`)).json()) as { id: string };
    expect(document.id).toBe(did);
    const issued = await fetch(`http://127.0.0.1:${port}/credentials/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential'],
          credentialSubject: { id: 'did:example:ana', name: 'Ana' },
        },
      }),
    });
    expect(issued.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exit, first.output()).toBe(0);
    expect(first.output()).not.toContain(SECRET);
    expect(first.output()).not.toContain(key);

    // A second start of the same database creates nothing and says so.
    const second = start(['--config', config], { TRADEWIND_SECRET: SECRET });
    const again = await second.waitFor(`issuer DID: ${did}`);
    expect(again).not.toContain('first start');
    second.child.kill('SIGINT');
    expect(await second.exit, `${second.child.signalCode} ${second.output()}`).toBe(0);
  });

  it('migrate: --check exits 1 naming what an older database lacks, migrate applies it (no secret needed), then the service starts', async () => {
    const folder = join(dir, 'upgrade');
    await mkdir(folder);
    copySqliteFixture(folder, 'issuer.db');
    const old = await StateStore.open(join(folder, 'state.db'), { migrations: STATE_MIGRATIONS.slice(0, 1) });
    await old.close();
    const port = await freePort();
    const config = join(folder, 'service.json');
    await writeFile(
      config,
      JSON.stringify({
        port,
        baseUrl: 'https://registry.gov.example/issuers/civil',
        database: 'issuer.db',
        stateDatabase: 'state.db',
        adminKeyHashes: [hashAdminKey('tw_process-upgrade-key')],
        logLevel: 'warn',
      }),
    );
    const env = { PATH: process.env.PATH ?? '' };
    const options = { encoding: 'utf8' as const, timeout: 60_000, env, cwd: folder };

    const refused = start(['--config', config], { TRADEWIND_SECRET: MANIFEST_3FBC539.secret });
    expect(await refused.exit).toBe(1);
    const refusal = refused.output().trim();
    expect(refusal.split('\n')).toHaveLength(1);
    expect(refusal).toContain('MIGRATION_REQUIRED');
    expect(refusal).toContain(`tradewind-issuer-service migrate --config ${config}`);

    const lacking = await inspectServiceMigrations({ database: join(folder, 'issuer.db'), stateDatabase: join(folder, 'state.db') });
    expect(lacking.issuer.pending).toContain('AddReemissionSafety1764300200000');
    const check = spawnSync(process.execPath, [bin, 'migrate', '--config', config, '--check'], options);
    expect(check.status, check.stderr).toBe(1);
    expect(check.stdout).toBe(
      `issuer database ${join(folder, 'issuer.db')}: ${lacking.issuer.pending.length} pending: ${lacking.issuer.pending.join(', ')}\n` +
        `service state ${join(folder, 'state.db')}: ${STATE_MIGRATIONS.length - 1} pending: ${STATE_MIGRATIONS.slice(1)
          .map((m) => m.name)
          .join(', ')}\n`,
    );

    const applied = spawnSync(process.execPath, [bin, 'migrate', '--config', config], options);
    expect(applied.status, applied.stderr).toBe(0);
    for (const name of [...lacking.issuer.pending, ...STATE_MIGRATIONS.slice(1).map((m) => m.name)])
      expect(applied.stdout).toContain(`applied ${name}\n`);

    const clean = spawnSync(process.execPath, [bin, 'migrate', '--config', config, '--check'], options);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('up to date');

    const started = start(['--config', config], { TRADEWIND_SECRET: MANIFEST_3FBC539.secret });
    expect(await started.waitFor('issuer DID: did:web:registry.gov.example:issuers:civil')).not.toContain('first start');
    started.child.kill('SIGTERM');
    expect(await started.exit, started.output()).toBe(0);
  });

  it('exits 1 with one line naming the PostgreSQL database, never its password, when it cannot be reached', async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [bin], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        TRADEWIND_SECRET: SECRET,
        TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example',
        TRADEWIND_ADMIN_KEY_HASHES: hashAdminKey('tw_unreachable'),
        TRADEWIND_SERVICE_DATABASE: `postgres://issuer:pg-password-not-printed@127.0.0.1:${port}/issuer`,
      },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tradewind-issuer-service: STORAGE_ERROR: /);
    expect(lines[0]).toContain(`postgres://issuer@127.0.0.1:${port}/issuer`);
    expect(r.stderr).not.toContain('pg-password-not-printed');
  });
});
