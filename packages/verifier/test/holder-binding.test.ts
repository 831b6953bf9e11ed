// holderBinding: whether a presentation's credentials must be about its holder, from
// the call, the verifier, or the policy (in that order), and aboutHolder on each one.
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type PresentationVerificationResult, parsePolicy, verifyPresentation } from '../src/index.js';
import { didKey, jwtVc, jwtVp, NOW, type TestKey, vcJwt, vpJwt } from './helpers/producers.js';

const codes = (r: PresentationVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

describe('holderBinding', () => {
  let issuer: TestKey;
  let parent: TestKey;
  let own: string;
  let childs: string;
  let vp: string;
  beforeAll(async () => {
    [issuer, parent] = [didKey(), didKey()];
    own = await vcJwt(issuer, { credentialSubject: { id: parent.did, givenName: 'Asha' } });
    // A parent presenting a child's birth certificate: VCDM 2.0 does not require subject = holder.
    childs = await vcJwt(issuer, {
      type: ['VerifiableCredential', 'BirthCertificateCredential'],
      credentialSubject: { id: didKey().did, givenName: 'Kemar' },
    });
    vp = await vpJwt(parent, [own, childs]);
  });

  it("defaults to 'subject': a credential about someone else is HOLDER_BINDING", async () => {
    const r = await verifyPresentation(vp, { now: NOW });
    expect(codes(r)).toEqual(['HOLDER_BINDING']);
    if (!r.verified) expect(r.errors[0]?.path).toBe('/payload/verifiableCredential/1');
  });

  it("'none' accepts it, and says which credentials are about the holder", async () => {
    const r = await verifyPresentation(vp, { now: NOW, holderBinding: 'none' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.credentials.map((c) => c.aboutHolder)).toEqual([true, false]);
    // The same for VCDM 1.1 (jwt_vp with jwt_vc credentials).
    const legacy = await jwtVp(parent, [await jwtVc(issuer, parent.did), await jwtVc(issuer, 'did:example:child')]);
    const l = await verifyPresentation(legacy, { now: NOW, holderBinding: 'none' });
    expect(l.verified && l.credentials.map((c) => c.aboutHolder)).toEqual([true, false]);
  });

  it("under 'subject' every verified credential is aboutHolder", async () => {
    const r = await verifyPresentation(await vpJwt(parent, [own]), { now: NOW });
    expect(r.verified && r.credentials.map((c) => c.aboutHolder)).toEqual([true]);
  });

  it("'none' relaxes nothing else: the credentials must still verify and the holder must still sign", async () => {
    const thief = didKey();
    const stolen = await vpJwt({ ...thief, did: parent.did, kid: parent.kid }, [own]);
    expect(codes(await verifyPresentation(stolen, { now: NOW, holderBinding: 'none' }))).toEqual(['SIGNATURE_INVALID']);
    const expired = await vcJwt(issuer, {
      credentialSubject: { id: 'did:example:child', givenName: 'K' },
      validUntil: '2026-02-01T00:00:00Z',
    });
    expect(codes(await verifyPresentation(await vpJwt(parent, [expired]), { now: NOW, holderBinding: 'none' }))).toEqual(['EXPIRED']);
  });

  it('takes the call, else the verifier, else the policy, else subject', async () => {
    const policyNone = parsePolicy({ trustedIssuers: [issuer.did], holderBinding: 'none' });
    const policySubject = parsePolicy({ trustedIssuers: [issuer.did], holderBinding: 'subject' });
    // Policy only.
    expect((await createVerifier({ now: NOW, policy: policyNone }).verifyPresentation(vp)).verified).toBe(true);
    expect(codes(await createVerifier({ now: NOW, policy: policySubject }).verifyPresentation(vp))).toEqual(['HOLDER_BINDING']);
    expect(codes(await createVerifier({ now: NOW, policy: { trustedIssuers: [issuer.did] } }).verifyPresentation(vp))).toEqual([
      'HOLDER_BINDING',
    ]);
    // The verifier's option over its policy.
    const strict = createVerifier({ now: NOW, policy: policyNone, holderBinding: 'subject' });
    expect(codes(await strict.verifyPresentation(vp))).toEqual(['HOLDER_BINDING']);
    const relaxed = createVerifier({ now: NOW, policy: policySubject, holderBinding: 'none' });
    expect((await relaxed.verifyPresentation(vp)).verified).toBe(true);
    // The call over the verifier (and over a policy given with the call).
    expect((await strict.verifyPresentation(vp, { holderBinding: 'none' })).verified).toBe(true);
    expect(codes(await relaxed.verifyPresentation(vp, { holderBinding: 'subject' }))).toEqual(['HOLDER_BINDING']);
    expect(codes(await relaxed.verifyPresentation(vp, { policy: policyNone, holderBinding: 'subject' }))).toEqual(['HOLDER_BINDING']);
    // A call that gives another policy but no holderBinding keeps the verifier's option.
    expect((await relaxed.verifyPresentation(vp, { policy: policySubject })).verified).toBe(true);
  });

  it('refuses a holderBinding that is not subject or none (TypeError; policy: INVALID_ARGUMENT)', async () => {
    expect(() => createVerifier({ holderBinding: 'off' as never })).toThrow(TypeError);
    await expect(verifyPresentation(vp, { holderBinding: 'false' as never })).rejects.toThrow(TypeError);
    expect(() => parsePolicy({ holderBinding: 'holder' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', path: '/holderBinding' }),
    );
  });
});
