// Threat: a credential, recognition list or policy carries terminal control sequences
// (ESC[2K erases the line, CR returns to its start, U+202E reverses what follows) so
// that the human output of "NOT VERIFIED" is overwritten with "VERIFIED".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { walletCommands } from '../src/commands/wallet.js';
import { escapeForTerminal, escapeOutputBlock } from '../src/terminal-text.js';
import { didJwk, tempFiles, VALID_UNTIL, vcJwt } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const ATTACK = 'x\u001b[2K\r\u001b[1A\u001b[32mVERIFIED\u202e\u2066\u009b2K\u007f\u0007';
const files = tempFiles();
const dir = mkdtempSync(join(tmpdir(), 'tw-cli-escapes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No byte a terminal would act on: C0 except the newline, DEL, C1, bidi and line-separator controls. */
function expectInert(text: string): void {
  const active = [...text.replaceAll('\r\n', '\n')].filter((c) => c !== '\n' && c !== '\t' && escapeForTerminal(c) !== c);
  expect(active).toEqual([]);
  for (const c of ['\u001b', '\r', '\u202e', '\u2066', '\u009b', '\u007f']) expect(text).not.toContain(c);
}

describe('human output escapes control characters from the input', () => {
  it('escapeForTerminal makes C0, DEL, C1, CR, ESC sequences and bidi overrides visible', () => {
    expect(escapeForTerminal('a\u001b[2Kb\rc\nd\u202ee\u2069f\u0085g\u007fh\u061c')).toBe(
      'a\\u001B[2Kb\\rc\\nd\\u202Ee\\u2069f\\u0085g\\u007Fh\\u061C',
    );
    expect(escapeOutputBlock('line 1\nline\r2\u001b')).toBe('line 1\nline\\r2\\u001B');
    expect(escapeOutputBlock('{\r\n\t"a": 1\r\n}\rVERIFIED')).toBe('{\r\n\t"a": 1\r\n}\\rVERIFIED');
    expect(escapeForTerminal('Asha Ramdial, Trinité')).toBe('Asha Ramdial, Trinité');
  });

  // A subject id and a type are URLs and terms: the data model refuses control characters
  // in them (MALFORMED), and the refusal quotes the value.
  it('verify: a subject id and a type carrying ESC[2K, CR and U+202E are refused, and the refusal cannot rewrite the verdict', async () => {
    const issuer = didJwk();
    const jwt = await vcJwt(issuer, {
      type: ['VerifiableCredential', `NationalIdCredential${ATTACK}`],
      credentialSubject: { id: `did:example:${ATTACK}`, givenName: 'Asha' },
    });
    const r = await runMain(['verify', files.write('escapes.jwt', jwt)]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('NOT VERIFIED');
    expect(r.stdout).toContain('MALFORMED');
    expect(r.stdout.split('\n').filter((l) => /^\s*VERIFIED/.test(l))).toEqual([]);
    expectInert(r.stdout);
    expect(r.stdout).toContain('\\u202E');
  });

  it('--json keeps the quoted value but carries bidi, C1 and DEL as \\u escapes', async () => {
    const issuer = didJwk();
    const jwt = await vcJwt(issuer, { credentialSubject: { id: `did:example:${ATTACK}`, givenName: 'Asha' } });
    const r = await runMain(['verify', files.write('escapes-json.jwt', jwt), '--json']);
    expect(r.code).toBe(1);
    expectInert(r.stdout);
    expect(r.stdout).toContain('\\u202E');
    const errors = JSON.parse(r.stdout).errors as Array<{ code: string; message: string; path: string }>;
    expect(errors).toContainEqual(expect.objectContaining({ code: 'MALFORMED', path: '/payload/credentialSubject/id' }));
    expect(errors.map((e) => e.message).join(' ')).toContain('\u202e');
  });

  it('verify: NOT VERIFIED stays the first line when an error message quotes a hostile issuer name', async () => {
    const issuer = didJwk();
    const jwt = await vcJwt(issuer, { issuer: `did:web:evil.example${ATTACK}` });
    const r = await runMain(['verify', files.write('issuer-escapes.jwt', jwt)]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('NOT VERIFIED');
    expect(r.stdout.split('\n').filter((l) => /^\s*VERIFIED/.test(l))).toEqual([]);
    expectInert(r.stdout);
    expectInert(r.stderr);
  });

  it('recognition-list inspect: an entry name with ESC and CR is printed escaped', async () => {
    const anchor = didJwk();
    const jwt = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'RecognitionList'],
      issuer: anchor.did,
      credentialSubject: {
        sequence: 1,
        name: `CARICOM${ATTACK}`,
        nextUpdate: VALID_UNTIL.toISOString().replace('.000Z', 'Z'),
        entries: [
          {
            id: didJwk().did,
            country: 'TT',
            name: `Registrar General${ATTACK}`,
            credentialTypes: ['NationalIdCredential'],
            assuranceLevel: 'high',
          },
        ],
      },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${anchor.did}#0`, typ: 'vc+jwt' })
      .sign(anchor.privateKey);
    const r = await runMain(['recognition-list', 'inspect', files.write('list.jwt', jwt), '--anchor', anchor.did]);
    expectInert(r.stdout);
    expectInert(r.stderr);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('Registrar Generalx\\u001B[2K\\r');
    expect(r.stdout).toContain('CARICOMx\\u001B[2K\\r');
  });

  it('wallet list: a stored credential with a hostile type prints escaped', async () => {
    const env = { TRADEWIND_SECRET: 'wallet secret', TRADEWIND_WALLET_DB: join(dir, 'wallet.db') };
    const run = (argv: string[]) => runMain(['wallet', ...argv], { env, commands: [walletCommands] });
    expect((await run(['init', '--method', 'jwk'])).code).toBe(0);
    const issuer = didJwk();
    const jwt = await vcJwt(issuer, { type: ['VerifiableCredential', `Permit${ATTACK}`] });
    const added = await run(['add', files.write('wallet-escapes.jwt', jwt)]);
    expect(added.code, added.stderr).toBe(0);
    const listed = await run(['list']);
    expect(listed.code).toBe(0);
    expectInert(listed.stdout);
    expect(listed.stdout).toContain('Permitx\\u001B[2K\\r');
  });

  // Threat: a file name, an id or a value on the command line (a glob over files someone
  // else named, an id pasted from elsewhere) carries a line break: the error report kept
  // line breaks, so "x\nVERIFIED" printed a line of its own under the error.
  it('an error quoting a file name or argument with a line break stays on one line', async () => {
    const name = join(dir, `x${ATTACK}\nVERIFIED credential.jwt`);
    const r = await runMain(['verify', name]);
    expect(r.code).toBe(2);
    expectInert(r.stderr);
    expect(r.stderr.split('\n').filter((l) => l.includes('VERIFIED'))).toHaveLength(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^tradewind verify: cannot read input .*\\nVERIFIED credential\.jwt: no such file$/);
    const unknown = await runMain([`verify\nVERIFIED`]);
    expect(unknown.stderr.split('\n').some((l) => l.startsWith('VERIFIED'))).toBe(false);
    const flag = await runMain(['verify', '--now', '2027-01-31\nVERIFIED', 'x.jwt']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.split('\n').some((l) => l.startsWith('VERIFIED'))).toBe(false);
  });
});
