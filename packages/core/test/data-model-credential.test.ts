import { createHash } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { type DataModelOptions, dataModelVersion, TradewindError, type VerificationIssue, validateCredential } from '../src/index.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const V1 = 'https://www.w3.org/2018/credentials/v1';
type Doc = Record<string, unknown>;

/** A VCDM 2.0 credential that satisfies every rule; tests change one thing at a time. */
function vc2(changes: Doc = {}): Doc {
  return {
    '@context': [V2, 'https://www.w3.org/ns/credentials/examples/v2'],
    id: 'urn:uuid:5a7b8f0e-6c3d-4e1f-9a2b-3c4d5e6f7a8b',
    type: ['VerifiableCredential', 'ExampleDegreeCredential'],
    issuer: 'did:example:university',
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:ebfeb1f712', degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
    ...changes,
  };
}

function vc1(changes: Doc = {}): Doc {
  return {
    '@context': [V1, 'https://www.w3.org/2018/credentials/examples/v1'],
    type: ['VerifiableCredential', 'UniversityDegreeCredential'],
    issuer: 'https://university.example/issuers/14',
    issuanceDate: '2021-01-01T19:23:24Z',
    credentialSubject: { id: 'did:example:ebfeb1f712', degree: 'BSc' },
    ...changes,
  };
}

const paths = (issues: VerificationIssue[]) => issues.map((i) => i.path);

/** Exactly one MALFORMED issue, at `path`, whose message matches `message`. */
function expectOne(doc: unknown, path: string, message: RegExp, options?: DataModelOptions) {
  const issues = validateCredential(doc, options);
  expect(issues).toEqual([{ code: 'MALFORMED', path, message: expect.stringMatching(message) }]);
}

describe('valid credentials', () => {
  it('accepts a complete VCDM 2.0 credential', () => {
    expect(validateCredential(vc2())).toEqual([]);
  });
  it('accepts a complete VCDM 1.1 credential', () => {
    expect(validateCredential(vc1())).toEqual([]);
  });
  it('ignores properties the data model does not define (it is extensible)', () => {
    expect(validateCredential(vc2({ favouriteColour: null, extra: [1, { a: null }] }))).toEqual([]);
  });
});

describe('dataModelVersion', () => {
  it('reads the version from the first @context entry', () => {
    expect(dataModelVersion({ '@context': [V2] })).toBe('2.0');
    expect(dataModelVersion({ '@context': [V1, V2] })).toBe('1.1');
    expect(dataModelVersion({ '@context': V2 })).toBe('2.0');
  });
  it('is undefined when the first entry names neither model', () => {
    expect(dataModelVersion({ '@context': ['https://example.com/ctx', V2] })).toBeUndefined();
    expect(dataModelVersion({ '@context': [] })).toBeUndefined();
    expect(dataModelVersion({})).toBeUndefined();
    expect(dataModelVersion('x')).toBeUndefined();
    expect(dataModelVersion(null)).toBeUndefined();
    expect(
      dataModelVersion(
        new Proxy(
          {},
          {
            get: () => {
              throw new Error('trap');
            },
          },
        ),
      ),
    ).toBeUndefined();
  });
});

describe('@context', () => {
  it('must be present', () => {
    expectOne(vc2({ '@context': undefined }), '/@context', /@context must be an array whose first item/);
    expectOne(vc2({ '@context': undefined }), '/@context', /@context is missing/, { version: '2.0' });
  });
  it('a document naming neither model is one violation at /@context', () => {
    expectOne(
      vc2({ '@context': ['https://example.com/v1'], type: 5, issuer: null }),
      '/@context',
      /v2 \(VCDM 2\.0\) or .*v1 \(VCDM 1\.1\)/,
    );
  });
  it('must be an array, in 2.0 and in 1.1 (an ordered set), even when it is the base context alone', () => {
    expectOne(vc2({ '@context': V2 }), '/@context', /must be an array \(an ordered set\)/);
    expectOne(vc1({ '@context': V1 }), '/@context', /must be an array \(an ordered set\)/);
  });
  it('starts with the base context of the version asked for', () => {
    const issues = validateCredential(vc2(), { version: '1.1' });
    expect(paths(issues)).toEqual(['/@context/0', '/issuanceDate']);
    expect(issues[0]?.message).toMatch(/first @context item must be https:\/\/www\.w3\.org\/2018\/credentials\/v1/);
    expectOne(vc2({ '@context': [] }), '/@context', /@context is empty/, { version: '2.0' });
  });
  it('other items are URLs or context objects', () => {
    const issues = validateCredential(
      vc2({ '@context': [V2, 'https ://x', null, 5, ['https://a.example'], 'relative/path', { ex: 'https://ex.example#' }] }),
    );
    expect(paths(issues)).toEqual(['/@context/1', '/@context/2', '/@context/3', '/@context/4', '/@context/5']);
    expect(issues[0]?.message).toBe('a @context item must be a URL or a context object; got "https ://x"');
  });
  it('the undefined-terms context comes last', () => {
    const UNDEFINED = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
    expect(validateCredential(vc2({ '@context': [V2, 'https://ex.example/ctx', UNDEFINED] }))).toEqual([]);
    expectOne(vc2({ '@context': [V2, UNDEFINED, 'https://ex.example/ctx'] }), '/@context/1', /must be the last @context item/);
  });
  it('the base context only comes first', () => {
    expectOne(vc2({ '@context': [V2, V2] }), '/@context/1', /may only be the first @context item/);
  });
  it('the base context of the other model cannot follow: it redefines protected terms', () => {
    expectOne(vc2({ '@context': [V2, V1] }), '/@context/1', /redefines terms https:\/\/www\.w3\.org\/ns\/credentials\/v2 protects/);
    expectOne(vc1({ '@context': [V1, V2] }), '/@context/1', /redefines terms/);
  });
  it('inline context keywords and term definitions have the JSON-LD shapes', () => {
    const issues = validateCredential(vc2({ '@context': [V2, { '@vocab': 5, '@protected': 'yes', '@version': 2, term: 7 }] }));
    expect(paths(issues)).toEqual(['/@context/1/@vocab', '/@context/1/@protected', '/@context/1/@version', '/@context/1/term']);
  });
});

describe('protected terms', () => {
  it('rejects an inline context that redefines a term of the 2.0 base context', () => {
    expectOne(vc2({ '@context': [V2, { name: 'https://example.com/name' }] }), '/@context/1/name', /redefines the protected term "name"/);
    expectOne(
      vc2({ '@context': [V2, { VerifiableCredential: { '@id': 'https://example.com/VC' } }] }),
      '/@context/1/VerifiableCredential',
      /protected/,
    );
    expectOne(vc2({ '@context': [V2, { id: null }] }), '/@context/1/id', /protected/);
  });
  it('accepts an identical redefinition', () => {
    expect(validateCredential(vc2({ '@context': [V2, { name: 'https://schema.org/name', id: '@id' }] }))).toEqual([]);
    const ctx = [
      V2,
      { '@protected': true, Degree: { '@id': 'https://a.example/Degree', '@type': '@id' } },
      { Degree: { '@type': '@id', '@id': 'https://a.example/Degree' } },
    ];
    expect(validateCredential(vc2({ '@context': ctx }))).toEqual([]);
  });
  it('mapping a base term to the same IRI is not identical when the base definition carries more (a scoped context)', () => {
    const ctx = [V2, { VerifiableCredential: 'https://www.w3.org/2018/credentials#VerifiableCredential' }];
    expectOne(vc2({ '@context': ctx }), '/@context/1/VerifiableCredential', /protected term "VerifiableCredential"/);
  });
  it('rejects redefining a term of the 1.1 base context', () => {
    expectOne(vc1({ '@context': [V1, { proof: 'https://example.com/proof' }] }), '/@context/1/proof', /protected term "proof"/);
  });
  it('terms an earlier inline context protects cannot be redefined differently later', () => {
    const ctx = [V2, { '@protected': true, Degree: 'https://a.example/Degree' }, { Degree: 'https://b.example/Degree' }];
    expectOne(vc2({ '@context': ctx }), '/@context/2/Degree', /protected term "Degree"/);
    const perTerm = [V2, { Degree: { '@id': 'https://a.example/Degree', '@protected': true } }, { Degree: 'https://b.example/Degree' }];
    expectOne(vc2({ '@context': perTerm }), '/@context/2/Degree', /protected term "Degree"/);
  });
  it('unprotected inline terms can be redefined', () => {
    const ctx = [V2, { Degree: 'https://a.example/Degree' }, { Degree: 'https://b.example/Degree' }];
    expect(validateCredential(vc2({ '@context': ctx }))).toEqual([]);
    const optOut = [
      V2,
      { '@protected': true, Degree: { '@id': 'https://a.example/Degree', '@protected': false } },
      { Degree: 'https://b.example/Degree' },
    ];
    expect(validateCredential(vc2({ '@context': optOut }))).toEqual([]);
  });
  it('names of Object.prototype members are ordinary terms', () => {
    const ctx = [V2, { constructor: 'https://a.example/c', toString: 'https://a.example/t', __proto__x: 'https://a.example/p' }];
    expect(validateCredential(vc2({ '@context': ctx, type: ['VerifiableCredential', 'constructor'] }))).toEqual([]);
  });
  it('escapes ~ and / in term names in the path', () => {
    const ctx = [V2, { '@protected': true, 'a/b~c': 'https://a.example/x' }, { 'a/b~c': 'https://b.example/x' }];
    expectOne(vc2({ '@context': ctx }), '/@context/2/a~1b~0c', /protected/);
  });
});

describe('type', () => {
  it('is required and includes VerifiableCredential', () => {
    expectOne(vc2({ type: undefined }), '/type', /must have a type including VerifiableCredential/);
    expectOne(vc2({ type: ['ExampleDegreeCredential'] }), '/type', /must include VerifiableCredential/);
    expectOne(vc2({ type: 'ExampleDegreeCredential' }), '/type', /must include VerifiableCredential/);
  });
  it('a single string is fine', () => {
    expect(validateCredential(vc2({ type: 'VerifiableCredential' }))).toEqual([]);
  });
  it('is a string or a non-empty array of strings', () => {
    expectOne(vc2({ type: [] }), '/type', /non-empty array of strings; got an array/);
    expectOne(vc2({ type: null }), '/type', /got null/);
    expectOne(vc2({ type: ['VerifiableCredential', 7] }), '/type/1', /must be a string/);
    expectOne(vc2({ type: ['VerifiableCredential', ''] }), '/type/1', /empty string/);
  });
  it('an absolute URL type must be a valid URL', () => {
    expect(validateCredential(vc2({ type: ['VerifiableCredential', 'https://example.com/vocab#Degree'] }))).toEqual([]);
    expectOne(vc2({ type: ['VerifiableCredential', 'https://example.com/a b'] }), '/type/1', /term or an absolute URL/);
  });
  it('a term an inline context maps must map to an absolute URL or compact IRI', () => {
    expect(
      validateCredential(
        vc2({ '@context': [V2, { Degree: 'ex:Degree', ex: 'https://ex.example#' }], type: ['VerifiableCredential', 'Degree'] }),
      ),
    ).toEqual([]);
    expectOne(
      vc2({ '@context': [V2, { Degree: 'not a url' }], type: ['VerifiableCredential', 'Degree'] }),
      '/type/1',
      /mapped by an inline @context to "not a url"/,
    );
    expectOne(
      vc2({ '@context': [V2, { Degree: null }], type: ['VerifiableCredential', 'Degree'] }),
      '/type/1',
      /mapped by an inline @context to null/,
    );
  });
  it('a term no context defines is a violation once "@vocab": null leaves it without a URL', () => {
    expectOne(
      vc2({ '@context': [V2, { '@vocab': null }], type: ['VerifiableCredential', 'Degree'] }),
      '/type/1',
      /not defined by any @context/,
    );
  });
  it('but not when another URL context could define it, or when a later context sets @vocab again', () => {
    expect(
      validateCredential(vc2({ '@context': [V2, { '@vocab': null }, 'https://ex.example/ctx'], type: ['VerifiableCredential', 'Degree'] })),
    ).toEqual([]);
    expect(
      validateCredential(
        vc2({ '@context': [V2, { '@vocab': null }, { '@vocab': 'https://ex.example#' }], type: ['VerifiableCredential', 'Degree'] }),
      ),
    ).toEqual([]);
  });
  it('the base context defines its own types even with "@vocab": null', () => {
    expect(
      validateCredential(vc2({ '@context': [V2, { '@vocab': null }], type: ['VerifiableCredential', 'JsonSchemaCredential'] })),
    ).toEqual([]);
  });
});

describe('id', () => {
  it('is a single URL when present', () => {
    for (const id of [
      'did:example:123',
      'urn:uuid:5a7b8f0e-6c3d-4e1f-9a2b-3c4d5e6f7a8b',
      'https://example.com/c/1?x=1#f',
      'https://例え.jp/証明',
    ]) {
      expect(validateCredential(vc2({ id }))).toEqual([]);
    }
    expect(validateCredential(vc2({ id: undefined }))).toEqual([]);
  });
  it.each([
    ['an array', ['did:example:1']],
    ['a number', 42],
    ['null', null],
    ['a relative reference', '/credentials/1'],
    ['a string with a space', 'did:example:1 2'],
    ['a bad percent escape', 'https://example.com/%zz'],
    ['a scheme only', 'x'],
    ['a scheme and colon with nothing after them', 'urn:'],
    ['a character URIs forbid', 'https://example.com/<script>'],
    ['an ideographic space', 'https://example.com/a\u3000b'],
    ['a C1 control character', 'https://example.com/a\u0085b'],
    ['a tab', 'did:example:\t1'],
    ['an empty string', ''],
  ])('rejects %s', (_what, id) => {
    expectOne(vc2({ id }), '/id', /the id of a credential must be a single URL/);
  });
});

describe('issuer', () => {
  it('is required', () => {
    expectOne(vc2({ issuer: undefined }), '/issuer', /must have an issuer/);
  });
  it('is a URL or an object with a URL id', () => {
    expect(validateCredential(vc2({ issuer: { id: 'did:example:u', name: 'Example University' } }))).toEqual([]);
    expectOne(vc2({ issuer: 'Example University' }), '/issuer', /issuer must be a single URL/);
    expectOne(vc2({ issuer: { name: 'Example University' } }), '/issuer/id', /must have an id/);
    expectOne(vc2({ issuer: { id: null } }), '/issuer/id', /got null/);
    expectOne(vc2({ issuer: ['did:example:u'] }), '/issuer', /got an array/);
    expectOne(vc2({ issuer: null }), '/issuer', /got null/);
  });
  it('checks name and description on an issuer object (2.0)', () => {
    expectOne(vc2({ issuer: { id: 'did:example:u', name: 5 } }), '/issuer/name', /name must be a string or a language value object/);
    expectOne(
      vc2({ issuer: { id: 'did:example:u', description: { '@value': 'x', '@language': 'english language' } } }),
      '/issuer/description/@language',
      /BCP 47/,
    );
  });
});

describe('credentialSubject', () => {
  it('is required', () => {
    expectOne(vc2({ credentialSubject: undefined }), '/credentialSubject', /must have a credentialSubject/);
  });
  it('is an object or a non-empty array of objects', () => {
    expect(validateCredential(vc2({ credentialSubject: [{ a: 1 }, { id: 'did:example:2', b: 2 }] }))).toEqual([]);
    expectOne(vc2({ credentialSubject: [] }), '/credentialSubject', /non-empty array of objects; got an array/);
    expectOne(vc2({ credentialSubject: 'did:example:1' }), '/credentialSubject', /got "did:example:1"/);
    expectOne(vc2({ credentialSubject: null }), '/credentialSubject', /got null/);
    expectOne(vc2({ credentialSubject: [{ a: 1 }, 'x'] }), '/credentialSubject/1', /must be an object/);
  });
  it('each subject makes at least one claim', () => {
    expectOne(vc2({ credentialSubject: {} }), '/credentialSubject', /at least one claim; got an empty object/);
    expect(validateCredential(vc2({ credentialSubject: [{ a: 1 }, {}] }))).toEqual([
      {
        code: 'MALFORMED',
        path: '/credentialSubject/1',
        message: 'a credential subject must make at least one claim; got an empty object',
      },
    ]);
  });
  it('a subject with only an id is enough, in 2.0 as in 1.1', () => {
    expect(validateCredential(vc2({ credentialSubject: { id: 'did:example:1' } }))).toEqual([]);
    expect(validateCredential(vc2({ credentialSubject: [{ id: 'did:example:1' }, { id: 'did:example:2' }] }))).toEqual([]);
  });
  it('in 1.1 an object with one property (even only an id) is enough', () => {
    expect(validateCredential(vc1({ credentialSubject: { id: 'did:example:1' } }))).toEqual([]);
    expectOne(vc1({ credentialSubject: {} }), '/credentialSubject', /empty object/);
  });
  it('a subject id is a single URL', () => {
    expectOne(
      vc2({ credentialSubject: { id: 'not a url', a: 1 } }),
      '/credentialSubject/id',
      /the id of a credential subject must be a single URL/,
    );
    expectOne(vc2({ credentialSubject: [{ a: 1 }, { id: ['did:example:1'], a: 1 }] }), '/credentialSubject/1/id', /got an array/);
  });
  it('claims other than id are not judged, null included', () => {
    expect(validateCredential(vc2({ credentialSubject: { id: 'did:example:1', a: null, b: { id: 'not judged' } } }))).toEqual([]);
  });
});

describe('name and description (2.0)', () => {
  it('accept strings, language value objects and arrays of them', () => {
    const ok = vc2({
      name: 'Degree',
      description: [
        'A degree',
        { '@value': 'Un diplôme', '@language': 'fr' },
        { '@value': 'شهادة', '@language': 'ar-EG', '@direction': 'rtl' },
        { '@value': 'x', '@language': 'zh-Hant-TW' },
        { '@value': 'x', '@language': 'i-klingon' },
        { '@value': 'x', '@language': 'de-CH-1901-x-private' },
      ],
    });
    expect(validateCredential(ok)).toEqual([]);
  });
  it('reject other values and malformed language value objects', () => {
    const issues = validateCredential(
      vc2({
        name: { '@value': 5, '@language': 'en_US', '@direction': 'up', extra: 1 },
        description: [null, [], { '@value': 'x', '@language': 'a-b' }],
      }),
    );
    expect(paths(issues)).toEqual([
      '/name/@value',
      '/name/@language',
      '/name/@direction',
      '/name/extra',
      '/description/0',
      '/description/1',
      '/description/2/@language',
    ]);
  });
  it('an explicit null is a violation', () => {
    expectOne(vc2({ name: null }), '/name', /got null/);
  });
  it('are not VCDM 1.1 properties, so 1.1 does not judge them', () => {
    expect(validateCredential(vc1({ name: 5 }))).toEqual([]);
  });
});

describe('validity period (2.0)', () => {
  it('validFrom and validUntil are dateTimeStamps', () => {
    expect(validateCredential(vc2({ validFrom: '2026-01-01T00:00:00+01:00', validUntil: '2027-01-01T00:00:00.123Z' }))).toEqual([]);
    expectOne(vc2({ validFrom: '2026-01-01T00:00:00' }), '/validFrom', /dateTimeStamp with a time zone/);
    expectOne(vc2({ validUntil: '2026-02-30T00:00:00Z' }), '/validUntil', /dateTimeStamp/);
    expectOne(vc2({ validFrom: 1767225600 }), '/validFrom', /got 1767225600/);
    expectOne(vc2({ validUntil: null }), '/validUntil', /got null/);
    expectOne(vc2({ validFrom: 'Thu, 01 Jan 2026 00:00:00 GMT' }), '/validFrom', /dateTimeStamp/);
  });
  it('validUntil may not be earlier than validFrom', () => {
    expect(validateCredential(vc2({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-01-01T01:00:00+01:00' }))).toEqual([]);
    expectOne(vc2({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-12-31T23:59:59Z' }), '/validUntil', /earlier than validFrom/);
  });
  it('issuanceDate is not a 2.0 property and is not required', () => {
    expect(validateCredential(vc2({ issuanceDate: 'whenever' }))).toEqual([]);
  });
});

describe('issuanceDate and expirationDate (1.1)', () => {
  it('issuanceDate is required', () => {
    expectOne(vc1({ issuanceDate: undefined }), '/issuanceDate', /must have an issuanceDate/);
  });
  it('are dateTimes with a time zone (without one no validity window can be judged)', () => {
    expect(validateCredential(vc1({ issuanceDate: '2021-01-01T19:23:24Z', expirationDate: '2031-01-01T00:00:00+02:00' }))).toEqual([]);
    expectOne(vc1({ issuanceDate: '2021-01-01T19:23:24' }), '/issuanceDate', /with a time zone/);
    expectOne(vc1({ issuanceDate: '2021-01-01' }), '/issuanceDate', /XML Schema dateTimeStamp/);
    expectOne(vc1({ expirationDate: '2021-13-01T00:00:00Z' }), '/expirationDate', /XML Schema dateTimeStamp/);
    expectOne(vc1({ issuanceDate: null }), '/issuanceDate', /got null/);
  });
  it('1.1 sets no order between the two', () => {
    expect(validateCredential(vc1({ issuanceDate: '2021-01-01T00:00:00Z', expirationDate: '2020-01-01T00:00:00Z' }))).toEqual([]);
  });
});

describe('credentialStatus', () => {
  const entry = {
    id: 'https://example.com/status/3#94567',
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: '94567',
    statusListCredential: 'https://example.com/status/3',
  };
  it('accepts an entry or an array of entries', () => {
    expect(validateCredential(vc2({ credentialStatus: entry }))).toEqual([]);
    expect(validateCredential(vc2({ credentialStatus: [entry, { ...entry, statusPurpose: 'suspension', statusListIndex: '0' }] }))).toEqual(
      [],
    );
    expect(validateCredential(vc2({ credentialStatus: { type: 'ExampleStatus' } }))).toEqual([]);
  });
  it('a BitstringStatusListEntry statusSize, when given, is an integer greater than zero', () => {
    expect(validateCredential(vc2({ credentialStatus: { ...entry, statusSize: 2 } }))).toEqual([]);
    for (const statusSize of [0, -1, 1.5, '2', null]) {
      expectOne(vc2({ credentialStatus: { ...entry, statusSize } }), '/credentialStatus/statusSize', /statusSize|got null/);
    }
  });
  it('each entry has a type and, when present, a URL id', () => {
    expectOne(vc2({ credentialStatus: { id: 'https://example.com/s' } }), '/credentialStatus/type', /must have a type/);
    expectOne(vc2({ credentialStatus: [entry, { ...entry, id: 5 }] }), '/credentialStatus/1/id', /single URL/);
    expectOne(vc2({ credentialStatus: [] }), '/credentialStatus', /non-empty array/);
    expectOne(vc2({ credentialStatus: null }), '/credentialStatus', /got null/);
    expectOne(vc2({ credentialStatus: { ...entry, type: null } }), '/credentialStatus/type', /got null/);
  });
  it('in 1.1 each entry also needs an id', () => {
    expect(validateCredential(vc1({ credentialStatus: entry }))).toEqual([]);
    expectOne(
      vc1({ credentialStatus: { ...entry, id: undefined } }),
      '/credentialStatus/id',
      /VCDM 1\.1 credentialStatus entry must have an id/,
    );
    expect(validateCredential(vc2({ credentialStatus: { ...entry, id: undefined } }))).toEqual([]);
  });
  it('checks BitstringStatusListEntry members', () => {
    for (const index of ['01', '-1', '+1', '1.0', ' 1', '', '1e3']) {
      expectOne(vc2({ credentialStatus: { ...entry, statusListIndex: index } }), '/credentialStatus/statusListIndex', /decimal digits/);
    }
    expectOne(vc2({ credentialStatus: { ...entry, statusListIndex: 94567 } }), '/credentialStatus/statusListIndex', /got 94567/);
    expectOne(vc2({ credentialStatus: { ...entry, statusPurpose: undefined } }), '/credentialStatus/statusPurpose', /statusPurpose/);
    expectOne(
      vc2({ credentialStatus: { ...entry, statusListCredential: 'status/3' } }),
      '/credentialStatus/statusListCredential',
      /single URL/,
    );
    expectOne(
      vc2({ credentialStatus: { ...entry, statusListCredential: undefined } }),
      '/credentialStatus/statusListCredential',
      /single URL .*; got nothing$/,
    );
  });
});

describe('credentialSchema', () => {
  const schema = { id: 'https://example.org/schemas/degree.json', type: 'JsonSchema' };
  it('entries need a URL id and a type', () => {
    expect(validateCredential(vc2({ credentialSchema: [schema, schema] }))).toEqual([]);
    expectOne(vc2({ credentialSchema: { type: 'JsonSchema' } }), '/credentialSchema/id', /must have an id/);
    expectOne(vc2({ credentialSchema: { id: 'https://example.org/s.json' } }), '/credentialSchema/type', /must have a type/);
    expectOne(vc2({ credentialSchema: { ...schema, id: 'degree.json' } }), '/credentialSchema/id', /single URL/);
    expectOne(vc1({ credentialSchema: 'https://example.org/s.json' }), '/credentialSchema', /object or a non-empty array/);
  });
});

describe('termsOfUse, evidence, refreshService', () => {
  it('each entry has a type; an id, when present, is a URL', () => {
    const ok = vc2({
      termsOfUse: { type: 'TrustFrameworkPolicy', id: 'https://policy.example/1' },
      evidence: [{ type: ['Evidence', 'DocumentVerification'] }],
      refreshService: { type: 'VerifiableCredentialRefreshService2021' },
    });
    expect(validateCredential(ok)).toEqual([]);
    const issues = validateCredential(
      vc2({ termsOfUse: { id: 'https://policy.example/1' }, evidence: [{ type: [] }], refreshService: { type: 'X', id: 'x' } }),
    );
    expect(paths(issues)).toEqual(['/termsOfUse/type', '/evidence/0/type', '/refreshService/id']);
    expectOne(vc2({ evidence: null }), '/evidence', /got null/);
  });
  it('a VCDM 1.1 refreshService needs an id', () => {
    expectOne(
      vc1({ refreshService: { type: 'ManualRefreshService2018' } }),
      '/refreshService/id',
      /VCDM 1\.1 refreshService entry must have an id/,
    );
    expect(
      validateCredential(vc1({ refreshService: { type: 'ManualRefreshService2018', id: 'https://example.edu/refresh/3732' } })),
    ).toEqual([]);
  });
  it('the 2.0 reserved properties confidenceMethod and renderMethod need a type', () => {
    expectOne(vc2({ renderMethod: { id: 'https://example.com/r' } }), '/renderMethod/type', /must have a type/);
    expectOne(vc2({ confidenceMethod: [{ type: 'X' }, {}] }), '/confidenceMethod/1/type', /must have a type/);
  });
});

describe('relatedResource (2.0)', () => {
  const bytes = new TextEncoder().encode('{"@context":{}}');
  const sha256 = createHash('sha256').update(bytes).digest();
  const sha384 = createHash('sha384').update(bytes).digest('base64');
  const sha512 = createHash('sha512').update(bytes).digest('base64');
  const multihash = new Uint8Array([0x12, 0x20, ...sha256]);
  const u = `u${Buffer.from(multihash).toString('base64url')}`;
  const z = base58btc.encode(multihash);

  it('accepts SRI and multibase digests', () => {
    const resources = [
      { id: 'https://a.example/ctx', digestSRI: `sha384-${sha384}`, mediaType: 'application/ld+json' },
      { id: 'https://b.example/ctx', digestSRI: `sha256-${sha256.toString('base64')} sha512-${sha512}` },
      { id: 'https://c.example/ctx', digestMultibase: u },
      { id: 'https://d.example/ctx', digestMultibase: [z, u] },
    ];
    expect(validateCredential(vc2({ relatedResource: resources }))).toEqual([]);
  });
  it('needs an id and at least one digest', () => {
    expectOne(vc2({ relatedResource: { digestMultibase: u } }), '/relatedResource/id', /must have an id/);
    expectOne(
      vc2({ relatedResource: { id: 'https://a.example/ctx', mediaType: 'application/json' } }),
      '/relatedResource',
      /digestSRI or a digestMultibase/,
    );
    expectOne(vc2({ relatedResource: [] }), '/relatedResource', /non-empty array/);
  });
  it('rejects digests of the wrong form or length', () => {
    const bad = (d: Doc) => validateCredential(vc2({ relatedResource: { id: 'https://a.example/ctx', ...d } }));
    expect(paths(bad({ digestSRI: `sha384-${sha512}` }))).toEqual(['/relatedResource/digestSRI']);
    expect(paths(bad({ digestSRI: `md5-${sha384}` }))).toEqual(['/relatedResource/digestSRI']);
    expect(paths(bad({ digestSRI: '' }))).toEqual(['/relatedResource/digestSRI']);
    expect(paths(bad({ digestMultibase: u.slice(0, -2) }))).toEqual(['/relatedResource/digestMultibase']);
    expect(paths(bad({ digestMultibase: `m${Buffer.from(multihash).toString('base64')}` }))).toEqual(['/relatedResource/digestMultibase']);
    const unknownCode = `u${Buffer.from(new Uint8Array([0x11, 0x20, ...sha256])).toString('base64url')}`;
    expect(paths(bad({ digestMultibase: unknownCode }))).toEqual(['/relatedResource/digestMultibase']);
    expect(paths(bad({ digestMultibase: [u, 'z0OIl'] }))).toEqual(['/relatedResource/digestMultibase/1']);
    expect(paths(bad({ digestSRI: `sha384-${sha384}`, mediaType: 5 }))).toEqual(['/relatedResource/mediaType']);
  });
  it("accepts a bare SHA-2 digest in digestMultibase (the form of VCDM 2.0's example)", () => {
    const bare = `u${sha256.toString('base64url')}`;
    expect(validateCredential(vc2({ relatedResource: { id: 'https://a.example/ctx', digestMultibase: bare } }))).toEqual([]);
    const bare33 = `u${Buffer.concat([sha256, Buffer.from([1])]).toString('base64url')}`;
    expectOne(
      vc2({ relatedResource: { id: 'https://a.example/ctx', digestMultibase: bare33 } }),
      '/relatedResource/digestMultibase',
      /bare SHA-2/,
    );
  });
  describe('the base context, held without fetching: its digests are compared', () => {
    const BASE = 'https://www.w3.org/ns/credentials/v2';
    // SHA-2 digests of the two published texts of the base context (CR of July 2024 and the Recommendation).
    const published256 = [
      '24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9',
      '59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734',
    ].map((h) => Buffer.from(h, 'hex'));
    const published384 = Buffer.from(
      '97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18cb360133c221aa31d6896a6bf3e65b614',
      'hex',
    );
    const doc = (r: Doc) => vc2({ relatedResource: { id: BASE, ...r } });
    const check = (r: Doc) => validateCredential(doc(r));
    it('accepts the digests of its published texts, in every form', () => {
      for (const d of published256) {
        expect(check({ digestMultibase: `u${d.toString('base64url')}` })).toEqual([]);
        expect(check({ digestMultibase: base58btc.encode(new Uint8Array([0x12, 0x20, ...d])) })).toEqual([]);
        expect(check({ digestSRI: `sha256-${d.toString('base64')}` })).toEqual([]);
      }
      expect(check({ digestSRI: `sha384-${published384.toString('base64')}` })).toEqual([]);
      // SRI: the strongest algorithm decides; a weaker expression that does not match is not looked at.
      expect(check({ digestSRI: `sha256-${sha256.toString('base64')} sha384-${published384.toString('base64')}` })).toEqual([]);
    });
    it('refuses a digest that matches none of them (VCDM 2.0 §5.3)', () => {
      expectOne(doc({ digestMultibase: `u${sha256.toString('base64url')}` }), '/relatedResource/digestMultibase', /does not match/);
      expectOne(doc({ digestSRI: `sha384-${sha384}` }), '/relatedResource/digestSRI', /does not match/);
      expectOne(
        doc({ digestMultibase: [`u${(published256[0] as Buffer).toString('base64url')}`, u] }),
        '/relatedResource/digestMultibase/1',
        /does not match/,
      );
      // The same digests for any other resource are only checked for their form.
      expect(validateCredential(vc2({ relatedResource: { id: 'https://a.example/v2', digestSRI: `sha384-${sha384}` } }))).toEqual([]);
    });
    it('cannot judge a digest of an algorithm it holds none for', () => {
      const sha3 = `u${Buffer.from(new Uint8Array([0x16, 0x20, ...sha256])).toString('base64url')}`;
      expect(check({ digestMultibase: sha3 })).toEqual([]);
    });
  });
  it('ids are unique', () => {
    const r = { id: 'https://a.example/ctx', digestMultibase: u };
    expectOne(
      vc2({ relatedResource: [r, { id: 'https://b.example/ctx', digestMultibase: u }, r] }),
      '/relatedResource/2/id',
      /unique.*\/relatedResource\/0\/id/,
    );
  });
});

describe('proof', () => {
  it('is an object or array of objects with a string type', () => {
    expect(validateCredential(vc2({ proof: { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' } }))).toEqual([]);
    expect(validateCredential(vc1({ proof: [{ type: 'Ed25519Signature2018' }, { type: 'X' }] }))).toEqual([]);
    expectOne(vc2({ proof: { cryptosuite: 'x' } }), '/proof/type', /string type/);
    expectOne(vc2({ proof: [{ type: 'X' }, 'x'] }), '/proof/1', /must be an object/);
    expectOne(vc2({ proof: null }), '/proof', /got null/);
  });
});

describe('reporting', () => {
  it('reports every violation, not only the first', () => {
    const issues = validateCredential({
      '@context': [V2, 5],
      id: 'no url',
      type: ['Foo'],
      issuer: null,
      credentialSubject: [{}],
      validFrom: 'today',
      credentialStatus: {},
    });
    expect(paths(issues)).toEqual([
      '/@context/1',
      '/id',
      '/type',
      '/issuer',
      '/credentialSubject/0',
      '/validFrom',
      '/credentialStatus/type',
    ]);
    expect(issues.every((i) => i.code === 'MALFORMED' && i.message.length > 10)).toBe(true);
  });
  it('prefixes base to every path', () => {
    const issues = validateCredential(vc2({ id: 5, credentialSubject: {} }), { base: '/payload/vc' });
    expect(paths(issues)).toEqual(['/payload/vc/id', '/payload/vc/credentialSubject']);
    expect(paths(validateCredential({}, { base: '/payload' }))).toEqual(['/payload/@context']);
  });
  it('stops at maxIssues', () => {
    const doc = vc2({ '@context': [V2, 1, 2, 3, 4, 5, 6] });
    expect(validateCredential(doc)).toHaveLength(6);
    expect(paths(validateCredential(doc, { maxIssues: 2 }))).toEqual(['/@context/1', '/@context/2']);
    expect(validateCredential(doc, { maxIssues: 1 })).toHaveLength(1);
  });
  it('cuts long values in messages', () => {
    const [issue] = validateCredential(vc2({ id: `x y${'z'.repeat(5000)}` }));
    expect(issue?.message.length).toBeLessThan(250);
    expect(issue?.message).toContain('…');
  });
  it('checks the version asked for', () => {
    const issues = validateCredential(vc1(), { version: '2.0' });
    expect(paths(issues)).toEqual(['/@context/0']);
  });
  it('a document that is not an object', () => {
    expectOne('{"@context":[]}', '', /must be a JSON object/, { version: '2.0' });
    expectOne(null, '', /must be a JSON object/, { version: '2.0' });
    expectOne([vc2()], '', /must be a JSON object/, { version: '2.0' });
  });
});

describe('TradewindError issues', () => {
  it('carries every issue when given, and is undefined otherwise', () => {
    const issues = validateCredential(vc2({ id: 5, credentialSubject: {} }));
    const error = new TradewindError('MALFORMED', 'the credential does not follow VCDM 2.0', { issues });
    expect(error.issues).toEqual(issues);
    expect(error.toIssue()).toEqual({ code: 'MALFORMED', message: 'the credential does not follow VCDM 2.0' });
    expect(new TradewindError('MALFORMED', 'x').issues).toBeUndefined();
  });
});
