// A trustedIssuers option only ever narrows what a verifier accepts: under a recognition
// policy it is an extra filter (listed AND recognised), per call it is intersected with
// the verifier's own set, and it is never dropped.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, type RecognitionPolicy, verifyCredential } from '../src/index.js';
import { didKey, NOW, type TestKey, vcJwt } from './helpers/producers.js';

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

describe('trustedIssuers narrows, never widens', () => {
  let anchor: TestKey;
  let tt: TestKey;
  let bb: TestKey;
  let outsider: TestKey;
  let list: string;
  let policy: RecognitionPolicy;
  let fromTt: string;
  let fromBb: string;
  let fromOutsider: string;

  beforeAll(async () => {
    [anchor, tt, bb, outsider] = [didKey(), didKey(), didKey(), didKey()];
    const entry = (k: TestKey, country: string) => ({ id: k.did, country, name: country, credentialTypes: ['*'], assuranceLevel: 'high' });
    list = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'RecognitionList'],
      issuer: anchor.did,
      validFrom: '2026-05-01T00:00:00Z',
      credentialSubject: { sequence: 1, nextUpdate: '2026-07-01T00:00:00Z', entries: [entry(tt, 'TT'), entry(bb, 'BB')] },
    })
      .setProtectedHeader({ alg: anchor.alg, kid: anchor.kid, typ: 'vc+jwt' })
      .sign(anchor.privateKey);
    policy = { anchors: [anchor.did] };
    [fromTt, fromBb, fromOutsider] = await Promise.all([vcJwt(tt), vcJwt(bb), vcJwt(outsider)]);
  });

  it('a per-call trustedIssuers narrows a verifier with a policy and is never dropped', async () => {
    const verifier = createVerifier({ now: NOW, policy, recognitionLists: [list] });
    expect((await verifier.verifyCredential(fromTt)).verified).toBe(true);
    expect(codes(await verifier.verifyCredential(fromTt, { trustedIssuers: [bb.did] }))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifier.verifyCredential(fromBb, { trustedIssuers: [bb.did] })).verified).toBe(true);
    expect(codes(await verifier.verifyCredential(fromTt, { trustedIssuers: [] }))).toEqual(['UNTRUSTED_ISSUER']);
    // The verifier itself is unchanged afterwards.
    expect((await verifier.verifyCredential(fromTt)).verified).toBe(true);
  });

  it('a per-call trustedIssuers never admits an issuer the policy does not recognise', async () => {
    const verifier = createVerifier({ now: NOW, policy, recognitionLists: [list] });
    expect(codes(await verifier.verifyCredential(fromOutsider, { trustedIssuers: [outsider.did] }))).toEqual(['UNTRUSTED_ISSUER']);
    // Nor when given with the policy in one set of options (the function form, a wallet's receive).
    const r = await verifyCredential(fromOutsider, { now: NOW, policy, recognitionLists: [list], trustedIssuers: [outsider.did] });
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
    const narrowed = { now: NOW, policy, recognitionLists: [list], trustedIssuers: [bb.did] };
    expect(codes(await verifyCredential(fromTt, narrowed))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifyCredential(fromBb, narrowed)).verified).toBe(true);
  });

  it('narrows a policy without anchors (a plain trusted list) instead of adding to it', async () => {
    const plain = createVerifier({ now: NOW, policy: { trustedIssuers: [tt.did, bb.did] } });
    expect((await plain.verifyCredential(fromTt)).verified).toBe(true);
    expect(codes(await plain.verifyCredential(fromTt, { trustedIssuers: [bb.did] }))).toEqual(['UNTRUSTED_ISSUER']);
    expect(codes(await plain.verifyCredential(fromOutsider, { trustedIssuers: [outsider.did] }))).toEqual(['UNTRUSTED_ISSUER']);
    const r = await verifyCredential(fromOutsider, { now: NOW, policy: { trustedIssuers: [tt.did] }, trustedIssuers: [outsider.did] });
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it("a per-call trustedIssuers is intersected with the verifier's own", async () => {
    const verifier = createVerifier({ now: NOW, trustedIssuers: [tt.did] });
    expect(codes(await verifier.verifyCredential(fromOutsider, { trustedIssuers: [outsider.did] }))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifier.verifyCredential(fromTt, { trustedIssuers: [tt.did, outsider.did] })).verified).toBe(true);
  });

  it("keeps the policy's own locally trusted issuers, narrowed like the rest", async () => {
    const local = { ...policy, trustedIssuers: [outsider.did] };
    const verifier = createVerifier({ now: NOW, policy: local, recognitionLists: [list] });
    const r = await verifier.verifyCredential(fromOutsider);
    expect(r.verified && r.recognition).toEqual({ source: 'local' });
    expect(codes(await verifier.verifyCredential(fromOutsider, { trustedIssuers: [tt.did] }))).toEqual(['UNTRUSTED_ISSUER']);
  });
});
