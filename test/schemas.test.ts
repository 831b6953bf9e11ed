// The published JSON Schemas and the code that enforces them must agree: every
// fixture is judged by both, and they must give the same answer.
import { readFileSync } from 'node:fs';
import { parseRecognitionList } from '@tradewind/core';
import { parsePolicy } from '@tradewind/verifier';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

const load = (path: string) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false });
const listSchema = ajv.compile(load('packages/core/schemas/recognition-list.schema.json'));
const policySchema = ajv.compile(load('packages/verifier/schemas/recognition-policy.schema.json'));

const ANCHOR = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const entry = {
  id: 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH',
  country: 'TT',
  name: 'Registrar General',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high',
};
const webEntry = {
  ...entry,
  id: 'did:web:registry.gov.tt',
  keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'Lm_M42cB3HkUiODQsXRcweM6TByfzEHGO9ND274JcOY', kid: '#key-1' }],
};
// Keys for Data Integrity issuers only: RSA (RFC 7638 §3.1's example), secp256k1, P-384.
const RSA_KEY = {
  kty: 'RSA',
  kid: '#rsa',
  e: 'AQAB',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
};
const K1_KEY = {
  kty: 'EC',
  crv: 'secp256k1',
  kid: '#k1',
  x: 'gx6munEs_ZnwqtvCaGqoKKnP1Qiy2GyroydgQwd4tIE',
  y: '1yq1KpQJfzLIJ8EZhs22GDhkSAaQp9M4JPVDQIND3z4',
};
const P384_KEY = {
  kty: 'EC',
  crv: 'P-384',
  kid: '#p384',
  x: 'DT9JcgLYJnhRmR-FspBqAcsyTMAIWTxylZrFOi1W7f42H8ToPPuYIVlvqIiIJPgI',
  y: '8mJSrl2Du1AUZDUZ_wbDQ1uN_BBG4F8L3YpRrGwNroOvmFb5AMUP2Zpq11_MylkR',
};
/** A DER SEQUENCE in base64, as an x5c pin is written (the list checks the encoding; verifiers parse it). */
const CERT = 'MAMCAQE=';
const list = (subject: Record<string, unknown>) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential', 'RecognitionList'],
  issuer: ANCHOR,
  credentialSubject: { sequence: 1, nextUpdate: '2027-01-01T00:00:00Z', entries: [entry], ...subject },
});

const lists: Array<[string, unknown, boolean]> = [
  ['a minimal list', list({}), true],
  ['a did:web entry with keys', list({ entries: [webEntry] }), true],
  ['a retired key period', list({ entries: [{ ...entry, validFrom: '2025-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }] }), true],
  ['an empty list', list({ entries: [] }), true],
  ['a did:web entry without keys', list({ entries: [{ ...entry, id: 'did:web:registry.gov.tt' }] }), false],
  ['a negative sequence', list({ sequence: -1 }), false],
  ['a fractional sequence', list({ sequence: 1.5 }), false],
  ['nextUpdate without a timezone', list({ nextUpdate: '2027-01-01T00:00:00' }), false],
  ['a three-letter country', list({ entries: [{ ...entry, country: 'TTO' }] }), false],
  ['an unknown assurance level', list({ entries: [{ ...entry, assuranceLevel: 'medium' }] }), false],
  ['no credential types', list({ entries: [{ ...entry, credentialTypes: [] }] }), false],
  ['a private key in the list', list({ entries: [{ ...webEntry, keys: [{ ...webEntry.keys[0], d: 'secret' }] }] }), false],
  ['an entry that is not a DID', list({ entries: [{ ...entry, id: 'https://registry.gov.tt' }] }), false],
  ['a revoked entry', list({ entries: [{ ...entry, revoked: true }] }), true],
  ['a revoked key', list({ entries: [{ ...webEntry, keys: [{ ...webEntry.keys[0], revoked: true }] }] }), true],
  [
    'two keys under one kid',
    list({ entries: [webEntry, { ...webEntry, keys: [{ ...webEntry.keys[0], x: 'hfjoyazMW0fm7iG5TwmuqPGn2IgG7wUsKzjLr3Q3H5Q' }] }] }),
    true,
  ],
  ['a did:web entry with RSA, secp256k1 and P-384 keys', list({ entries: [{ ...webEntry, keys: [RSA_KEY, K1_KEY, P384_KEY] }] }), true],
  ['an RSA key with a private exponent', list({ entries: [{ ...webEntry, keys: [{ ...RSA_KEY, d: RSA_KEY.n }] }] }), false],
  ['an RSA key below 2048 bits', list({ entries: [{ ...webEntry, keys: [{ ...RSA_KEY, n: RSA_KEY.n.slice(0, 172) }] }] }), false],
  ['an RSA modulus with a leading zero byte', list({ entries: [{ ...webEntry, keys: [{ ...RSA_KEY, n: `AA${RSA_KEY.n}` }] }] }), false],
  ['a secp256k1 key without y', list({ entries: [{ ...webEntry, keys: [{ ...K1_KEY, y: undefined }] }] }), false],
  ['a P-384 key with 32-byte coordinates', list({ entries: [{ ...webEntry, keys: [{ ...P384_KEY, x: K1_KEY.x, y: K1_KEY.y }] }] }), false],
  ['revoked that is not a boolean', list({ entries: [{ ...entry, revoked: 'yes' }] }), false],
  ['a key whose revoked is not a boolean', list({ entries: [{ ...webEntry, keys: [{ ...webEntry.keys[0], revoked: 1 }] }] }), false],
  [
    'an https issuer with keys',
    list({ entries: [{ ...webEntry, id: 'https://registry.gov.tt', keys: [{ ...webEntry.keys[0], kid: 'key-1' }] }] }),
    true,
  ],
  [
    'an https issuer with x509 pins',
    list({ entries: [{ ...entry, id: 'https://registry.gov.tt/issuer', x509: { certificates: [CERT] } }] }),
    true,
  ],
  ['an http issuer', list({ entries: [{ ...webEntry, id: 'http://registry.gov.tt' }] }), false],
  ['x509 without certificates', list({ entries: [{ ...entry, id: 'https://registry.gov.tt', x509: { certificates: [] } }] }), false],
  [
    'an x509 pin that is not base64',
    list({ entries: [{ ...entry, id: 'https://registry.gov.tt', x509: { certificates: ['MI-_'] } }] }),
    false,
  ],
  [
    'an https issuer key with an empty kid',
    list({ entries: [{ ...webEntry, id: 'https://registry.gov.tt', keys: [{ ...webEntry.keys[0], kid: '' }] }] }),
    false,
  ],
  ['a did:web key whose kid is no DID URL', list({ entries: [{ ...webEntry, keys: [{ ...webEntry.keys[0], kid: 'key-1' }] }] }), false],
];

const policies: Array<[string, unknown, boolean]> = [
  ['the foundation policy', { trustedIssuers: [ANCHOR] }, true],
  [
    'a full policy',
    {
      anchors: [ANCHOR],
      recognitionLists: ['caricom.jwt'],
      accept: [{ countries: ['TT', 'BB'], credentialTypes: '*', minAssurance: 'substantial' }],
      recognitionListGraceSeconds: 3600,
      onStaleRecognitionList: 'warn',
      status: { required: true, maxAgeSeconds: 86400, onUnavailable: 'reject' },
      formats: ['vc+jwt'],
    },
    true,
  ],
  ['an unknown key', { trustedIssuer: [ANCHOR] }, false],
  ['an unknown status key', { status: { require: true } }, false],
  ['a rule without types', { accept: [{ countries: '*' }] }, false],
  ['a rule with an unknown level', { accept: [{ countries: '*', credentialTypes: '*', minAssurance: 'medium' }] }, false],
  ['an anchor that is not a DID', { anchors: ['caricom'] }, false],
  ['a negative grace', { recognitionListGraceSeconds: -1 }, false],
  ['holder binding relaxed', { trustedIssuers: [ANCHOR], holderBinding: 'none' }, true],
  ['holder binding to the subject', { holderBinding: 'subject' }, true],
  ['an unknown holder binding', { holderBinding: 'off' }, false],
  ['a holder binding that is a boolean', { holderBinding: false }, false],
];

function accepts(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

describe('recognition list schema and parser agree', () => {
  for (const [name, value, valid] of lists) {
    it(`${valid ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(listSchema(value)).toBe(valid);
      expect(accepts(() => parseRecognitionList(value as never))).toBe(valid);
    });
  }
});

describe('recognition policy schema and parser agree', () => {
  for (const [name, value, valid] of policies) {
    it(`${valid ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(policySchema(value)).toBe(valid);
      expect(accepts(() => parsePolicy(value))).toBe(valid);
    });
  }
});
