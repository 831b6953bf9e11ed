import { TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
const tt = issuer('key');
const bb = issuer('jwk');
const AUD = 'https://immigration.gov.example.bb';
const NONCE = 'n-0S6_WzA2Mj';

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('p.db'), secret: SECRET, kdf: TEST_KDF });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
}
function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString());
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

describe.each([
  ['did:key Ed25519', { method: 'key', keyType: 'Ed25519' }],
  ['did:key P-256', { method: 'key', keyType: 'P-256' }],
  ['did:jwk Ed25519', { method: 'jwk', keyType: 'Ed25519' }],
  ['did:jwk P-256', { method: 'jwk', keyType: 'P-256' }],
] as const)('present with a %s holder', (_name, didOptions) => {
  let ids: string[];
  let holder: string;

  beforeAll(async () => {
    holder = (await wallet.createDid(didOptions)).did;
    ids = await wallet.receiveAll([
      await jwtVc(tt, holder, { type: 'BirthCertificateCredential' }),
      await jwtVc(bb, holder, { type: 'DrivingPermit' }),
    ]);
  });

  it('signs a jwt_vp (VCDM 1.1 VP-JWT) that the verifier accepts for its audience and nonce', async () => {
    const vp = await wallet.present({ credentials: ids, audience: AUD, nonce: NONCE, format: 'jwt_vc' });
    const p = payloadOf(vp);
    expect(p.iss).toBe(holder);
    expect(p.aud).toBe(AUD);
    expect(p.nonce).toBe(NONCE);
    expect(typeof p.iat).toBe('number');
    expect(typeof p.nbf).toBe('number');
    expect(p.exp as number).toBeGreaterThan(p.iat as number);
    expect((p.vp as Record<string, unknown>).type).toEqual(['VerifiablePresentation']);
    expect((p.vp as { verifiableCredential: string[] }).verifiableCredential).toEqual(
      await Promise.all(ids.map(async (id) => (await wallet.get(id)).raw)),
    );
    expect(headerOf(vp).typ).toBe('JWT');
    const result = await verifyPresentation(vp, { audience: AUD, nonce: NONCE });
    expect(result.verified).toBe(true);
    if (result.verified) {
      expect(result.format).toBe('jwt_vp');
      expect(result.holder).toBe(holder);
      expect(result.credentials).toHaveLength(2);
    }
  });

  it('signs a vp+jwt (VCDM 2.0) with enveloped credentials that the verifier accepts', async () => {
    const vcs = [await vcJwt(tt, holder, { type: 'NationalIdCredential' })];
    const [id] = await wallet.receiveAll(vcs);
    const vp = await wallet.present({ credentials: [id as string], audience: AUD, nonce: NONCE, format: 'vp+jwt' });
    const h = headerOf(vp);
    const p = payloadOf(vp);
    expect(h.typ).toBe('vp+jwt');
    expect(h.kid).toBe((await wallet.listDids()).find((d) => d.did === holder)?.verificationMethod);
    expect(p.holder).toBe(holder);
    expect(p.nonce).toBe(NONCE);
    expect(p.aud).toBe(AUD);
    expect(p.verifiableCredential).toEqual([
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: `data:application/vc+jwt,${vcs[0]}`,
        type: 'EnvelopedVerifiableCredential',
      },
    ]);
    const result = await verifyPresentation(vp, { audience: AUD, nonce: NONCE });
    expect(result.verified).toBe(true);
    if (result.verified) expect(result.format).toBe('vp+jwt');
  });

  it('is rejected by the verifier for another nonce or another audience', async () => {
    for (const format of ['jwt_vp', 'vp+jwt'] as const) {
      const vp = await wallet.present({ credentials: ids, audience: AUD, nonce: NONCE, format });
      const otherNonce = await verifyPresentation(vp, { audience: AUD, nonce: 'replayed-nonce' });
      expect(otherNonce.verified).toBe(false);
      if (!otherNonce.verified) expect(otherNonce.errors.map((e) => e.code)).toContain('NONCE_MISMATCH');
      const otherAudience = await verifyPresentation(vp, { audience: 'https://evil.example', nonce: NONCE });
      expect(otherAudience.verified).toBe(false);
      if (!otherAudience.verified) expect(otherAudience.errors.map((e) => e.code)).toContain('AUDIENCE_MISMATCH');
    }
  });
});

describe('present refuses', () => {
  it('credentials about different subjects with HOLDER_BINDING', async () => {
    const a = (await wallet.createDid()).did;
    const b = (await wallet.createDid()).did;
    const ids = await wallet.receiveAll([await vcJwt(tt, a), await vcJwt(tt, b)]);
    expect(await codeOf(wallet.present({ credentials: ids, audience: AUD, nonce: NONCE }))).toBe('HOLDER_BINDING');
  });

  it('credentials about a DID this wallet does not hold with HOLDER_BINDING', async () => {
    const ids = await wallet.receiveAll([await vcJwt(tt, 'did:example:someone-else')]);
    expect(await codeOf(wallet.present({ credentials: ids, audience: AUD, nonce: NONCE }))).toBe('HOLDER_BINDING');
  });

  it('a credential that has expired since it was received with EXPIRED', async () => {
    const me = (await wallet.createDid()).did;
    const ids = await wallet.receiveAll([await vcJwt(tt, me, { validUntil: new Date('2031-01-01T00:00:00Z') })]);
    expect(await codeOf(wallet.present({ credentials: ids, audience: AUD, nonce: NONCE, now: new Date('2032-01-01T00:00:00Z') }))).toBe(
      'EXPIRED',
    );
  });

  it('a missing audience, nonce, credential list or unknown format with INVALID_ARGUMENT, unknown ids with NOT_FOUND', async () => {
    const me = (await wallet.createDid()).did;
    const ids = await wallet.receiveAll([await vcJwt(tt, me)]);
    expect(await codeOf(wallet.present({ credentials: ids, audience: '', nonce: NONCE }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.present({ credentials: ids, audience: AUD, nonce: '' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.present({ credentials: [], audience: AUD, nonce: NONCE }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.present({ credentials: ids, audience: AUD, nonce: NONCE, format: 'ldp_vp' as 'vp+jwt' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(wallet.present({ credentials: ['nope'], audience: AUD, nonce: NONCE }))).toBe('NOT_FOUND');
  });
});
