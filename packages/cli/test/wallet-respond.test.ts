// tradewind wallet respond, run as users run it (the built executable, a separate node
// process, real exit codes and stdin; the prompt under a real pseudo-terminal made by
// util-linux script), against a verifier on 127.0.0.1 whose requests are made by
// @openid4vc/openid4vp and which verifies what it receives with @tradewind/verifier.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVerifier, type TestVerifier } from '../../wallet/test/helpers/test-verifier.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tw-cli-respond-'));
const db = join(dir, 'wallet.db');
const env = { ...process.env, TRADEWIND_SECRET: 'wallet secret' };
let verifier: TestVerifier;
let credentialId: string;

/** Runs a process to its end without blocking this one (the verifier answers from here). */
function run(file: string, args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function tradewind(args: string[], stdin = '') {
  return run(process.execPath, [bin, ...args], stdin);
}

/** The command under a pseudo-terminal (stdin and output are the terminal), answering the prompt with `answer`. */
async function onTerminal(args: string[], answer: string) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const r = await run('script', ['-qec', command, '/dev/null'], answer);
  return { code: r.code, output: r.stdout.replace(/\r\n/g, '\n') };
}

const DCQL = {
  credentials: [
    {
      id: 'national_id',
      format: 'dc+sd-jwt',
      meta: { vct_values: ['NationalIdCredential'] },
      claims: [{ path: ['given_name'] }, { path: ['nationality'] }],
    },
  ],
};

/** An Ed25519 did:jwk issuer's SD-JWT VC for the holder key, every claim disclosable. */
async function issue(holderJwk: unknown): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { kty, crv, x } = publicKey.export({ format: 'jwk' });
  const did = `did:jwk:${Buffer.from(JSON.stringify({ kty, crv, x })).toString('base64url')}`;
  const sdjwt = new SDJwtVcInstance({
    signer: (data: string) => sign(null, Buffer.from(data), privateKey).toString('base64url'),
    signAlg: 'EdDSA',
    hasher: digest,
    saltGenerator: generateSalt,
  });
  return sdjwt.issue(
    {
      iss: did,
      iat: Math.floor(Date.now() / 1000) - 60,
      vct: 'NationalIdCredential',
      cnf: { jwk: holderJwk },
      given_name: 'Asha',
      family_name: 'Ramdial',
      nationality: 'TT',
    } as never,
    { _sd: ['given_name', 'family_name', 'nationality'] } as never,
    { header: { kid: `${did}#0` } },
  );
}

beforeAll(async () => {
  execFileSync('flock', ['/tmp/tw-build.lock', 'pnpm', 'build'], { cwd: root, stdio: 'pipe' });
  const init = await tradewind(['wallet', 'init', '--db', db, '--json']);
  expect(init.code, init.stderr).toBe(0);
  const holder = JSON.parse(init.stdout) as { publicJwk: unknown };
  writeFileSync(join(dir, 'pid.sdjwt'), await issue(holder.publicJwk));
  const added = await tradewind(['wallet', 'add', join(dir, 'pid.sdjwt'), '--db', db, '--json']);
  expect(added.code, added.stderr).toBe(0);
  credentialId = ((await tradewind(['wallet', 'list', '--db', db, '--json'])).stdout.match(/[0-9a-f]{64}/) ?? [''])[0];
  expect(credentialId).toMatch(/^[0-9a-f]{64}$/);
  verifier = await startTestVerifier({ clientName: 'Bank of Bridgetown' });
}, 180_000);
afterAll(async () => {
  await verifier?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tradewind wallet respond', () => {
  it('with --yes shows the verifier, the credential and each disclosed claim, presents, and exits 0 when accepted', async () => {
    const { uri } = await verifier.request(DCQL);
    const before = verifier.received.length;
    const r = await tradewind(['wallet', 'respond', uri, '--db', db, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Verifier: Bank of Bridgetown');
    expect(r.stdout).toContain(`answers go to: ${new URL(verifier.url).host}`);
    expect(r.stdout).toContain('Asks for national_id (dc+sd-jwt)');
    expect(r.stdout).toContain(credentialId);
    expect(r.stdout).toContain('type: NationalIdCredential');
    expect(r.stdout).toContain('given_name: "Asha"');
    expect(r.stdout).toContain('nationality: "TT"');
    expect(r.stdout).not.toContain('Ramdial');
    expect(r.stdout).toContain('withholds 1 other claims');
    expect(r.stdout).toContain('ACCEPTED');
    expect(verifier.received.length).toBe(before + 1);
    expect(verifier.received[before]?.results.national_id?.[0]?.verified).toBe(true);
  });

  it('--json prints { accepted, presented, verifier }', async () => {
    const { uri } = await verifier.request(DCQL);
    const r = await tradewind(['wallet', 'respond', uri, '--wallet', db, '--yes', '--json', '--choose', `national_id=${credentialId}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      accepted: true,
      presented: [{ queryId: 'national_id', credentialId, format: 'dc+sd-jwt', disclosed: ['given_name', 'nationality'] }],
      verifier: {
        clientId: verifier.clientId,
        name: 'Bank of Bridgetown',
        responseUri: verifier.responseUri,
        host: new URL(verifier.url).host,
      },
    });
  });

  it('asks on a terminal; answering n tells the verifier the holder declined and exits 1 with DECLINED', async () => {
    const { uri, state } = await verifier.request(DCQL);
    const before = verifier.received.length;
    const r = await onTerminal(['wallet', 'respond', uri, '--db', db], 'n\n');
    expect(r.output).toContain('given_name: "Asha"');
    // One line per item, as on every other output: real line breaks, not escaped ones.
    expect(r.output).toMatch(/client_id: [^\n]*\r?\n/);
    expect(r.output).not.toContain('\\n');
    expect(r.output).toContain('Present these? [y/N]');
    expect(r.output).toContain('DECLINED');
    expect(r.code).toBe(1);
    expect(verifier.received.length).toBe(before + 1);
    expect(verifier.received[before]?.form.get('error')).toBe('access_denied');
    expect(verifier.received[before]?.form.get('state')).toBe(state);
  });

  it('asks on a terminal; answering y presents and exits 0', async () => {
    const { uri } = await verifier.request(DCQL);
    const r = await onTerminal(['wallet', 'respond', uri, '--db', db], 'y\n');
    expect(r.output).toContain('Present these? [y/N]');
    expect(r.output).toContain('ACCEPTED');
    expect(r.code).toBe(0);
  });

  it('without a terminal and without --yes sends nothing and exits 2', async () => {
    const { uri } = await verifier.request(DCQL);
    const before = verifier.received.length;
    const r = await tradewind(['wallet', 'respond', uri, '--db', db], 'y\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --yes to consent without a prompt');
    expect(verifier.received.length).toBe(before);
  });

  it('exits 1 with QUERY_UNSATISFIED when the wallet holds nothing asked for (nothing sent), and with the code of a refusal', async () => {
    const { uri } = await verifier.request({
      credentials: [{ id: 'passport', format: 'dc+sd-jwt', meta: { vct_values: ['urn:passport'] } }],
    });
    const before = verifier.received.length;
    const none = await tradewind(['wallet', 'respond', uri, '--db', db, '--yes', '--json']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^QUERY_UNSATISFIED: /m);
    expect(JSON.parse(none.stdout)).toMatchObject({ accepted: false, code: 'QUERY_UNSATISFIED', presented: [] });
    expect(verifier.received.length).toBe(before);

    verifier.refuseWith = 'NOT_RECOGNIZED';
    try {
      const refused = await tradewind(['wallet', 'respond', (await verifier.request(DCQL)).uri, '--db', db, '--yes']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('REFUSED by the verifier: NOT_RECOGNIZED');
      expect(refused.stderr).toMatch(/^NOT_RECOGNIZED: /m);
    } finally {
      verifier.refuseWith = undefined;
    }
  });

  it('usage errors exit 2: no URI, a malformed --choose, a choice of an unknown query; not a request exits 1 (REQUEST_UNKNOWN)', async () => {
    expect((await tradewind(['wallet', 'respond', '--db', db, '--yes'])).code).toBe(2);
    const { uri } = await verifier.request(DCQL);
    expect((await tradewind(['wallet', 'respond', uri, '--db', db, '--yes', '--choose', 'national_id'])).code).toBe(2);
    const unknown = await tradewind(['wallet', 'respond', uri, '--db', db, '--yes', '--choose', `nope=${credentialId}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('INVALID_ARGUMENT');
    const notRequest = await tradewind(['wallet', 'respond', 'https://example.com/hello', '--db', db, '--yes']);
    expect(notRequest.code).toBe(1);
    expect(notRequest.stderr).toContain('REQUEST_UNKNOWN');
  });
});
