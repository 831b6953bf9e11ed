// Receiving SD-JWT VCs (dc+sd-jwt) from an independent producer: verified, stored as
// issued, found by format, vct and issuer; presentations, foreign key bindings and
// tampered disclosures are refused and nothing is stored.
import { TradewindError } from '@tradewind/core';
import { CredentialRejectedError, type HolderDid, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir } from './fixtures.js';
import { decodePart, issueSdJwt, type SdJwtIssuer, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
let holder: HolderDid;
let p256: HolderDid;
const tt = sdJwtIssuer('EdDSA');
const bb = sdJwtIssuer('ES256');

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('r.db'), secret: SECRET, kdf: TEST_KDF });
  holder = await wallet.createDid();
  p256 = await wallet.createDid({ method: 'jwk', keyType: 'P-256' });
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

describe('receiving an SD-JWT VC', () => {
  let id: string;
  let issued: string;

  it('verifies and stores it as issued, every disclosure included, with its vct as type', async () => {
    issued = await issueSdJwt(tt, holder);
    const { added, credential, warnings } = await wallet.receive(issued);
    expect(added).toBe(true);
    expect(warnings).toEqual([]);
    id = credential.id;
    expect(credential).toMatchObject({
      format: 'dc+sd-jwt',
      vct: 'NationalIdCredential',
      types: ['NationalIdCredential'],
      issuer: tt.did,
      credential: issued,
      raw: issued,
    });
    expect(credential.id).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.endsWith('~')).toBe(true);
  });

  it('lists every disclosable claim with its JSON Pointer, nested ones with their parent, and the claims always shown', async () => {
    const claims = await wallet.disclosableClaims(id);
    const byPath = Object.fromEntries(claims.map((c) => [c.path, c]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        '/address',
        '/address/locality',
        '/address/street_address',
        '/age_over_18',
        '/birth_place',
        '/birthdate',
        '/family_name',
        '/given_name',
        '/nationalities',
        '/nationalities/0',
        '/nationalities/1',
        '/nationality',
      ].sort(),
    );
    expect(byPath['/given_name']).toEqual({ path: '/given_name', name: 'given_name', value: 'Asha' });
    expect(byPath['/address']).toEqual({
      path: '/address',
      name: 'address',
      value: { street_address: '12 Frederick Street', locality: 'Port of Spain', country: 'TT' },
    });
    expect(byPath['/address/locality']).toEqual({
      path: '/address/locality',
      name: 'locality',
      value: 'Port of Spain',
      parent: '/address',
    });
    expect(byPath['/nationalities/1']).toEqual({ path: '/nationalities/1', value: 'GD', parent: '/nationalities' });
    expect(byPath['/nationalities']?.value).toEqual(['TT', 'GD']);
    const stored = await wallet.get(id);
    expect(stored.disclosable).toEqual(claims);
    const shown = Object.fromEntries((stored.alwaysShown ?? []).map((c) => [c.path, c.value]));
    expect(Object.keys(shown).sort()).toEqual(['/cnf', '/iat', '/iss', '/vct']);
    expect(shown['/cnf']).toEqual({ jwk: holder.publicJwk });
  });

  it('holds one copy of a credential received twice', async () => {
    const again = await wallet.receive(`  ${issued}\n`);
    expect(again.added).toBe(false);
    expect(again.credential.id).toBe(id);
    // In a data: URL it is the same credential, kept as the bare SD-JWT.
    await wallet.delete(id);
    const url = await wallet.receive(`data:application/dc+sd-jwt,${issued}`);
    expect(url.added).toBe(true);
    expect(url.credential.id).toBe(id);
    expect(url.credential.raw).toBe(issued);
  });

  it('finds SD-JWT VCs by format, by vct (as type) and by issuer, beside JWT credentials', async () => {
    const es = await wallet.receive(await issueSdJwt(bb, p256, { vct: 'urn:eudi:pid:1', binding: 'kid' }));
    expect(es.credential).toMatchObject({ format: 'dc+sd-jwt', vct: 'urn:eudi:pid:1', issuer: bb.did });
    const jwt = await wallet.receive(await jwtVc(issuer('key'), holder.did));
    expect((await wallet.find({ format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([id, es.credential.id]);
    expect((await wallet.find({ format: 'jwt_vc' })).map((c) => c.id)).toEqual([jwt.credential.id]);
    expect((await wallet.find({ type: 'urn:eudi:pid:1' })).map((c) => c.id)).toEqual([es.credential.id]);
    expect((await wallet.find({ issuer: bb.did })).map((c) => c.id)).toEqual([es.credential.id]);
    expect((await wallet.find({ type: 'NationalIdCredential', format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([id]);
    expect(await wallet.count()).toBe(3);
    // A JWT credential has no disclosable claims.
    expect((await refusal(wallet.disclosableClaims(jwt.credential.id))).code).toBe('INVALID_ARGUMENT');
    expect((await refusal(wallet.disclosableClaims('0'.repeat(64)))).code).toBe('NOT_FOUND');
  });

  it('stores the Token Status List entry it carries', async () => {
    const withStatus = await issueSdJwt(tt, holder, {
      extra: { status: { status_list: { idx: 4711, uri: 'https://registry.gov.example.tt/status/1' } } },
    });
    // The verifier reads the status list: without one the wallet refuses, as for other formats.
    const refused = await refusal(wallet.receive(withStatus));
    expect(refused.code).toBe('STATUS_UNAVAILABLE');
    const { credential } = await wallet.receive(withStatus, { status: { onUnavailable: 'warn' } });
    expect(credential.status).toEqual([
      { type: 'TokenStatusList', statusListIndex: '4711', statusListCredential: 'https://registry.gov.example.tt/status/1' },
    ]);
    await wallet.delete(credential.id);
  });
});

describe('what receiving refuses (nothing is stored)', () => {
  const stranger = sdJwtIssuer('EdDSA');
  let before: number;
  beforeAll(async () => {
    before = await wallet.count();
  });
  afterAll(async () => {
    expect(await wallet.count()).toBe(before);
  });

  it('an SD-JWT with a key-binding JWT attached: MALFORMED, it is a presentation', async () => {
    const { credential } = await wallet.receive(await issueSdJwt(tt, holder, { vct: 'DrivingPermit' }));
    const { presentation } = await wallet.presentSdJwt({
      credential: credential.id,
      disclose: ['given_name'],
      nonce: 'n',
      audience: 'https://a.example',
    });
    await wallet.delete(credential.id);
    const e = await refusal(wallet.receive(presentation));
    expect(e).toBeInstanceOf(CredentialRejectedError);
    expect(e.code).toBe('MALFORMED');
    expect(e.message).toContain('presentation');
    const batch = await refusal(wallet.receiveAll([presentation]));
    expect(batch.code).toBe('MALFORMED');
  });

  it('one bound (cnf.jwk) to a key the wallet does not hold: HOLDER_BINDING', async () => {
    const other = sdJwtIssuer('ES256');
    const foreign = { ...holder, publicJwk: other.publicJwk as never };
    const e = await refusal(wallet.receive(await issueSdJwt(tt, foreign)));
    expect(e.code).toBe('HOLDER_BINDING');
    expect((e as CredentialRejectedError).errors[0]?.path).toBe('/cnf');
  });

  it('one bound (cnf.kid) to a DID the wallet does not hold: HOLDER_BINDING', async () => {
    const foreign = { ...p256, verificationMethod: `${stranger.did}#${stranger.did.slice('did:key:'.length)}` };
    const e = await refusal(wallet.receive(await issueSdJwt(tt, foreign, { binding: 'kid' })));
    expect(e.code).toBe('HOLDER_BINDING');
  });

  it('one whose cnf.jwk and cnf.kid name different keys of the wallet: HOLDER_BINDING', async () => {
    const e = await refusal(
      wallet.receive(await issueSdJwt(tt, holder, { extra: { cnf: { jwk: holder.publicJwk, kid: p256.verificationMethod } } })),
    );
    expect(e.code).toBe('HOLDER_BINDING');
  });

  it('one without cnf: HOLDER_BINDING', async () => {
    const sdjwt = await issueSdJwt(tt, holder, { extra: { cnf: undefined } });
    expect(decodePart(sdjwt.split('.')[1] as string).cnf).toBeUndefined();
    const e = await refusal(wallet.receive(sdjwt));
    expect(['HOLDER_BINDING']).toContain(e.code);
  });

  it('a tampered disclosure, or a disclosure of another credential: DISCLOSURE_INVALID', async () => {
    const a = await issueSdJwt(tt, holder);
    const b = await issueSdJwt(tt, holder);
    const [jwtA, first, ...rest] = a.split('~');
    const [, firstOfB] = b.split('~');
    const decoded = JSON.parse(Buffer.from(first as string, 'base64url').toString()) as unknown[];
    decoded[2] = 'Mallory';
    const tampered = [jwtA, Buffer.from(JSON.stringify(decoded)).toString('base64url'), ...rest].join('~');
    expect((await refusal(wallet.receive(tampered))).code).toBe('DISCLOSURE_INVALID');
    const mixed = [jwtA, firstOfB, ...rest].join('~');
    expect((await refusal(wallet.receive(mixed))).code).toBe('DISCLOSURE_INVALID');
  });

  it('a forged issuer signature: SIGNATURE_INVALID', async () => {
    const [jwt, ...disclosures] = (await issueSdJwt(tt, holder)).split('~');
    const [header, payload] = (jwt as string).split('.');
    const otherSignature = ((await issueSdJwt(sdJwtIssuer('EdDSA'), holder)).split('~')[0] as string).split('.')[2];
    const forged = [`${header}.${payload}.${otherSignature}`, ...disclosures].join('~');
    expect((await refusal(wallet.receive(forged))).code).toBe('SIGNATURE_INVALID');
  });
});

describe('SD-JWT VC issuers of each kind', () => {
  it.each<[string, SdJwtIssuer]>([
    ['EdDSA did:key', sdJwtIssuer('EdDSA')],
    ['ES256 did:jwk', sdJwtIssuer('ES256')],
  ])('%s, sha-384 disclosures', async (_, iss) => {
    const { credential } = await wallet.receive(await issueSdJwt(iss, p256, { binding: 'kid', hashAlg: 'sha-384' }));
    expect(credential.issuer).toBe(iss.did);
    expect((await wallet.disclosableClaims(credential.id)).length).toBe(12);
    await wallet.delete(credential.id);
  });
});
