// tradewind verify on SD-JWT VCs made by @sd-jwt/sd-jwt-vc: a credential (no key
// binding) or a presentation (a key-binding JWT after the last ~), the human summary of
// what was disclosed and what was not, --json, and the refusals with their codes.
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyInput } from '../src/verify/detect-input.js';
import { didJwk, type TestKey, tempFiles } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const files = tempFiles();
const NONCE = 'n-7xQ2';
const AUD = 'https://bank.example.bb';
const b64u = (x: Buffer | string) => Buffer.from(x).toString('base64url');

let issuer: TestKey;
let holder: TestKey;
let sdJwt: string;
let presented: string;

function library(): SDJwtVcInstance {
  const signer = (key: TestKey) => async (data: string) => b64u(sign(null, Buffer.from(data), key.privateKey));
  return new SDJwtVcInstance({
    signer: signer(issuer),
    signAlg: 'EdDSA',
    kbSigner: signer(holder),
    kbSignAlg: 'EdDSA',
    hasher: (data: string | ArrayBuffer, alg?: string) => digest(data, alg),
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
}

beforeAll(async () => {
  issuer = didJwk();
  holder = didJwk();
  const now = Math.floor(Date.now() / 1000);
  sdJwt = await library().issue(
    {
      iss: issuer.did,
      iat: now - 60,
      exp: now + 86_400,
      vct: 'NationalIdCredential',
      cnf: { kid: holder.kid },
      given_name: 'Maria',
      family_name: 'Baptiste',
      birthdate: '1990-04-12',
      nationality: 'BB',
      age_over_18: true,
    },
    { _sd: ['given_name', 'family_name', 'birthdate', 'nationality', 'age_over_18'], _sd_decoy: 1 } as never,
    { header: { kid: issuer.kid } },
  );
  presented = await library().present(sdJwt, { nationality: true } as never, { kb: { payload: { nonce: NONCE, aud: AUD, iat: now } } });
});

describe('tradewind verify: SD-JWT VCs', () => {
  it('tells a credential from a presentation by the key-binding JWT after the last ~', () => {
    expect(classifyInput(sdJwt)).toBe('credential');
    expect(classifyInput(presented)).toBe('presentation');
    expect(classifyInput(`data:application/dc+sd-jwt,${presented}`)).toBe('presentation');
    expect(classifyInput('a~b~')).toBe('credential');
  });

  it('verifies an issued SD-JWT VC and lists every disclosed claim', async () => {
    const r = await runMain(['verify', files.write('id.sd-jwt', `${sdJwt}\n`)]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^VERIFIED\n/);
    expect(r.stdout).toContain('format      dc+sd-jwt');
    expect(r.stdout).toContain(`issuer      ${issuer.did}`);
    expect(r.stdout).toContain('type        NationalIdCredential');
    expect(r.stdout).toContain('disclosed   5');
    expect(r.stdout).toContain('/given_name = "Maria"');
    expect(r.stdout).toContain('/age_over_18 = true');
    expect(r.stdout).toContain('withheld    1 digest not disclosed (withheld claims and decoys)');
    expect(r.stdout).toContain('binding     no key binding presented');
  });

  it('verifies a presentation with --nonce and --audience, showing only what was disclosed', async () => {
    const r = await runMain(['verify', files.write('kb.sd-jwt', presented), '--nonce', NONCE, '--audience', AUD]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^VERIFIED presentation\n/);
    expect(r.stdout).toContain(`holder      ${holder.kid}`);
    expect(r.stdout).toContain(`nonce       ${NONCE}`);
    expect(r.stdout).toContain('/nationality = "BB"');
    expect(r.stdout).not.toContain('Maria');
    expect(r.stdout).toContain('withheld    5 digests not disclosed');
    expect(r.stdout).toMatch(/binding {5}key binding checked \(nonce n-7xQ2, audience https:\/\/bank\.example\.bb/);
  });

  it('prints the result object with --json', async () => {
    const r = await runMain(['verify', files.write('kb2.sd-jwt', presented), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ verified: true, format: 'dc+sd-jwt', holder: holder.kid, nonce: NONCE, audience: [AUD] });
    expect(json.credentials[0].disclosed).toEqual([{ path: '/nationality', name: 'nationality', value: 'BB' }]);
    expect(json.credentials[0].claims.nationality).toBe('BB');
  });

  it('refuses a replay with another nonce or audience (exit 1)', async () => {
    const file = files.write('replay.sd-jwt', presented);
    const nonce = await runMain(['verify', file, '--nonce', 'another', '--audience', AUD]);
    expect(nonce.code).toBe(1);
    expect(nonce.stdout).toContain('NONCE_MISMATCH');
    const aud = await runMain(['verify', file, '--nonce', NONCE, '--audience', 'https://shop.example.lc', '--json']);
    expect(aud.code).toBe(1);
    expect(JSON.parse(aud.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['AUDIENCE_MISMATCH']);
  });

  it('refuses an SD-JWT without key binding when a nonce is asked for (HOLDER_BINDING)', async () => {
    const r = await runMain(['verify', files.write('nokb.sd-jwt', sdJwt), '--nonce', NONCE, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['HOLDER_BINDING']);
  });

  it('refuses a tampered disclosure (DISCLOSURE_INVALID) and an SD-JWT whose key binding was replaced (HOLDER_BINDING)', async () => {
    const [jwt, first, ...rest] = sdJwt.split('~');
    const decoded = JSON.parse(Buffer.from(first as string, 'base64url').toString());
    decoded[decoded.length - 1] = 'Mallory';
    const tampered = [jwt, b64u(JSON.stringify(decoded)), ...rest].join('~');
    const r = await runMain(['verify', files.write('tampered.sd-jwt', tampered)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^NOT VERIFIED\n/);
    expect(r.stdout).toContain('DISCLOSURE_INVALID');
    // The issuer-signed part with a key-binding JWT the holder never signed over it.
    const other = didJwk();
    const body = presented.slice(0, presented.lastIndexOf('~') + 1);
    const header = b64u(JSON.stringify({ alg: 'EdDSA', typ: 'kb+jwt' }));
    const payload = b64u(
      JSON.stringify({
        nonce: NONCE,
        aud: AUD,
        iat: Math.floor(Date.now() / 1000),
        sd_hash: createHash('sha256').update(body).digest('base64url'),
      }),
    );
    const kb = `${header}.${payload}.${b64u(sign(null, Buffer.from(`${header}.${payload}`), other.privateKey))}`;
    const forged = await runMain(['verify', files.write('forged.sd-jwt', `${body}${kb}`), '--nonce', NONCE, '--audience', AUD]);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('HOLDER_BINDING');
  });
});

describe('tradewind verify --trusted-certificate: x5c chains of SD-JWT VCs', () => {
  const x509 = new URL('../../verifier/test/fixtures/x509/', import.meta.url);
  const pemPath = (name: string) => fileURLToPath(new URL(`${name}.pem`, x509));
  const certificate = (name: string) => new X509Certificate(readFileSync(pemPath(name)));
  const ISS = 'https://issuer.example.org';
  // The fixtures' certificates hold from when they were made.
  const at = new Date(Date.parse(certificate('leaf-ed25519').validFrom) + 86_400_000);
  let token: string;

  beforeAll(() => {
    const key = createPrivateKey(readFileSync(pemPath('leaf-ed25519.key')));
    const d = b64u(JSON.stringify(['c2FsdC0x', 'nationality', 'TT']));
    const header = {
      alg: 'EdDSA',
      typ: 'vc+sd-jwt',
      x5c: [certificate('leaf-ed25519').raw.toString('base64'), certificate('ca-ed25519').raw.toString('base64')],
    };
    const payload = {
      iss: ISS,
      vct: 'NationalIdCredential',
      iat: Math.floor(at.getTime() / 1000) - 60,
      _sd: [b64u(createHash('sha256').update(d).digest())],
    };
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
    token = `${input}.${b64u(sign(null, Buffer.from(input), key))}~${d}~`;
  });

  it('refuses an x5c chain nobody anchors (UNTRUSTED_ISSUER), and verifies it with the CA given as PEM or DER', async () => {
    const file = files.write('x5c.sd-jwt', token);
    const now = at.toISOString().replace(/\.\d+Z$/, 'Z');
    const bare = await runMain(['verify', file, '--now', now, '--json']);
    expect(bare.code).toBe(1);
    expect(JSON.parse(bare.stdout).errors.map((e: { code: string }) => e.code)).toContain('UNTRUSTED_ISSUER');

    const pemRun = await runMain(['verify', file, '--now', now, '--trusted-certificate', pemPath('ca-ed25519')]);
    expect(pemRun.code).toBe(0);
    expect(pemRun.stdout).toContain('x5c#');
    const derFile = join(files.dir, 'ca.der');
    writeFileSync(derFile, certificate('ca-ed25519').raw);
    expect((await runMain(['verify', file, '--now', now, '--trusted-certificate', derFile])).code).toBe(0);

    // Another CA anchors nothing here.
    expect((await runMain(['verify', file, '--now', now, '--trusted-certificate', pemPath('other-ca')])).code).toBe(1);
  });

  it('refuses a --trusted-certificate file that is not a certificate (exit 2)', async () => {
    const r = await runMain(['verify', files.write('x5c2.sd-jwt', token), '--trusted-certificate', files.write('junk.txt', 'hello')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--trusted-certificate');
  });
});

describe('tradewind verify: an SD-JWT given as a JSON string', () => {
  it('is read as the SD-JWT itself: without a key binding and with --nonce, HOLDER_BINDING as for the bare form', async () => {
    const r = await runMain(['verify', files.write('quoted.json', JSON.stringify(sdJwt)), '--nonce', NONCE, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['HOLDER_BINDING']);
    expect(classifyInput(JSON.stringify(presented))).toBe('presentation');
  });
});
