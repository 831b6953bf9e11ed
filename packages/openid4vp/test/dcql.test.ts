// The DCQL a request carries for each Tradewind format (OpenID4VP 1.0 Appendix B), and
// the needs a recognition policy implies.
import { TradewindError } from '@tradewind/core';
import { credentialNeedsFromPolicy, dcqlQueryOf } from '@tradewind/openid4vp';
import { describe, expect, it } from 'vitest';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TradewindError);
    return (e as TradewindError).code;
  }
  return undefined;
}

describe('dcqlQueryOf', () => {
  it('dc+sd-jwt: vct_values and the claim paths as they are', () => {
    expect(
      dcqlQueryOf([{ id: 'pid', vct: ['NationalIdCredential'], claims: ['given_name', ['address', 'locality']], formats: ['dc+sd-jwt'] }]),
    ).toEqual({
      credentials: [
        {
          id: 'pid',
          format: 'dc+sd-jwt',
          meta: { vct_values: ['NationalIdCredential'] },
          claims: [{ path: ['given_name'] }, { path: ['address', 'locality'] }],
        },
      ],
    });
  });

  it.each([['jwt_vc'], ['vc+jwt']] as const)('%s: jwt_vc_json with type_values and paths under credentialSubject', (format) => {
    expect(dcqlQueryOf([{ id: 'national_id', types: ['NationalIdCredential'], claims: ['givenName'], formats: [format] }])).toEqual({
      credentials: [
        {
          id: 'national_id',
          format: 'jwt_vc_json',
          meta: { type_values: [['NationalIdCredential'], ['https://www.w3.org/ns/credentials/undefined-term#NationalIdCredential']] },
          claims: [{ path: ['credentialSubject', 'givenName'] }],
        },
      ],
    });
  });

  it('jwt_vc and vc+jwt together: one jwt_vc_json query', () => {
    expect(dcqlQueryOf([{ id: 'id', types: ['NationalIdCredential'], formats: ['vc+jwt', 'jwt_vc'] }])).toEqual({
      credentials: [
        {
          id: 'id',
          format: 'jwt_vc_json',
          meta: { type_values: [['NationalIdCredential'], ['https://www.w3.org/ns/credentials/undefined-term#NationalIdCredential']] },
        },
      ],
    });
  });

  it('di: ldp_vc with type_values', () => {
    expect(dcqlQueryOf([{ id: 'permit', types: ['WorkPermit'], claims: [['address', 'locality']], formats: ['di'] }])).toEqual({
      credentials: [
        {
          id: 'permit',
          format: 'ldp_vc',
          meta: { type_values: [['WorkPermit'], ['https://www.w3.org/ns/credentials/undefined-term#WorkPermit']] },
          claims: [{ path: ['credentialSubject', 'address', 'locality'] }],
        },
      ],
    });
  });

  it('several formats for one need: one query per format tied by a required credential set; other needs get sets of their own', () => {
    expect(
      dcqlQueryOf([
        { id: 'id', types: ['NationalIdCredential'], vct: ['urn:tt:national-id'], claims: ['nationality'] },
        { id: 'birth', types: ['BirthCertificateCredential'], formats: ['vc+jwt'] },
      ]),
    ).toEqual({
      credentials: [
        { id: 'id_sdjwt', format: 'dc+sd-jwt', meta: { vct_values: ['urn:tt:national-id'] }, claims: [{ path: ['nationality'] }] },
        {
          id: 'id_jwt',
          format: 'jwt_vc_json',
          meta: { type_values: [['NationalIdCredential'], ['https://www.w3.org/ns/credentials/undefined-term#NationalIdCredential']] },
          claims: [{ path: ['credentialSubject', 'nationality'] }],
        },
        {
          id: 'id_ldp',
          format: 'ldp_vc',
          meta: { type_values: [['NationalIdCredential'], ['https://www.w3.org/ns/credentials/undefined-term#NationalIdCredential']] },
          claims: [{ path: ['credentialSubject', 'nationality'] }],
        },
        {
          id: 'birth',
          format: 'jwt_vc_json',
          meta: {
            type_values: [['BirthCertificateCredential'], ['https://www.w3.org/ns/credentials/undefined-term#BirthCertificateCredential']],
          },
        },
      ],
      credential_sets: [
        { options: [['id_sdjwt'], ['id_jwt'], ['id_ldp']], required: true },
        { options: [['birth']], required: true },
      ],
    });
  });

  it('refuses bad needs with INVALID_ARGUMENT', () => {
    expect(codeOf(() => dcqlQueryOf([]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dcqlQueryOf([{ id: 'a b', types: ['X'] }]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dcqlQueryOf([{ id: 'a' }]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dcqlQueryOf([{ id: 'a', types: ['X'], formats: ['dc+sd-jwt'] }]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dcqlQueryOf([{ id: 'a', vct: ['X'], formats: ['mso_mdoc' as never] }]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dcqlQueryOf([{ id: 'a', types: ['X'], claims: [[]] }]))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        dcqlQueryOf([
          { id: 'a', types: ['X'] },
          { id: 'a', types: ['Y'] },
        ]),
      ),
    ).toBe('INVALID_ARGUMENT');
    const many = Array.from({ length: 17 }, (_, i) => ({ id: `n${i}`, types: ['X'] }));
    expect(codeOf(() => dcqlQueryOf(many))).toBe('INVALID_ARGUMENT');
  });
});

describe('credentialNeedsFromPolicy', () => {
  it("one need per type the accept rules name, in the policy's formats, vct defaulting to the type", () => {
    const needs = credentialNeedsFromPolicy(
      {
        anchors: ['did:key:z6Mkanchor'],
        accept: [
          { countries: ['TT'], credentialTypes: ['NationalIdCredential'] },
          { countries: '*', credentialTypes: ['NationalIdCredential', 'BirthCertificateCredential'] },
        ],
        formats: ['vc+jwt', 'di'],
      },
      { claims: ['givenName'], vct: { NationalIdCredential: ['urn:tt:id'] } },
    );
    expect(needs).toEqual([
      { id: 'NationalIdCredential', types: ['NationalIdCredential'], vct: ['urn:tt:id'], claims: ['givenName'], formats: ['vc+jwt', 'di'] },
      {
        id: 'BirthCertificateCredential',
        types: ['BirthCertificateCredential'],
        vct: ['BirthCertificateCredential'],
        claims: ['givenName'],
        formats: ['vc+jwt', 'di'],
      },
    ]);
  });

  it('all four formats without policy formats, and the given id', () => {
    expect(
      credentialNeedsFromPolicy({ accept: [{ countries: '*', credentialTypes: ['NationalIdCredential'] }] }, { id: 'national_id' }),
    ).toEqual([
      {
        id: 'national_id',
        types: ['NationalIdCredential'],
        vct: ['NationalIdCredential'],
        formats: ['dc+sd-jwt', 'jwt_vc', 'vc+jwt', 'di'],
      },
    ]);
  });

  it("a policy accepting any type ('*') needs the caller's types", () => {
    const policy = { anchors: ['did:key:z6Mkanchor'], accept: [{ countries: '*' as const, credentialTypes: '*' as const }] };
    expect(codeOf(() => credentialNeedsFromPolicy(policy, {}))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => credentialNeedsFromPolicy({ anchors: ['did:key:z6Mkanchor'] }))).toBe('INVALID_ARGUMENT');
    expect(credentialNeedsFromPolicy(policy, { types: ['WorkPermit'] }).map((n) => n.id)).toEqual(['WorkPermit']);
  });
});
