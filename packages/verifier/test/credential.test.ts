import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../src/index.js';
import { didJwk, didKey, jwtVc, NOW, vcJwt } from './helpers/producers.js';

describe('verifyCredential accepts independent producers', () => {
  it('vc+jwt from jose, Ed25519 did:key', async () => {
    const issuer = didKey();
    const r = await verifyCredential(await vcJwt(issuer), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.format).toBe('vc+jwt');
    expect(r.issuer).toBe(issuer.did);
    expect(r.subject).toBe('did:example:holder');
    expect(r.keyId).toBe(issuer.kid);
    expect(r.validUntil?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
  });

  it('vc+jwt from jose, P-256 did:key (ES256)', async () => {
    const r = await verifyCredential(await vcJwt(didKey('P-256')), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('vc+jwt from jose, did:jwk', async () => {
    const r = await verifyCredential(await vcJwt(didJwk()), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('jwt_vc from did-jwt-vc maps iss/sub/nbf/exp/jti onto the credential', async () => {
    const issuer = didKey();
    const jwt = await jwtVc(issuer, 'did:example:kemar', { exp: new Date('2030-01-01T00:00:00Z') });
    const r = await verifyCredential(jwt, { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.format).toBe('jwt_vc');
    expect(r.credential.issuer).toBe(issuer.did);
    expect(r.credential.id).toBe('urn:uuid:0d2e3e4c-91a5-4a0e-8a3e-6a5f7a1b2c3d');
    expect(r.credential.issuanceDate).toBe('2026-01-01T00:00:00Z');
    expect(r.credential.expirationDate).toBe('2030-01-01T00:00:00Z');
    expect(r.subject).toBe('did:example:kemar');
  });

  it('jwt_vc signed with ES256 by did-jwt', async () => {
    const r = await verifyCredential(await jwtVc(didKey('P-256')), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });
});

describe('verifyCredential accepts what other producers write', () => {
  it('a kid that is the bare issuer DID', async () => {
    const issuer = didKey();
    const r = await verifyCredential(await vcJwt({ ...issuer, kid: issuer.did }), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('the media types of earlier VC-JOSE-COSE drafts (vc+ld+jwt, vc+ld+json+jwt)', async () => {
    const issuer = didKey('P-256');
    for (const typ of ['vc+ld+jwt', 'vc+ld+json+jwt', 'application/vc+jwt', 'JWT']) {
      const r = await verifyCredential(await vcJwt(issuer, {}, { typ }), { now: NOW });
      expect(r.verified && r.format, typ).toBe('vc+jwt');
    }
  });

  it('an issuer object and a subject array in VCDM 2.0', async () => {
    const issuer = didJwk();
    const r = await verifyCredential(
      await vcJwt(issuer, {
        issuer: { id: issuer.did, name: 'Registrar General' },
        credentialSubject: [
          { id: 'did:example:a', givenName: 'Asha' },
          { id: 'did:example:b', givenName: 'Kemar' },
        ],
      }),
      { now: NOW },
    );
    expect(r.verified && r.subject).toBe('did:example:a');
  });
});
