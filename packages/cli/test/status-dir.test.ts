// Threat (to a new user): a credential fresh from `tradewind issue` failed
// `tradewind verify` with "no status list source is configured" and no hint of what
// to do. The message now says how to supply the lists, and --status-dir reads the
// folder `tradewind status publish` writes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-status-dir-'));
const db = join(dir, 'registry.db');
const published = join(dir, 'published');
const env = { TRADEWIND_SECRET: 'agency secret', TRADEWIND_ISSUER_DB: db };
let credential: string;
let id: string;

beforeAll(async () => {
  const init = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(init.code, init.stderr).toBe(0);
  const issued = await runMain(['issue', '--type', 'NationalIdCredential', '--claim', 'givenName=Ana', '--json'], { env });
  expect(issued.code, issued.stderr).toBe(0);
  const out = JSON.parse(issued.stdout) as { id: string; jwt: string };
  id = out.id;
  credential = join(dir, 'ana.jwt');
  writeFileSync(credential, `${out.jwt}\n`);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a fresh credential from tradewind issue verifies with the published status lists', () => {
  it('without a status list, STATUS_UNAVAILABLE says how to supply one', async () => {
    const r = await runMain(['verify', credential]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/STATUS_UNAVAILABLE: .*--status-list URL=FILE.*--status-dir DIR.*tradewind status publish/);
    const json = JSON.parse((await runMain(['verify', credential, '--json'])).stdout);
    expect(json.errors[0].message).toContain('--status-dir DIR');
  });

  // A policy that lets a missing list pass with a warning (onUnavailable: warn) showed
  // "status NOT CHECKED: no status list source is configured" without the hint.
  it('a policy that only warns: the NOT CHECKED status line and the warning say how to supply the list', async () => {
    const did = JSON.parse((await runMain(['did', 'list', '--json'], { env })).stdout)[0].did as string;
    const policy = join(dir, 'warn-policy.json');
    writeFileSync(policy, JSON.stringify({ trustedIssuers: [did], status: { required: false, onUnavailable: 'warn' } }));
    const r = await runMain(['verify', credential, '--policy', policy]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status {6}NOT CHECKED: .*--status-dir DIR/m);
    const json = JSON.parse((await runMain(['verify', credential, '--policy', policy, '--json'])).stdout);
    expect(json.warnings[0].message).toContain('--status-dir DIR');
  });

  it('issue, status publish, verify --status-dir: VERIFIED with status checked', async () => {
    const publish = await runMain(['status', 'publish', '--out', published], { env });
    expect(publish.code, publish.stderr).toBe(0);
    const r = await runMain(['verify', credential, '--status-dir', published]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED\n/);
    expect(r.stdout).toMatch(/^ {2}status {6}checked$/m);
  });

  it('wallet add: the same hint without lists, and --status-dir stores the fresh credential', async () => {
    const walletEnv = { TRADEWIND_SECRET: 'holder secret', TRADEWIND_WALLET_DB: join(dir, 'wallet.db') };
    expect((await runMain(['wallet', 'init', '--method', 'jwk'], { env: walletEnv })).code).toBe(0);
    const refused = await runMain(['wallet', 'add', credential], { env: walletEnv });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/STATUS_UNAVAILABLE: .*--status-dir DIR/);
    const stored = await runMain(['wallet', 'add', credential, '--status-dir', published], { env: walletEnv });
    expect(stored.code, stored.stdout + stored.stderr).toBe(0);
  });

  it('after revoke and publish, --status-dir gives REVOKED', async () => {
    expect((await runMain(['status', 'revoke', id], { env })).code).toBe(0);
    const revokedDir = join(dir, 'published-after-revoke');
    expect((await runMain(['status', 'publish', '--out', revokedDir], { env })).code).toBe(0);
    const r = await runMain(['verify', credential, '--status-dir', revokedDir, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toContain('REVOKED');
  });

  it.each([
    ['a file outside the folder', [{ url: 'https://registry.gov.example/status/1', file: '../registry.db' }], 'is not a file name inside'],
    ['an absolute path', [{ url: 'https://registry.gov.example/status/1', file: '/etc/passwd' }], 'is not a file name inside'],
    ['a relative URL', [{ url: 'status/1', file: '1' }], 'is not an absolute URL'],
    ['an object instead of an array', { url: 'https://x.example/1', file: '1' }, 'expected a JSON array'],
  ])('refuses a manifest with %s (exit 2)', async (name, manifest, message) => {
    const bad = join(dir, `bad-${name.replaceAll(' ', '-')}`);
    mkdirSync(bad);
    writeFileSync(join(bad, 'status-lists.json'), JSON.stringify(manifest));
    const r = await runMain(['verify', credential, '--status-dir', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a missing folder or manifest is a usage error naming status-lists.json', async () => {
    const r = await runMain(['verify', credential, '--status-dir', join(dir, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read status list manifest .*status-lists\.json: no such file/);
  });
});
