// Data Integrity presentations (an authentication proof with challenge and domain, made
// by @digitalbazaar/vc), DI credentials inside vp+jwt presentations, and JOSE credentials
// enveloped inside DI presentations.
import * as vc from '@digitalbazaar/vc';
import { multikeyToJwk } from '@tradewind/core';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PresentationVerificationResult, verifyPresentation } from '../src/index.js';
import { credential, type DiSigner, diSigner, documentLoader, issueDi, presentDi } from './helpers/di-issue.js';
import { didKey, lowS, NOW, type TestKey, vcJwt } from './helpers/producers.js';

const codes = (r: PresentationVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const AUDIENCE = 'https://bank.example.bb';

describe('Data Integrity presentations', () => {
  let issuer: DiSigner;
  let holder: DiSigner;
  let stranger: DiSigner;
  let aboutHolder: Record<string, unknown>;

  beforeAll(async () => {
    issuer = await diSigner('eddsa-rdfc-2022', { seed: 21 });
    holder = await diSigner('Ed25519Signature2020', { seed: 22 });
    stranger = await diSigner('Ed25519Signature2020', { seed: 23 });
    aboutHolder = await issueDi(credential(issuer.did, holder.did), issuer);
  });

  it('verifies the holder proof, challenge and domain, and every credential', async () => {
    const vp = await presentDi([aboutHolder], holder, { challenge: 'n-0S6', domain: AUDIENCE });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6', audience: AUDIENCE });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified || r.format !== 'di') throw new Error('not a di presentation');
    expect(r.holder).toBe(holder.did);
    expect(r.keyId).toBe(holder.id);
    expect(r.nonce).toBe('n-0S6');
    expect(r.audience).toEqual([AUDIENCE]);
    expect(r.proof).toMatchObject({ type: 'Ed25519Signature2020', proofPurpose: 'authentication' });
    expect(r.checks).toEqual(['dataModel', 'proof', 'nonce', 'audience', 'credentials', 'holderBinding']);
    expect(r.credentials).toHaveLength(1);
    expect(r.credentials[0]).toMatchObject({ format: 'di', issuer: issuer.did, aboutHolder: true });
    // As JSON text too.
    expect((await verifyPresentation(JSON.stringify(vp), { now: NOW, nonce: 'n-0S6', audience: AUDIENCE })).verified).toBe(true);
  });

  it('refuses another challenge (NONCE_MISMATCH) or another domain (AUDIENCE_MISMATCH)', async () => {
    const vp = await presentDi([aboutHolder], holder, { challenge: 'n-0S6', domain: AUDIENCE });
    expect(codes(await verifyPresentation(vp, { now: NOW, nonce: 'replayed' }))).toEqual(['NONCE_MISMATCH']);
    expect(codes(await verifyPresentation(vp, { now: NOW, audience: 'https://other.example' }))).toEqual(['AUDIENCE_MISMATCH']);
  });

  it('refuses a presentation proof whose purpose is not authentication', async () => {
    const vp = await presentDi([aboutHolder], holder, { challenge: 'n-0S6' });
    const proof = { ...(vp.proof as object), proofPurpose: 'assertionMethod' };
    const r = await verifyPresentation({ ...vp, proof }, { now: NOW, nonce: 'n-0S6' });
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain('authentication');
  });

  it('refuses a presentation naming a holder other than its signer (KEY_NOT_FOUND)', async () => {
    const vp = await presentDi([aboutHolder], stranger, { challenge: 'n-0S6', holderId: holder.did });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6' });
    expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
  });

  it('refuses a credential about someone else under holderBinding subject, and reports it under none', async () => {
    const vp = await presentDi([aboutHolder], stranger, { challenge: 'n-0S6' });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6' });
    expect(codes(r)).toEqual(['HOLDER_BINDING']);
    const none = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6', holderBinding: 'none' });
    expect(none.verified).toBe(true);
    if (none.verified) expect(none.credentials[0]?.aboutHolder).toBe(false);
  });

  it('reports a credential that fails inside, with its path', async () => {
    const tampered = { ...aboutHolder, credentialSubject: { id: holder.did, name: 'Mallory' } };
    const vp = await presentDi([tampered], holder, { challenge: 'n-0S6' });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6' });
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    expect(r.verified ? '' : r.errors[0]?.path).toMatch(/^\/verifiableCredential\/0/);
  });

  it('refuses an empty presentation unless allowEmpty', async () => {
    // Without verifiableCredential at all: authentication only.
    const vp = await presentDi([], holder, { challenge: 'n-0S6' });
    expect(vp.verifiableCredential).toBeUndefined();
    expect(codes(await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6' }))).toEqual(['MALFORMED']);
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6', allowEmpty: true });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('verifies a did:jwk holder (as Inji Wallet presents), its key read from the DID', async () => {
    const seed = 24;
    const jwk = await multikeyToJwk((await diSigner('eddsa-rdfc-2022', { seed })).publicKeyMultibase);
    const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
    const jwkHolder = await diSigner('eddsa-rdfc-2022', { seed, did, fragment: '0' });
    const about = await issueDi(credential(issuer.did, did), issuer);
    const vp = await presentDi([about], jwkHolder, { challenge: 'n-0S6', domain: AUDIENCE });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6', audience: AUDIENCE });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect([r.holder, r.keyId]).toEqual([did, `${did}#0`]);
  });

  it('verifies a JOSE credential enveloped in a DI presentation', async () => {
    const jose = didKey();
    const jwt = await vcJwt(jose, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    const presentation = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [
        { '@context': 'https://www.w3.org/ns/credentials/v2', id: `data:application/vc+jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' },
      ],
    };
    const vp = await vc.signPresentation({
      presentation,
      suite: holder.sign(new Date('2026-01-01T00:00:00Z')),
      challenge: 'n-0S6',
      documentLoader,
    });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-0S6' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect(r.credentials[0]).toMatchObject({ format: 'vc+jwt', issuer: jose.did, aboutHolder: true });
  });
});

describe('Data Integrity credentials inside JOSE presentations', () => {
  let issuer: DiSigner;
  let holder: TestKey;

  beforeAll(async () => {
    issuer = await diSigner('eddsa-rdfc-2022', { seed: 31 });
    holder = didKey();
  });

  it('verifies a DI credential embedded in a vp+jwt presentation', async () => {
    const di = await issueDi(credential(issuer.did, holder.did), issuer);
    const vp = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [di],
      nonce: 'n-1',
    })
      .setProtectedHeader({ alg: holder.alg, kid: holder.kid, typ: 'vp+jwt' })
      .sign(holder.privateKey)
      .then(lowS);
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-1' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect(r.credentials[0]).toMatchObject({ format: 'di', issuer: issuer.did, aboutHolder: true });
    // A tampered DI credential inside fails the presentation, with its path.
    const tampered = { ...di, credentialSubject: { id: holder.did, name: 'Mallory' } };
    const bad = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [tampered],
    })
      .setProtectedHeader({ alg: holder.alg, kid: holder.kid, typ: 'vp+jwt' })
      .sign(holder.privateKey)
      .then(lowS);
    const failed = await verifyPresentation(bad, { now: NOW });
    expect(codes(failed)).toEqual(['SIGNATURE_INVALID']);
    expect(failed.verified ? '' : failed.errors[0]?.path).toMatch(/^\/payload\/verifiableCredential\/0/);
  });
});
