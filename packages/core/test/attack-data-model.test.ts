// Inputs built to make the data-model validator and the envelope helpers slow, throw, or
// pass what they must not. Each case checks the result, not the time it took.
import { describe, expect, it } from 'vitest';
import {
  isEnvelopeLike,
  TradewindError,
  unwrapEnvelope,
  validateCredential,
  validateEnvelope,
  validatePresentation,
} from '../src/index.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const JWS = 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln';

function vc(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [V2],
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    credentialSubject: { id: 'did:example:subject' },
    ...changes,
  };
}

/** What unwrapEnvelope does with `value`: the error's class and code, or 'ok'. */
function unwrapOutcome(value: unknown): string {
  try {
    unwrapEnvelope(value);
    return 'ok';
  } catch (e) {
    return e instanceof TradewindError ? `TradewindError ${e.code}` : `raw ${String(e)}`;
  }
}

describe('envelope helpers given hostile objects', () => {
  const boom = () => {
    throw new Error('boom');
  };
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwingType = { '@context': [V2], id: `data:application/vc+jwt,${JWS}` };
  Object.defineProperty(throwingType, 'type', { get: boom, enumerable: true });
  const throwingContext = { type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${JWS}` };
  Object.defineProperty(throwingContext, '@context', { get: boom, enumerable: true });
  const inherited = Object.create({
    get type() {
      return boom();
    },
  });
  Object.assign(inherited, { '@context': [V2], id: `data:application/vc+jwt,${JWS}` });
  const traps = new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
  const hostile = { revoked, throwingType, throwingContext, inherited, traps };

  it('unwrapEnvelope throws a MALFORMED TradewindError, never what a getter or trap threw', () => {
    for (const [name, value] of Object.entries(hostile)) {
      expect([name, unwrapOutcome(value)]).toEqual([name, 'TradewindError MALFORMED']);
    }
  });

  it('isEnvelopeLike answers instead of throwing: false when what it reads throws', () => {
    const answers = Object.fromEntries(Object.entries(hostile).map(([name, value]) => [name, isEnvelopeLike(value)]));
    // throwingContext: its type names the envelope, and isEnvelopeLike reads no further.
    expect(answers).toEqual({ revoked: false, throwingType: false, throwingContext: true, inherited: false, traps: false });
  });

  it('validateEnvelope reports them at the envelope', () => {
    for (const value of Object.values(hostile)) {
      expect(validateEnvelope(value, 'credential')).toEqual([
        { code: 'MALFORMED', path: expect.any(String), message: expect.stringMatching(/could not be read/) },
      ]);
    }
  });
});

describe('data: URLs far longer than any credential', () => {
  it('a 10-million-character data: URL is reported as a bad data: URL, not as unreadable', () => {
    const envelope = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${'a'.repeat(1e7)}%` };
    expect(validateEnvelope(envelope, 'credential')).toEqual([
      { code: 'MALFORMED', path: '/id', message: expect.stringMatching(/must be a data: URL/) },
    ]);
  });

  it('a 10-million-character valid data: URL is valid', () => {
    const envelope = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${'a'.repeat(1e7)}` };
    expect(validateEnvelope(envelope, 'credential')).toEqual([]);
  });
});

describe('relatedResource', () => {
  const digest = `u${Buffer.alloc(32, 7).toString('base64url')}`;

  it('3,000 distinct entries (a 256 KiB credential) are valid, and duplicates far apart are found', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ id: `urn:x:${i}`, digestMultibase: digest }));
    expect(validateCredential(vc({ relatedResource: entries }))).toEqual([]);
    entries.push({ id: 'urn:x:5', digestMultibase: digest });
    expect(validateCredential(vc({ relatedResource: entries }))).toEqual([
      {
        code: 'MALFORMED',
        path: '/relatedResource/3000/id',
        message: 'relatedResource ids must be unique; "urn:x:5" is also at /relatedResource/5/id',
      },
    ]);
  });
});

describe('type values the data model does not allow', () => {
  const envelope = (type: unknown) => ({ '@context': [V2], type, id: `data:application/vc+jwt,${JWS}` });

  it('an envelope whose type names anything beside the envelope type', () => {
    expect(validateEnvelope(envelope(['EnvelopedVerifiableCredential']), 'credential')).toEqual([]);
    expect(validateEnvelope(envelope(['EnvelopedVerifiableCredential', 'VerifiableCredential']), 'credential')).toEqual([
      {
        code: 'MALFORMED',
        path: '/type/1',
        message: expect.stringMatching(/EnvelopedVerifiableCredential alone; got also "VerifiableCredential"/),
      },
    ]);
    expect(validateEnvelope(envelope(['EnvelopedVerifiablePresentation', 'EnvelopedVerifiableCredential']), 'credential')).toEqual([
      { code: 'MALFORMED', path: '/type/0', message: expect.stringMatching(/alone; got also "EnvelopedVerifiablePresentation"/) },
    ]);
  });

  it('a JSON-LD keyword as a type', () => {
    expect(validateCredential(vc({ type: ['VerifiableCredential', '@json'] }))).toEqual([
      { code: 'MALFORMED', path: '/type/1', message: expect.stringMatching(/not a JSON-LD keyword/) },
    ]);
  });
});

describe('digestMultibase lengths', () => {
  it('the longest valid values (a 64-byte digest behind its multihash header) are read; longer ones are refused', () => {
    const sha512 = Buffer.alloc(64, 0xff);
    // blake2b-512: code 0xb240 (a 3-byte varint), length 64.
    const blake = Uint8Array.from([0xc0, 0xe4, 0x02, 0x40, ...sha512]);
    const base58 = (bytes: Uint8Array) => {
      let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
      const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
      let out = '';
      while (n > 0n) {
        out = alphabet[Number(n % 58n)] + out;
        n /= 58n;
      }
      return `z${out}`;
    };
    for (const value of [base58(blake), `u${Buffer.from(blake).toString('base64url')}`]) {
      expect(value.length).toBeLessThanOrEqual(94);
      expect(validateCredential(vc({ relatedResource: { id: 'https://example.org/r', digestMultibase: value } }))).toEqual([]);
    }
    const long = `z${'2'.repeat(1023)}`;
    expect(validateCredential(vc({ relatedResource: { id: 'https://example.org/r', digestMultibase: long } }))).toEqual([
      { code: 'MALFORMED', path: '/relatedResource/digestMultibase', message: expect.stringMatching(/^digestMultibase must be/) },
    ]);
  });
});

describe('a credential or presentation typed as an envelope too', () => {
  it('is reported at the envelope type', () => {
    expect(
      validateCredential(vc({ type: ['VerifiableCredential', 'EnvelopedVerifiableCredential'], id: `data:application/vc+jwt,${JWS}` })),
    ).toEqual([{ code: 'MALFORMED', path: '/type/1', message: 'a credential cannot also be an EnvelopedVerifiableCredential' }]);
    expect(validatePresentation({ '@context': [V2], type: ['VerifiablePresentation', 'EnvelopedVerifiablePresentation'] })).toEqual([
      { code: 'MALFORMED', path: '/type/1', message: 'a presentation cannot also be an EnvelopedVerifiablePresentation' },
    ]);
  });
});
