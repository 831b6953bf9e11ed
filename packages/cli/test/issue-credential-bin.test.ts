// `tradewind issue --credential` as users run it: the built executable in its own
// process, the document on a real stdin, real exit codes and streams.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tw-cli-issue-credential-bin-'));
const env = { ...process.env, TRADEWIND_SECRET: 'bin document secret', TRADEWIND_ISSUER_DB: join(dir, 'issuer.db') };

function tradewind(args: string[], stdin = '') {
  const r = spawnSync(process.execPath, [bin, ...args], { input: stdin, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // Several builds may share the tree: one at a time, under the build lock.
  try {
    execFileSync('flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  }
  const init = tradewind(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status']);
  expect(init.code, init.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const document = {
  '@context': [
    'https://www.w3.org/ns/credentials/v2',
    { nid: 'https://id.gov.tt/vocab#', NationalIdCredential: 'nid:NationalIdCredential' },
  ],
  type: ['VerifiableCredential', 'NationalIdCredential'],
  name: [
    { '@value': 'National Identity Card', '@language': 'en' },
    { '@value': "Carte nationale d'identité", '@language': 'fr' },
  ],
  validFrom: '2026-03-01T08:30:00.125-04:00',
  credentialSubject: { id: 'did:example:asha', givenName: 'Asha', familyName: 'Ramdial' },
};

describe('node packages/cli/dist/bin.js issue --credential', () => {
  it('reads the document from stdin and prints the JWT on stdout, the summary on stderr; exit 0', async () => {
    const r = tradewind(['issue', '--credential', '-'], JSON.stringify(document));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Issued urn:uuid:\S+ \(vc\+jwt\) by did:key:z6Mk\S+\n$/);
    const jwt = r.stdout.trim();
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const [name, value] of Object.entries(document)) expect(JSON.stringify(payload[name]), name).toBe(JSON.stringify(value));
    const verified = await verifyCredential(jwt, { status: { onUnavailable: 'warn' } });
    expect(verified.verified, JSON.stringify(verified)).toBe(true);
  });

  it('a refused document: exit 1, a headline and one line per violation on stderr, nothing on stdout', () => {
    const file = join(dir, 'refused.json');
    writeFileSync(file, JSON.stringify({ ...document, type: ['NationalIdCredential'], validFrom: '2026-03-01' }));
    const r = tradewind(['issue', '--credential', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^tradewind issue: MALFORMED: .*\(.*refused\.json\): 2 problems$/);
    expect(lines.slice(1).map((l) => l.split(':')[0]?.trim())).toEqual(expect.arrayContaining(['/type', '/validFrom']));
    const json = tradewind(['issue', '--credential', file, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({
      code: 'MALFORMED',
      issues: expect.arrayContaining([expect.objectContaining({ path: '/type' })]),
    });
  });

  it('a file that is not JSON, or --credential with --type: usage error, exit 2', () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'type: VerifiableCredential\n');
    const r = tradewind(['issue', '--credential', notJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/credential file .*not\.json is not JSON/);
    expect(r.stderr).toMatch(/Run 'tradewind issue --help' for usage/);
    const both = tradewind(['issue', '--credential', '-', '--type', 'T'], JSON.stringify(document));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/two ways to say what to issue/);
  });
});
