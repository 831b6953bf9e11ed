// Recognition list entries for SD-JWT VC issuers: https ids, x509 pins, and kids that
// are not DID URLs; DID entries read as before.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isHttpsIssuer, parseRecognitionListSubject, TradewindError } from '../src/index.js';

const jwk = () => {
  const { x, kty, crv } = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return { kty, crv, x };
};
/** A DER SEQUENCE standing for a certificate: the list checks base64 DER shape; verifiers parse it. */
const certificate = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]).toString('base64');

const subject = (entry: Record<string, unknown>) => ({
  sequence: 1,
  nextUpdate: '2027-01-01T00:00:00Z',
  entries: [{ country: 'TT', name: 'Issuer', credentialTypes: ['*'], assuranceLevel: 'high', ...entry }],
});
const parse = (entry: Record<string, unknown>) => parseRecognitionListSubject(subject(entry));
function problem(entry: Record<string, unknown>): { code: string; path: string | undefined } {
  try {
    parse(entry);
  } catch (e) {
    if (e instanceof TradewindError) return { code: e.code, path: e.path };
    throw e;
  }
  return { code: 'accepted', path: undefined };
}

describe('recognition list entries for https issuers and x509 pins', () => {
  it('accepts an https issuer with keys whose kid is any non-empty string', () => {
    const key = { ...jwk(), kid: 'issuer-key-2026' };
    expect(parse({ id: 'https://issuer.example.org', keys: [key] }).entries[0]?.keys?.[0]?.kid).toBe('issuer-key-2026');
  });

  it('accepts an https issuer with pinned x509 certificates', () => {
    const entry = parse({ id: 'https://issuer.example.org/tt', x509: { certificates: [certificate] } }).entries[0];
    expect(entry?.x509?.certificates).toEqual([certificate]);
  });

  it('accepts x509 pins on a DID issuer too', () => {
    const key = { ...jwk(), kid: '#k1' };
    expect(problem({ id: 'did:web:issuer.example.org', keys: [key], x509: { certificates: [certificate] } }).code).toBe('accepted');
  });

  it('refuses an https issuer with neither keys nor x509 (nothing is fetched)', () => {
    expect(problem({ id: 'https://issuer.example.org' })).toEqual({ code: 'TRUST_LIST_INVALID', path: '/entries/0/keys' });
  });

  it('refuses ids that are neither a DID nor a plain https URL', () => {
    for (const id of [
      'http://issuer.example.org',
      'https://user:pw@issuer.example.org',
      'https://issuer.example.org/#frag',
      'https://ISSUER.example.org',
      'https://issuer.example.org/a/../b',
      'https:///nohost',
      'issuer.example.org',
      ' https://issuer.example.org',
    ]) {
      expect(problem({ id, keys: [{ ...jwk(), kid: 'k' }] }), id).toEqual({ code: 'TRUST_LIST_INVALID', path: '/entries/0/id' });
    }
  });

  it('refuses x509 pins that are not base64 DER certificates', () => {
    const id = 'https://issuer.example.org';
    for (const x509 of [
      [],
      { certificates: [] },
      { certificates: 'MIIB' },
      { certificates: [42] },
      { certificates: [certificate.replace(/=+$/, '')] }, // unpadded
      { certificates: [Buffer.from('hello').toString('base64')] }, // not a SEQUENCE
      { certificates: [Buffer.alloc(16 * 1024 + 1, 0x30).toString('base64')] },
      { certificates: Array.from({ length: 17 }, () => certificate) },
    ]) {
      expect(problem({ id, x509 }).code, JSON.stringify(x509).slice(0, 60)).toBe('TRUST_LIST_INVALID');
      expect(problem({ id, x509 }).path?.startsWith('/entries/0/x509')).toBe(true);
    }
  });

  it('keeps DID entries as they were: kids must be DID URLs or fragments, did:web needs keys', () => {
    expect(problem({ id: 'did:web:issuer.example.org', keys: [{ ...jwk(), kid: 'k1' }] })).toEqual({
      code: 'TRUST_LIST_INVALID',
      path: '/entries/0/keys/0/kid',
    });
    expect(problem({ id: 'did:web:issuer.example.org', x509: { certificates: [certificate] } }).path).toBe('/entries/0/keys');
    expect(problem({ id: 'did:key:z6Mk' }).code).toBe('accepted');
  });

  it('refuses an empty kid for an https issuer', () => {
    expect(problem({ id: 'https://issuer.example.org', keys: [{ ...jwk(), kid: '' }] }).path).toBe('/entries/0/keys/0/kid');
  });

  it('isHttpsIssuer takes an https URL as written, with or without a path', () => {
    expect(isHttpsIssuer('https://issuer.example.org')).toBe(true);
    expect(isHttpsIssuer('https://issuer.example.org/issuers/7')).toBe(true);
    expect(isHttpsIssuer('https://issuer.example.org:8443/x')).toBe(true);
    expect(isHttpsIssuer('https://issuer.example.org:443/x')).toBe(false); // written otherwise than parsed
    expect(isHttpsIssuer(42)).toBe(false);
  });
});
