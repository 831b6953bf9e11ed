import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey, sign, verify } from 'node:crypto';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { lowSSignature, type PublicJwk } from '@tradewind/core';
import type { Issuer, ManagedDid } from '@tradewind/issuer';
import { verifyPresentation } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
let dir: string;
let issuer: Issuer;
let ed: ManagedDid;
let p256: ManagedDid;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('sd-jwt-issue'));
  ed = (await issuer.listDids())[0] as ManagedDid;
  p256 = await issuer.createDid({ keyType: 'P-256' });
});
afterAll(() => closeTempIssuer(issuer, dir));

/**
 * A verifier of the reference library with the issuer's public key; the status list it
 * would fetch is the token the issuer signs now (nothing is fetched).
 */
function referenceVerifier(jwk: PublicJwk): SDJwtVcInstance {
  const key = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
  return new SDJwtVcInstance({
    hasher: (data, alg) => {
      expect(alg).toBe('sha-256');
      return new Uint8Array(
        createHash('sha256')
          .update(typeof data === 'string' ? data : Buffer.from(data))
          .digest(),
      );
    },
    verifier: (data, sig) =>
      verify(jwk.crv === 'P-256' ? 'sha256' : null, Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')),
    statusListFetcher: async (uri) => {
      const [token] = await issuer.statusListTokens({ url: uri });
      return (token as { jwt: string }).jwt;
    },
    loadTypeMetadataFormat: false,
  });
}

function parts(sdJwt: string): { header: Record<string, unknown>; payload: Record<string, unknown>; disclosures: unknown[][] } {
  const [jwt, ...rest] = sdJwt.split('~');
  const [h, p] = (jwt as string).split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
    disclosures: rest.filter((d) => d !== '').map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[]),
  };
}

describe('dc+sd-jwt issuance', () => {
  it('issues an SD-JWT VC that @sd-jwt/sd-jwt-vc verifies with the issuer key, for EdDSA and ES256 issuers', async () => {
    for (const did of [ed, p256]) {
      const issued = await issuer.issue({
        format: 'dc+sd-jwt',
        issuer: did.did,
        type: 'NationalIdCredential',
        credentialSubject: {
          id: HOLDER,
          given_name: 'Ana',
          family_name: 'Joseph',
          birthdate: '1990-05-17',
          nationality: 'TT',
          address: { locality: 'Port of Spain', country: 'TT' },
        },
        status: ['revocation', 'suspension'],
      });
      expect(issued.format).toBe('dc+sd-jwt');
      expect(issued.jwt.endsWith('~')).toBe(true);
      const { header, payload, disclosures } = parts(issued.jwt);
      expect(header).toEqual({ typ: 'dc+sd-jwt', kid: did.verificationMethod, alg: did.alg });
      expect(payload).toMatchObject({ iss: did.did, vct: 'NationalIdCredential', _sd_alg: 'sha-256' });
      expect(typeof payload.iat).toBe('number');
      expect(payload.cnf).toEqual({ jwk: { kty: 'OKP', crv: 'Ed25519', x: expect.any(String) } });
      const status = (payload.status as { status_list: { idx: number; uri: string } }).status_list;
      expect(status.uri).toMatch(/^https:\/\/registry\.gov\.example\/status\/token\/[0-9]+$/);
      expect(issued.statusList).toEqual(status);
      // Personal claims are all disclosures, address members one by one; decoys pad _sd.
      for (const name of ['given_name', 'family_name', 'birthdate', 'nationality', 'address', 'age_over_18'])
        expect(payload[name]).toBeUndefined();
      const names = disclosures.map((d) => d[1]);
      expect(names).toEqual(
        expect.arrayContaining(['given_name', 'family_name', 'birthdate', 'nationality', 'address', 'locality', 'country', 'age_over_18']),
      );
      expect(disclosures.find((d) => d[1] === 'age_over_18')?.[2]).toBe(true);
      const top = payload._sd as string[];
      expect(top.length).toBeGreaterThanOrEqual(6 + 2);
      expect(top.length).toBeLessThanOrEqual(6 + 4);

      const verified = await referenceVerifier(did.publicJwk).verify(issued.jwt);
      expect(verified.payload).toMatchObject({
        given_name: 'Ana',
        address: { locality: 'Port of Spain', country: 'TT' },
        age_over_18: true,
        vct: 'NationalIdCredential',
      });
      // The reference verifier reads the status from the signed token: revoked is refused.
      await issuer.revoke(issued.id);
      await expect(referenceVerifier(did.publicJwk).verify(issued.jwt)).rejects.toThrow(/status/i);
    }
  });

  it('binds a holder key given as a JWK, and a holder DID as cnf.kid on request', async () => {
    const holderJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const withKey = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'BirthCertificate',
      holderKey: holderJwk,
      credentialSubject: { given_name: 'Ana' },
    });
    expect(parts(withKey.jwt).payload.cnf).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: holderJwk.x, y: holderJwk.y } });
    const withKid = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'BirthCertificate',
      holderBinding: 'kid',
      credentialSubject: { id: HOLDER, given_name: 'Ana' },
    });
    expect(parts(withKid.jwt).payload.cnf).toEqual({ kid: `${HOLDER}#${HOLDER.slice('did:key:'.length)}` });
    const unbound = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'BirthCertificate',
      credentialSubject: { given_name: 'Ana' },
      status: [],
    });
    expect(parts(unbound.jwt).payload.cnf).toBeUndefined();
    expect(parts(unbound.jwt).payload.status).toBeUndefined();
  });

  it('reflects revoke, suspend and reinstate in the signed Token Status List', async () => {
    const issued = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      credentialSubject: { id: HOLDER, given_name: 'Ana' },
      status: ['revocation', 'suspension'],
    });
    const ref = issued.statusList as { idx: number; uri: string };
    const value = async () => {
      const [token] = await issuer.statusListTokens({ url: ref.uri });
      return getListFromStatusListJWT((token as { jwt: string }).jwt).getStatus(ref.idx);
    };
    expect(await value()).toBe(0);
    await issuer.suspend(issued.id);
    expect(await value()).toBe(2);
    expect((await issuer.getIssued(issued.id)).suspended).toBe(true);
    await issuer.reinstate(issued.id);
    expect(await value()).toBe(0);
    await issuer.revoke(issued.id);
    expect(await value()).toBe(1);
    const logged = await issuer.getIssued(issued.id);
    expect(logged).toMatchObject({ format: 'dc+sd-jwt', revoked: true, suspended: false });
    await expect(issuer.reinstate(issued.id)).resolves.toMatchObject({ changed: false });
    await expect(issuer.revoke(issued.id)).resolves.toMatchObject({ changed: false });
  });

  it('a holder presents it with key binding through @sd-jwt/sd-jwt-vc, for EdDSA and ES256 holders; @tradewind/verifier accepts it', async () => {
    for (const type of ['ed25519', 'ec'] as const) {
      const holder = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const jwk = holder.publicKey.export({ format: 'jwk' });
      const issued = await issuer.issue({
        format: 'dc+sd-jwt',
        issuer: p256.did,
        type: 'NationalIdCredential',
        holderKey: jwk,
        credentialSubject: { given_name: 'Ana', nationality: 'TT', birthdate: '1990-05-17' },
        status: [],
      });
      const wallet = new SDJwtVcInstance({
        hasher: (data) => createHash('sha256').update(data).digest(),
        kbSignAlg: type === 'ec' ? 'ES256' : 'EdDSA',
        kbSigner: async (data) => {
          const signature = sign(type === 'ec' ? 'sha256' : null, Buffer.from(data), { key: holder.privateKey, dsaEncoding: 'ieee-p1363' });
          return Buffer.from(type === 'ec' ? await lowSSignature(signature) : signature).toString('base64url');
        },
      });
      const presented = await wallet.present(issued.jwt, { nationality: true } as never, {
        kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: 'https://bank.example.bb', nonce: 'n-0S6_WzA2Mj' } },
      });
      const result = await verifyPresentation(presented, { nonce: 'n-0S6_WzA2Mj', audience: 'https://bank.example.bb' });
      expect(result.verified, JSON.stringify((result as { errors?: unknown }).errors)).toBe(true);
      if (result.verified && result.format === 'dc+sd-jwt') {
        expect(result.credentials[0].disclosed.map((d) => d.name)).toEqual(['nationality']);
        expect(result.credentials[0].claims.given_name).toBeUndefined();
      }
      // Another nonce: refused.
      expect(await verifyPresentation(presented, { nonce: 'other', audience: 'https://bank.example.bb' })).toMatchObject({
        verified: false,
      });
    }
  });

  it('binds a did:jwk holder by cnf.kid (its #0 verification method), as MOSIP holders are bound', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toString('base64url')}`;
    const byKid = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'X',
      holderBinding: 'kid',
      credentialSubject: { id: did, a: 1 },
      status: [],
    });
    expect(parts(byKid.jwt).payload.cnf).toEqual({ kid: `${did}#0` });
    const byJwk = await issuer.issue({ format: 'dc+sd-jwt', type: 'X', credentialSubject: { id: did, a: 1 }, status: [] });
    expect(parts(byJwk.jwt).payload.cnf).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } });
    expect((await issuer.getIssued(byKid.id)).subjectId).toBe(did);
  });
});
