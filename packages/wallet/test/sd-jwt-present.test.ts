// Presenting a stored SD-JWT VC with a chosen subset of its claims and a key-binding JWT;
// every presentation is checked by @tradewind/verifier's verifyPresentation (nonce,
// audience) and by @sd-jwt/sd-jwt-vc's verifier with the key binding required (interop).
import { TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { type HolderDid, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';
import { decodePart, disclosuresOf, issueSdJwt, referenceVerifier, type SdJwtIssuer, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
const AUD = 'https://bank.example.bb';
const NONCE = 'n-7Xq0_vTc2';

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('p.db'), secret: SECRET, kdf: TEST_KDF });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

async function refusal(p: Promise<unknown>): Promise<TradewindError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return e as TradewindError;
}

/** What both verifiers make of a presentation: ours (with nonce and audience) and the reference one (key binding required). */
async function bothVerify(presentation: string, iss: SdJwtIssuer, nonce = NONCE, audience = AUD) {
  const ours = await verifyPresentation(presentation, { nonce, audience });
  if (!ours.verified) throw new Error(`not verified: ${JSON.stringify(ours.errors)}`);
  if (ours.format !== 'dc+sd-jwt') throw new Error(`format ${ours.format}`);
  const reference = await referenceVerifier(iss).verify(presentation, { keyBindingNonce: nonce });
  expect(reference.kb?.payload.aud).toBe(audience);
  return { ours, credential: ours.credentials[0], reference: reference.payload as Record<string, unknown> };
}

describe.each([
  ['EdDSA holder (did:key), EdDSA issuer, cnf.jwk', { method: 'key', keyType: 'Ed25519' }, 'EdDSA', 'jwk'],
  ['EdDSA holder (did:jwk), ES256 issuer, cnf.kid', { method: 'jwk', keyType: 'Ed25519' }, 'ES256', 'kid'],
  ['ES256 holder (did:jwk), ES256 issuer, cnf.jwk', { method: 'jwk', keyType: 'P-256' }, 'ES256', 'jwk'],
  ['ES256 holder (did:jwk), EdDSA issuer, cnf.kid', { method: 'jwk', keyType: 'P-256' }, 'EdDSA', 'kid'],
  ['ES256 holder (did:key), EdDSA issuer, cnf.jwk', { method: 'key', keyType: 'P-256' }, 'EdDSA', 'jwk'],
] as const)('%s', (_, did, issuerAlg, binding) => {
  const iss = sdJwtIssuer(issuerAlg);
  let holder: HolderDid;
  let id: string;

  beforeAll(async () => {
    holder = await wallet.createDid(did);
    id = (await wallet.receive(await issueSdJwt(iss, holder, { binding }))).credential.id;
  });

  it('shows only given_name and nationality, says what it withheld, and both verifiers accept it', async () => {
    const result = await wallet.presentSdJwt({ credential: id, disclose: ['given_name', 'nationality'], nonce: NONCE, audience: AUD });
    expect(result.disclosed.map((c) => [c.path, c.value])).toEqual(
      expect.arrayContaining([
        ['/given_name', 'Asha'],
        ['/nationality', 'TT'],
      ]),
    );
    expect(result.disclosed).toHaveLength(2);
    expect(result.withheld.map((c) => c.path).sort()).toEqual(
      [
        '/address',
        '/address/locality',
        '/address/street_address',
        '/age_over_18',
        '/birth_place',
        '/birthdate',
        '/family_name',
        '/nationalities',
        '/nationalities/0',
        '/nationalities/1',
      ].sort(),
    );
    expect(result.alwaysShown.sort()).toEqual(['/cnf', '/iat', '/iss', '/vct']);
    expect(disclosuresOf(result.presentation).map((d) => d[1])).toEqual(expect.arrayContaining(['given_name', 'nationality']));
    expect(disclosuresOf(result.presentation)).toHaveLength(2);

    const { ours, credential, reference } = await bothVerify(result.presentation, iss);
    expect(ours.nonce).toBe(NONCE);
    expect(ours.audience).toEqual([AUD]);
    expect(credential?.claims).toMatchObject({ given_name: 'Asha', nationality: 'TT', vct: 'NationalIdCredential', iss: iss.did });
    for (const hidden of ['family_name', 'birthdate', 'birth_place', 'address', 'age_over_18', 'nationalities'])
      expect(credential?.claims).not.toHaveProperty(hidden);
    expect(credential?.disclosed.map((d) => d.name).sort()).toEqual(['given_name', 'nationality']);
    expect(reference).toMatchObject({ given_name: 'Asha', nationality: 'TT' });
    expect(reference).not.toHaveProperty('family_name');
  });

  it('signs the key-binding JWT with the holder key cnf names: typ kb+jwt, its alg, iat, aud, nonce, sd_hash', async () => {
    const now = new Date();
    const { presentation } = await wallet.presentSdJwt({ credential: id, disclose: [], nonce: NONCE, audience: AUD, now });
    const kb = presentation.slice(presentation.lastIndexOf('~') + 1);
    expect(decodePart(kb.split('.')[0] as string)).toEqual({ typ: 'kb+jwt', alg: holder.alg });
    const payload = decodePart(kb.split('.')[1] as string);
    expect(payload).toMatchObject({ iat: Math.floor(now.getTime() / 1000), aud: AUD, nonce: NONCE });
    expect(payload.sd_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Nothing disclosed: only the claims signed in plain text.
    expect(disclosuresOf(presentation)).toEqual([]);
    const { credential } = await bothVerify(presentation, iss);
    expect(Object.keys(credential?.claims ?? {}).sort()).toEqual(['cnf', 'iat', 'iss', 'vct']);
  });

  it('is refused by our verifier for another nonce or audience, and by the reference verifier for another nonce', async () => {
    const { presentation } = await wallet.presentSdJwt({ credential: id, disclose: ['given_name'], nonce: NONCE, audience: AUD });
    const nonce = await verifyPresentation(presentation, { nonce: 'other', audience: AUD });
    expect(nonce.verified ? [] : nonce.errors.map((e) => e.code)).toContain('NONCE_MISMATCH');
    const audience = await verifyPresentation(presentation, { nonce: NONCE, audience: 'https://elsewhere.example' });
    expect(audience.verified ? [] : audience.errors.map((e) => e.code)).toContain('AUDIENCE_MISMATCH');
    await expect(referenceVerifier(iss).verify(presentation, { keyBindingNonce: 'other' })).rejects.toThrow();
  });
});

describe('choosing claims', () => {
  const iss = sdJwtIssuer('EdDSA');
  let id: string;
  beforeAll(async () => {
    const holder = await wallet.createDid();
    id = (await wallet.receive(await issueSdJwt(iss, holder))).credential.id;
  });

  it('age_over_18 alone: one disclosure, no birthdate', async () => {
    const result = await wallet.presentSdJwt({ credential: id, disclose: ['age_over_18'], nonce: NONCE, audience: AUD });
    expect(disclosuresOf(result.presentation)).toHaveLength(1);
    expect(disclosuresOf(result.presentation)[0]?.slice(1)).toEqual(['age_over_18', true]);
    expect(result.disclosed).toEqual([{ path: '/age_over_18', name: 'age_over_18', value: true }]);
    const { credential, reference } = await bothVerify(result.presentation, iss);
    expect(credential?.claims.age_over_18).toBe(true);
    expect(credential?.claims).not.toHaveProperty('birthdate');
    expect(reference.age_over_18).toBe(true);
    expect(reference).not.toHaveProperty('birthdate');
  });

  it('a nested claim (dotted path or JSON Pointer) brings its parent along, without the parent’s other members', async () => {
    for (const name of ['address.locality', '/address/locality']) {
      const result = await wallet.presentSdJwt({ credential: id, disclose: [name], nonce: NONCE, audience: AUD });
      expect(result.disclosed.map((c) => c.path)).toEqual(['/address', '/address/locality']);
      expect(result.disclosed[0]?.value).toEqual({ locality: 'Port of Spain', country: 'TT' });
      expect(result.withheld.map((c) => c.path)).toContain('/address/street_address');
      const { credential, reference } = await bothVerify(result.presentation, iss);
      expect(credential?.claims.address).toEqual({ locality: 'Port of Spain', country: 'TT' });
      expect(reference.address).toEqual({ locality: 'Port of Spain', country: 'TT' });
    }
  });

  it('an array element by pointer; a whole claim brings every member nested in it', async () => {
    const element = await wallet.presentSdJwt({ credential: id, disclose: ['/nationalities/1'], nonce: NONCE, audience: AUD });
    expect(element.disclosed.map((c) => c.path)).toEqual(['/nationalities', '/nationalities/1']);
    expect((await bothVerify(element.presentation, iss)).credential?.claims.nationalities).toEqual(['GD']);
    const whole = await wallet.presentSdJwt({ credential: id, disclose: ['address', 'nationalities'], nonce: NONCE, audience: AUD });
    expect(whole.disclosed.map((c) => c.path).sort()).toEqual(
      ['/address', '/address/locality', '/address/street_address', '/nationalities', '/nationalities/0', '/nationalities/1'].sort(),
    );
    const { credential } = await bothVerify(whole.presentation, iss);
    expect(credential?.claims.address).toEqual({ street_address: '12 Frederick Street', locality: 'Port of Spain', country: 'TT' });
    expect(credential?.claims.nationalities).toEqual(['TT', 'GD']);
  });

  it('a claim the issuer signed in plain text is shown anyway; naming it adds no disclosure', async () => {
    const result = await wallet.presentSdJwt({ credential: id, disclose: ['vct', 'address.country'], nonce: NONCE, audience: AUD });
    // address.country is plain inside the disclosable address: the address disclosure is needed to show it.
    expect(result.disclosed.map((c) => c.path)).toEqual(['/address']);
    expect(result.disclosed[0]?.value).toEqual({ country: 'TT' });
    await bothVerify(result.presentation, iss);
  });

  it('the same credential presented twice gives two presentations with their own nonces', async () => {
    const a = await wallet.presentSdJwt({ credential: id, disclose: ['given_name'], nonce: 'n-1', audience: AUD });
    const b = await wallet.presentSdJwt({ credential: id, disclose: ['given_name'], nonce: 'n-2', audience: AUD });
    expect(a.presentation).not.toBe(b.presentation);
    await bothVerify(a.presentation, iss, 'n-1');
    await bothVerify(b.presentation, iss, 'n-2');
  });
});

describe('what presenting refuses', () => {
  const iss = sdJwtIssuer('EdDSA');
  let id: string;
  let jwtId: string;
  beforeAll(async () => {
    const holder = await wallet.createDid();
    id = (await wallet.receive(await issueSdJwt(iss, holder))).credential.id;
    jwtId = (await wallet.receive(await vcJwt(issuer('key'), holder.did))).credential.id;
  });

  it('a claim the credential does not have: INVALID_ARGUMENT naming it', async () => {
    for (const name of ['passport_number', 'address.postcode', '/nationalities/2', '/_sd', '_sd_alg', 'address..locality']) {
      const e = await refusal(wallet.presentSdJwt({ credential: id, disclose: ['given_name', name], nonce: NONCE, audience: AUD }));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain(name);
    }
    for (const bad of ['', 7, null])
      expect((await refusal(wallet.presentSdJwt({ credential: id, disclose: [bad as never], nonce: NONCE, audience: AUD }))).code).toBe(
        'INVALID_ARGUMENT',
      );
  });

  it('no nonce, no audience, no disclose list, or not an SD-JWT VC: INVALID_ARGUMENT; an unknown id: NOT_FOUND', async () => {
    const base = { credential: id, disclose: ['given_name'], nonce: NONCE, audience: AUD };
    expect((await refusal(wallet.presentSdJwt({ ...base, nonce: '' }))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.presentSdJwt({ ...base, nonce: undefined as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.presentSdJwt({ ...base, audience: undefined as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.presentSdJwt({ ...base, disclose: 'given_name' as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.presentSdJwt({ ...base, now: new Date('x') }))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.presentSdJwt(undefined as never))).code).toBe('INVALID_ARGUMENT');
    const throwing = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    expect((await refusal(wallet.presentSdJwt(throwing as never))).code).toBe('INVALID_ARGUMENT');
    const list = new Proxy(['given_name'], {
      get: (t, k) => {
        if (k === 'length') throw new Error('trap');
        return Reflect.get(t, k);
      },
    });
    expect((await refusal(wallet.presentSdJwt({ ...base, disclose: list }))).code).toBe('INVALID_ARGUMENT');
    const jwt = await refusal(wallet.presentSdJwt({ ...base, credential: jwtId }));
    expect(jwt.code).toBe('INVALID_ARGUMENT');
    expect(jwt.message).toContain('not an SD-JWT VC');
    expect((await refusal(wallet.presentSdJwt({ ...base, credential: 'f'.repeat(64) }))).code).toBe('NOT_FOUND');
  });

  it('present() of an SD-JWT VC points to presentSdJwt (INVALID_ARGUMENT)', async () => {
    const e = await refusal(wallet.present({ credentials: [id], nonce: NONCE, audience: AUD }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('presentSdJwt');
  });

  it('an expired credential: EXPIRED; one not yet valid: NOT_YET_VALID', async () => {
    const holder = await wallet.createDid();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const { credential } = await wallet.receive(await issueSdJwt(iss, holder, { extra: { exp } }));
    const later = new Date((exp + 10) * 1000);
    const base = { credential: credential.id, disclose: ['given_name'], nonce: NONCE, audience: AUD };
    expect((await refusal(wallet.presentSdJwt({ ...base, now: later }))).code).toBe('EXPIRED');
    const nbf = Math.floor(Date.now() / 1000) + 3600;
    const early = await wallet.receive(await issueSdJwt(iss, holder, { extra: { nbf } }), { now: new Date((nbf + 60) * 1000) });
    expect((await refusal(wallet.presentSdJwt({ ...base, credential: early.credential.id }))).code).toBe('NOT_YET_VALID');
  });
});
