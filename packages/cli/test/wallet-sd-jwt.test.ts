// tradewind wallet with SD-JWT VCs (dc+sd-jwt) made by @sd-jwt/sd-jwt-vc: add, list by
// format, show the disclosable claims, present a chosen subset (verified by
// @tradewind/verifier), and the usage errors of --disclose.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { verifyPresentation } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletCommands } from '../src/commands/wallet.js';
import { didJwk, vcJwt } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-sd-jwt-'));
const env = { TRADEWIND_SECRET: 'wallet secret', TRADEWIND_WALLET_DB: join(dir, 'wallet.db') };
const run = (argv: string[]) => runMain(['wallet', ...argv], { env, commands: [walletCommands] });
const AUD = 'https://onboarding.bank.example.bb';

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
      age_over_18: true,
      address: { locality: 'Port of Spain', country: 'TT' },
    } as never,
    { _sd: ['given_name', 'family_name', 'nationality', 'age_over_18', 'address'], address: { _sd: ['locality'] } } as never,
    { header: { kid: `${did}#0` } },
  );
}

const claimsOf = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown[];

let id: string;
let jwtId: string;
let issued: string;

beforeAll(async () => {
  const holder = JSON.parse((await run(['init', '--json'])).stdout) as { did: string; publicJwk: unknown };
  issued = await issue(holder.publicJwk);
  writeFileSync(join(dir, 'pid.sdjwt'), issued);
  const added = await run(['add', join(dir, 'pid.sdjwt'), '--json']);
  expect(added.code, added.stderr).toBe(0);
  [id] = JSON.parse(added.stdout).stored;
  writeFileSync(join(dir, 'id.jwt'), await vcJwt(didJwk(), { credentialSubject: { id: holder.did, givenName: 'Asha' } }));
  [jwtId] = JSON.parse((await run(['add', join(dir, 'id.jwt'), '--json'])).stdout).stored;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind wallet with SD-JWT VCs', () => {
  it('list --format dc+sd-jwt finds it; show prints it as stored and its disclosable claims on stderr', async () => {
    const list = JSON.parse((await run(['list', '--format', 'dc+sd-jwt', '--json'])).stdout);
    expect(list.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(list[0]).toMatchObject({ format: 'dc+sd-jwt', vct: 'NationalIdCredential', types: ['NationalIdCredential'] });
    expect((await run(['list', '--type', 'NationalIdCredential'])).stdout).toContain('dc+sd-jwt');
    const shown = await run(['show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim()).toBe(issued);
    expect(shown.stderr).toContain('vct NationalIdCredential');
    for (const path of ['/given_name', '/nationality', '/age_over_18', '/address', '/address/locality'])
      expect(shown.stderr).toContain(path);
    expect(shown.stderr).toContain('(inside /address)');
    const json = JSON.parse((await run(['show', id, '--json'])).stdout);
    expect(json.disclosable.map((c: { path: string }) => c.path)).toContain('/address/locality');
    expect(json.alwaysShown.map((c: { path: string }) => c.path).sort()).toEqual(['/cnf', '/iat', '/iss', '/vct']);
  });

  it('present --disclose given_name,nationality prints a presentation of those claims only, and what was disclosed and withheld', async () => {
    const r = await run(['present', id, '--disclose', 'given_name,nationality', '--nonce', 'n-41c2', '--audience', AUD]);
    expect(r.code, r.stderr).toBe(0);
    const presentation = r.stdout.trim();
    expect(
      presentation
        .split('~')
        .slice(1, -1)
        .map((d) => claimsOf(d)[1])
        .sort(),
    ).toEqual(['given_name', 'nationality']);
    expect(r.stderr).toMatch(/^disclosed: (\/given_name, \/nationality|\/nationality, \/given_name)$/m);
    expect(r.stderr).toMatch(/withheld: .*\/family_name/);
    expect(r.stderr).toMatch(/withheld: .*\/age_over_18/);
    const result = await verifyPresentation(presentation, { nonce: 'n-41c2', audience: AUD });
    expect(result.verified, JSON.stringify(result)).toBe(true);
    if (!result.verified || result.format !== 'dc+sd-jwt') throw new Error('not an SD-JWT presentation');
    expect(result.credentials[0].claims).toMatchObject({ given_name: 'Asha', nationality: 'TT' });
    expect(result.credentials[0].claims).not.toHaveProperty('family_name');
    expect((await verifyPresentation(presentation, { nonce: 'other', audience: AUD })).verified).toBe(false);
  });

  it('present --json carries the presentation with what it disclosed and withheld; --out writes it to a file', async () => {
    const out = join(dir, 'age.sdjwt');
    const r = await run([
      'present',
      id,
      '--disclose',
      'age_over_18',
      '--disclose',
      'address.locality',
      '--nonce',
      'n',
      '--audience',
      AUD,
      '--json',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.disclosed.map((c: { path: string }) => c.path).sort()).toEqual(['/address', '/address/locality', '/age_over_18']);
    expect(json.withheld.map((c: { path: string }) => c.path).sort()).toEqual(['/family_name', '/given_name', '/nationality']);
    expect(json.out).toBe(out);
    expect(readFileSync(out, 'utf8').trim()).toBe(json.presentation);
    expect(r.stderr).toBe('');
    expect((await verifyPresentation(json.presentation, { nonce: 'n', audience: AUD })).verified).toBe(true);
  });

  it("--disclose '' shows only the claims always shown", async () => {
    const r = await run(['present', id, '--disclose', '', '--nonce', 'n', '--audience', AUD, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).disclosed).toEqual([]);
  });

  it('usage errors exit 2: --disclose on a JWT credential, no --disclose for an SD-JWT VC, an unknown claim, --format, two credentials', async () => {
    const onJwt = await run(['present', jwtId, '--disclose', 'givenName', '--nonce', 'n', '--audience', AUD]);
    expect(onJwt.code).toBe(2);
    expect(onJwt.stderr).toContain('--disclose chooses the claims of an SD-JWT VC');
    const none = await run(['present', id, '--nonce', 'n', '--audience', AUD]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--disclose');
    expect(none.stderr).toContain('/given_name');
    const unknown = await run(['present', id, '--disclose', 'passport_number', '--nonce', 'n', '--audience', AUD, '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(JSON.parse(unknown.stderr).error.message).toContain('passport_number');
    expect((await run(['present', id, '--disclose', 'given_name', '--format', 'vp+jwt', '--nonce', 'n', '--audience', AUD])).code).toBe(2);
    expect((await run(['present', id, jwtId, '--disclose', 'given_name', '--nonce', 'n', '--audience', AUD])).code).toBe(2);
    expect((await run(['present', id, '--disclose', 'given_name', '--audience', AUD])).code).toBe(2);
    // A JWT credential without --disclose keeps working as before.
    const jwt = await run(['present', jwtId, '--nonce', 'n', '--audience', AUD]);
    expect(jwt.code, jwt.stderr).toBe(0);
    expect((await verifyPresentation(jwt.stdout.trim(), { nonce: 'n', audience: AUD })).verified).toBe(true);
  });

  it('add refuses an SD-JWT presentation (MALFORMED, exit 1) and stores nothing', async () => {
    const r = await run(['present', id, '--disclose', 'given_name', '--nonce', 'n', '--audience', AUD]);
    writeFileSync(join(dir, 'presented.sdjwt'), r.stdout);
    const added = await run(['add', join(dir, 'presented.sdjwt'), '--json']);
    expect(added.code).toBe(1);
    expect(JSON.parse(added.stdout).rejected[0].errors[0].code).toBe('MALFORMED');
    expect(JSON.parse((await run(['list', '--json'])).stdout)).toHaveLength(2);
  });
});
