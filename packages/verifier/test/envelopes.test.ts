// EnvelopedVerifiableCredential / EnvelopedVerifiablePresentation (VCDM 2.0 §4.13,
// VC-JOSE-COSE §3): the envelope's own shape, and that what it carries is what it says.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialVerificationResult,
  envelopeCredential,
  envelopePresentation,
  type PresentationVerificationResult,
  TradewindError,
  unwrapEnvelope,
  verifyCredential,
  verifyPresentation,
} from '../src/index.js';
import { didKey, jwtVc, lowS, NOW, type TestKey, vcJwt, vpJwt } from './helpers/producers.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
type Result = CredentialVerificationResult | PresentationVerificationResult;
const issues = (r: Result) => (r.verified ? [] : r.errors.map((e) => [e.code, e.path]));

describe('envelopes given to the verifier', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let vc: string;
  let vc11: string;
  let vp: string;
  beforeAll(async () => {
    [issuer, holder] = [didKey(), didKey()];
    vc = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    vc11 = await jwtVc(issuer, holder.did);
    vp = await vpJwt(holder, [vc]);
  });

  it('accepts well-formed envelopes: array or string context, vc+jwt, and the older application/jwt', async () => {
    for (const envelope of [
      envelopeCredential(vc),
      { '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${vc}` },
      {
        '@context': [V2, 'https://www.w3.org/ns/credentials/examples/v2'],
        type: ['EnvelopedVerifiableCredential'],
        id: `data:application/vc+jwt,${vc}`,
      },
      { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/jwt,${vc}` },
      envelopeCredential(vc11, 'jwt'),
    ]) {
      const r = await verifyCredential(envelope, { now: NOW });
      expect(r.verified, JSON.stringify([envelope, r]).slice(0, 400)).toBe(true);
    }
    const r = await verifyPresentation(envelopePresentation(vp), { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('refuses an envelope without a valid @context (MALFORMED at /@context)', async () => {
    const base = { type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${vc}` };
    for (const context of [undefined, [], ['https://www.w3.org/ns/credentials/examples/v2'], 'https://www.w3.org/2018/credentials/v1']) {
      const r = await verifyCredential({ ...base, '@context': context }, { now: NOW });
      const found = issues(r);
      expect(found.length, JSON.stringify(context)).toBeGreaterThan(0);
      for (const [code, path] of found) {
        expect(code).toBe('MALFORMED');
        expect(path).toMatch(/^\/@context/);
      }
    }
  });

  it('refuses an envelope whose type is missing or VerifiableCredential (MALFORMED at /type)', async () => {
    for (const type of [undefined, 'VerifiableCredential', ['VerifiableCredential']]) {
      const r = await verifyCredential({ '@context': [V2], type, id: `data:application/vc+jwt,${vc}` }, { now: NOW });
      expect(issues(r), JSON.stringify(type)).toEqual([['MALFORMED', '/type']]);
    }
    const r = await verifyPresentation({ '@context': [V2], id: `data:application/vp+jwt,${vp}` }, { now: NOW });
    expect(issues(r)).toEqual([['MALFORMED', '/type']]);
  });

  it('refuses an id that is not a data: URL (MALFORMED), and a media type not read here (UNSUPPORTED_FORMAT)', async () => {
    const envelope = (id: unknown) => ({ '@context': [V2], type: 'EnvelopedVerifiableCredential', id });
    for (const id of [undefined, 42, `https://example.org/${vc}`, 'data:application/vc+jwt,']) {
      expect(issues(await verifyCredential(envelope(id), { now: NOW })), String(id)).toEqual([['MALFORMED', '/id']]);
    }
    expect(issues(await verifyCredential(envelope(`data:application/dc+sd-jwt,${vc}~`), { now: NOW }))).toEqual([
      ['UNSUPPORTED_FORMAT', '/id'],
    ]);
  });

  it('refuses a presentation in an EnvelopedVerifiableCredential and a credential in an EnvelopedVerifiablePresentation', async () => {
    const inCredential = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/jwt,${vp}` };
    expect(issues(await verifyCredential(inCredential, { now: NOW }))).toEqual([['MALFORMED', '/id']]);
    expect(issues(await verifyPresentation(inCredential, { now: NOW }))).toEqual([['MALFORMED', '/id']]);
    const vpMediaType = { ...inCredential, id: `data:application/vp+jwt,${vp}` };
    expect(issues(await verifyCredential(vpMediaType, { now: NOW }))).toEqual([['MALFORMED', '/id']]);
    const inPresentation = { '@context': [V2], type: 'EnvelopedVerifiablePresentation', id: `data:application/jwt,${vc}` };
    expect(issues(await verifyPresentation(inPresentation, { now: NOW }))).toEqual([['MALFORMED', '/id']]);
  });

  it('refuses a media type that contradicts the JWS typ (MALFORMED)', async () => {
    // A VCDM 1.1 JWT (typ JWT) is not a vc+jwt.
    const r = await verifyCredential(
      { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${vc11}` },
      { now: NOW },
    );
    expect(issues(r)).toEqual([['MALFORMED', '/id']]);
    // A vc+jwt credential with the header typ of a presentation.
    const typVp = await new SignJWT({
      '@context': [V2],
      type: ['VerifiableCredential'],
      issuer: issuer.did,
      credentialSubject: { name: 'A' },
    })
      .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vp+jwt' })
      .sign(issuer.privateKey)
      .then(lowS);
    const asCredential = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${typVp}` };
    expect(issues(await verifyCredential(asCredential, { now: NOW }))[0]).toEqual(['MALFORMED', '/id']);
    // The same contradiction in a bare data: URL.
    expect(issues(await verifyCredential(`data:application/vc+jwt,${vc11}`, { now: NOW }))).toEqual([['MALFORMED', '/']]);
  });

  it('checks envelopes inside a presentation the same way, at their path', async () => {
    const good = envelopeCredential(vc);
    const sign = (verifiableCredential: unknown[]) =>
      new SignJWT({ '@context': [V2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential })
        .setProtectedHeader({ alg: holder.alg, kid: holder.kid, typ: 'vp+jwt' })
        .sign(holder.privateKey)
        .then(lowS);
    expect((await verifyPresentation(await sign([good]), { now: NOW })).verified).toBe(true);
    const cases: Array<[unknown, string, string]> = [
      [{ ...good, '@context': [] }, 'MALFORMED', '/payload/verifiableCredential/1/@context'],
      [{ ...good, type: 'VerifiableCredential' }, 'MALFORMED', '/payload/verifiableCredential/1'],
      [{ ...good, id: 'urn:uuid:1' }, 'MALFORMED', '/payload/verifiableCredential/1/id'],
      [{ ...good, id: `data:application/vp+jwt,${vp}` }, 'MALFORMED', '/payload/verifiableCredential/1/id'],
      [{ ...good, id: `data:application/vc+jwt,${vc11}` }, 'MALFORMED', '/payload/verifiableCredential/1/id'],
    ];
    for (const [envelope, code, path] of cases) {
      const r = await verifyPresentation(await sign([good, envelope]), { now: NOW });
      const found = issues(r);
      expect(found.length, JSON.stringify(envelope).slice(0, 120)).toBeGreaterThan(0);
      for (const [c, p] of found) {
        expect(c).toBe(code);
        expect(p?.startsWith(path), `${p} under ${path}`).toBe(true);
      }
    }
  });
});

describe('envelope helpers', () => {
  let jws: string;
  beforeAll(async () => {
    jws = await vcJwt(didKey());
  });

  it('envelopeCredential and envelopePresentation make the VC-JOSE-COSE form', () => {
    expect(envelopeCredential(jws)).toEqual({
      '@context': [V2],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${jws}`,
    });
    expect(envelopeCredential(jws, 'jwt').id).toBe(`data:application/jwt,${jws}`);
    expect(envelopePresentation(jws)).toEqual({
      '@context': [V2],
      type: 'EnvelopedVerifiablePresentation',
      id: `data:application/vp+jwt,${jws}`,
    });
  });

  it('unwrapEnvelope gives back what they wrapped', () => {
    expect(unwrapEnvelope(envelopeCredential(jws))).toEqual({ kind: 'credential', mediaType: 'vc+jwt', jws });
    expect(unwrapEnvelope(envelopeCredential(jws, 'jwt'))).toEqual({ kind: 'credential', mediaType: 'jwt', jws });
    expect(unwrapEnvelope(envelopePresentation(jws))).toEqual({ kind: 'presentation', mediaType: 'vp+jwt', jws });
    // Survives JSON.
    expect(unwrapEnvelope(JSON.parse(JSON.stringify(envelopePresentation(jws)))).jws).toBe(jws);
  });

  it('refuse to envelope anything but a compact JWS (INVALID_ARGUMENT)', () => {
    for (const bad of ['', 'a.b', `${jws} `, `data:application/vc+jwt,${jws}`, 42 as unknown as string]) {
      expect(() => envelopeCredential(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => envelopePresentation(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => envelopeCredential(jws, 'vp+jwt' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('unwrapEnvelope refuses bad shapes with a TradewindError and the path', () => {
    const good = envelopeCredential(jws);
    const cases: Array<[unknown, string, string]> = [
      [null, 'MALFORMED', '/'],
      [jws, 'MALFORMED', '/'],
      [{ ...good, '@context': undefined }, 'MALFORMED', '/@context'],
      [{ ...good, '@context': [] }, 'MALFORMED', '/@context'],
      [{ ...good, '@context': ['https://www.w3.org/ns/credentials/examples/v2'] }, 'MALFORMED', '/@context'],
      [{ ...good, type: undefined }, 'MALFORMED', '/type'],
      [{ ...good, type: 'VerifiableCredential' }, 'MALFORMED', '/type'],
      [{ ...good, type: ['EnvelopedVerifiableCredential', 'EnvelopedVerifiablePresentation'] }, 'MALFORMED', '/type'],
      [{ ...good, id: undefined }, 'MALFORMED', '/id'],
      [{ ...good, id: jws }, 'MALFORMED', '/id'],
      [{ ...good, id: 'data:application/vc+jwt,not a jws' }, 'MALFORMED', '/id'],
      [{ ...good, id: `data:application/vp+jwt,${jws}` }, 'MALFORMED', '/id'],
      [{ ...envelopePresentation(jws), id: `data:application/vc+jwt,${jws}` }, 'MALFORMED', '/id'],
      [{ ...good, id: `data:application/dc+sd-jwt,${jws}~` }, 'UNSUPPORTED_FORMAT', '/id'],
    ];
    for (const [value, code, path] of cases) {
      let error: unknown;
      try {
        unwrapEnvelope(value);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(value)?.slice(0, 100)).toBeInstanceOf(TradewindError);
      expect([(error as TradewindError).code, (error as TradewindError).path]).toEqual([code, path]);
    }
  });
});
