import { describe, expect, it } from 'vitest';
import { type VerificationIssue, validateEnvelope, validatePresentation } from '../src/index.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const V1 = 'https://www.w3.org/2018/credentials/v1';
type Doc = Record<string, unknown>;
const paths = (issues: VerificationIssue[]) => issues.map((i) => i.path);

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl';
const envelopeVc = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${JWT}` };

function credential(changes: Doc = {}): Doc {
  return {
    '@context': [V2],
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    credentialSubject: { id: 'did:example:holder', memberOf: 'Example Club' },
    proof: { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' },
    ...changes,
  };
}

function vp2(changes: Doc = {}): Doc {
  return {
    '@context': [V2],
    id: 'urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5',
    type: ['VerifiablePresentation'],
    holder: 'did:example:holder',
    verifiableCredential: [credential(), envelopeVc],
    ...changes,
  };
}

function vp1(changes: Doc = {}): Doc {
  return { '@context': [V1], type: 'VerifiablePresentation', holder: 'did:example:holder', verifiableCredential: [JWT], ...changes };
}

describe('validatePresentation', () => {
  it('accepts a 2.0 presentation with an embedded and an enveloped credential', () => {
    expect(validatePresentation(vp2())).toEqual([]);
  });
  it('accepts a 1.1 presentation carrying a JWT credential', () => {
    expect(validatePresentation(vp1())).toEqual([]);
    expect(validatePresentation(vp1({ verifiableCredential: JWT }))).toEqual([]);
  });
  it('checks @context, id and type', () => {
    expect(paths(validatePresentation(vp2({ '@context': [V2, 5] })))).toEqual(['/@context/1']);
    expect(paths(validatePresentation(vp2({ id: 'not a url' })))).toEqual(['/id']);
    expect(paths(validatePresentation(vp2({ id: null })))).toEqual(['/id']);
    expect(paths(validatePresentation(vp2({ type: ['VerifiableCredential'] })))).toEqual(['/type', '/type/0']);
    expect(paths(validatePresentation(vp2({ type: undefined })))).toEqual(['/type']);
    expect(paths(validatePresentation(vp2({ '@context': undefined })))).toEqual(['/@context']);
  });
  it('holder is a URL or an object with a URL id', () => {
    expect(validatePresentation(vp2({ holder: { id: 'did:example:holder', name: 'Holder' } }))).toEqual([]);
    expect(paths(validatePresentation(vp2({ holder: 'Holder' })))).toEqual(['/holder']);
    expect(paths(validatePresentation(vp2({ holder: null })))).toEqual(['/holder']);
    expect(paths(validatePresentation(vp2({ holder: {} })))).toEqual(['/holder/id']);
    expect(paths(validatePresentation(vp2({ holder: { id: 'x y' } })))).toEqual(['/holder/id']);
  });
  it('verifiableCredential is optional; when present one or more entries', () => {
    expect(validatePresentation(vp2({ verifiableCredential: undefined }))).toEqual([]);
    expect(validatePresentation(vp2({ verifiableCredential: credential() }))).toEqual([]);
    expect(paths(validatePresentation(vp2({ verifiableCredential: [] })))).toEqual(['/verifiableCredential']);
    expect(paths(validatePresentation(vp2({ verifiableCredential: null })))).toEqual(['/verifiableCredential']);
  });
  it('in 2.0 every entry is an object: a JWT string or URL is a violation', () => {
    const issues = validatePresentation(vp2({ verifiableCredential: [JWT, 'https://example.com/vc/1', 5, credential()] }));
    expect(paths(issues)).toEqual(['/verifiableCredential/0', '/verifiableCredential/1', '/verifiableCredential/2']);
    expect(issues[0]?.message).toMatch(/in VCDM 2\.0 a verifiableCredential entry must be an object/);
  });
  it('in 1.1 a string entry must be a compact JWT', () => {
    expect(paths(validatePresentation(vp1({ verifiableCredential: [JWT, 'hello world'] })))).toEqual(['/verifiableCredential/1']);
  });
  it('validates embedded credentials at their own paths, by their own @context', () => {
    const bad = credential({ issuer: 5, credentialSubject: {} });
    const issues = validatePresentation(vp2({ verifiableCredential: [credential(), bad] }));
    expect(paths(issues)).toEqual(['/verifiableCredential/1/issuer', '/verifiableCredential/1/credentialSubject']);
    const v1 = {
      '@context': [V1],
      type: 'VerifiableCredential',
      issuer: 'did:example:i',
      credentialSubject: { id: 'did:example:s' },
      proof: { type: 'X' },
    };
    expect(paths(validatePresentation(vp2({ verifiableCredential: v1 })))).toEqual(['/verifiableCredential/issuanceDate']);
  });
  it('validates enveloped credentials', () => {
    const issues = validatePresentation(vp2({ verifiableCredential: [{ ...envelopeVc, id: JWT }] }));
    expect(paths(issues)).toEqual(['/verifiableCredential/0/id']);
  });
  it('an enveloped credential carries nothing beside @context, type and id: claims there are not secured by its signature', () => {
    const forged = { ...envelopeVc, credentialSubject: { id: 'did:example:holder', degree: 'PhD' }, 'issu/er': 'did:example:x' };
    expect(paths(validatePresentation(vp2({ verifiableCredential: [forged] })))).toEqual([
      '/verifiableCredential/0/credentialSubject',
      '/verifiableCredential/0/issu~1er',
    ]);
    expect(paths(validateEnvelope(forged, 'credential'))).toEqual(['/credentialSubject', '/issu~1er']);
    expect(
      paths(validateEnvelope({ ...envelopeVc, type: 'EnvelopedVerifiablePresentation', verifiableCredential: [] }, 'presentation')),
    ).toEqual(['/verifiableCredential']);
  });
  it('an embedded credential without a proof must be self-asserted, and the presentation must name its holder (2.0)', () => {
    const selfAsserted = credential({ issuer: 'did:example:holder', proof: undefined });
    expect(validatePresentation(vp2({ verifiableCredential: [selfAsserted] }))).toEqual([]);
    expect(validatePresentation(vp2({ holder: { id: 'did:example:holder' }, verifiableCredential: [selfAsserted] }))).toEqual([]);
    expect(paths(validatePresentation(vp2({ holder: undefined, verifiableCredential: [selfAsserted] })))).toEqual(['/holder']);
    const someoneElse = credential({ proof: undefined, issuer: 'did:example:issuer' });
    expect(paths(validatePresentation(vp2({ verifiableCredential: [someoneElse] })))).toEqual(['/verifiableCredential/0']);
  });
  it('checks the presentation proof and termsOfUse', () => {
    expect(paths(validatePresentation(vp2({ proof: [{ type: 'DataIntegrityProof' }, {}] })))).toEqual(['/proof/1/type']);
    expect(paths(validatePresentation(vp2({ termsOfUse: { id: 'https://p.example' } })))).toEqual(['/termsOfUse/type']);
  });
  it('prefixes base and shares maxIssues with embedded credentials', () => {
    const bad = credential({ id: 1, issuer: 2, credentialSubject: 3 });
    expect(paths(validatePresentation(vp2({ id: 0, verifiableCredential: [bad] }), { base: '/vp' }))).toEqual([
      '/vp/id',
      '/vp/verifiableCredential/0/id',
      '/vp/verifiableCredential/0/issuer',
      '/vp/verifiableCredential/0/credentialSubject',
    ]);
    expect(validatePresentation(vp2({ id: 0, verifiableCredential: [bad] }), { maxIssues: 2 })).toHaveLength(2);
  });
});

describe('validateEnvelope', () => {
  it('accepts an enveloped credential and presentation', () => {
    expect(validateEnvelope(envelopeVc, 'credential')).toEqual([]);
    expect(validateEnvelope({ ...envelopeVc, '@context': V2, type: ['EnvelopedVerifiableCredential'] }, 'credential')).toEqual([]);
    const vp = { '@context': [V2], type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${JWT}` };
    expect(validateEnvelope(vp, 'presentation')).toEqual([]);
    expect(validateEnvelope({ ...envelopeVc, id: 'data:application/vc+sd-jwt;charset=utf-8,eyJ~x~' }, 'credential')).toEqual([]);
  });
  it('@context is present and starts with the 2.0 base context', () => {
    expect(paths(validateEnvelope({ ...envelopeVc, '@context': undefined }, 'credential'))).toEqual(['/@context']);
    expect(paths(validateEnvelope({ ...envelopeVc, '@context': [V1] }, 'credential'))).toEqual(['/@context/0']);
    expect(paths(validateEnvelope({ ...envelopeVc, '@context': V1 }, 'credential'))).toEqual(['/@context']);
  });
  it('type names the envelope type', () => {
    expect(paths(validateEnvelope(envelopeVc, 'presentation'))).toEqual(['/type']);
    expect(paths(validateEnvelope({ ...envelopeVc, type: undefined }, 'credential'))).toEqual(['/type']);
    expect(paths(validateEnvelope({ ...envelopeVc, type: 'VerifiableCredential' }, 'credential'))).toEqual(['/type']);
  });
  it('id is a data: URL holding the secured document', () => {
    for (const id of [
      JWT,
      `https://example.com/${JWT}`,
      'data:application/vc+jwt',
      'data:application/vc+jwt,',
      'data:application/vc+jwt,a b',
      null,
      5,
    ]) {
      const issues = validateEnvelope({ ...envelopeVc, id }, 'credential', { base: '/x' });
      expect(issues).toEqual([{ code: 'MALFORMED', path: '/x/id', message: expect.stringMatching(/data: URL/) }]);
    }
  });
  it('is not an object', () => {
    expect(paths(validateEnvelope(JWT, 'credential'))).toEqual(['']);
  });
});
