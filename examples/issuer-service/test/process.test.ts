// The built `tradewind-issuer-service` command as an agency runs it: a separate node
// process, a config file, its first-start output, SIGTERM and exit codes.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminKey } from '../src/auth.js';
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
});
