// Disclosures built by hand: every way an SD-JWT's disclosures can disagree with the
// signed payload is DISCLOSURE_INVALID (or LIMIT_EXCEEDED), never a verified result.
import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../src/index.js';
import { didKey, NOW } from './helpers/producers.js';
import { craft, digestOf, disclosure, issueSdJwt, NOW_S } from './helpers/sd-jwt.js';

const issuer = didKey();
const base = { iss: issuer.did, vct: 'NationalIdCredential', iat: NOW_S };
const b64u = (s: string) => Buffer.from(s).toString('base64url');

async function result(payload: Record<string, unknown>, disclosures: string[]) {
  return verifyCredential(await craft(issuer, payload, disclosures), { now: NOW });
}

async function expectInvalid(payload: Record<string, unknown>, disclosures: string[], code = 'DISCLOSURE_INVALID', message?: RegExp) {
  const r = await result(payload, disclosures);
  expect(r.verified, JSON.stringify(r)).toBe(false);
  if (r.verified) return;
  expect(r.errors.map((e) => e.code)).toEqual([code]);
  if (message) expect(r.errors[0]?.message).toMatch(message);
  expect(r.checks).toContain('disclosures');
}

describe('disclosures that do not match the signed payload', () => {
  it('accepts the honest hand-made case (the builder is right)', async () => {
    const d = disclosure('given_name', 'Maria');
    const e = disclosure('LC');
    const r = await result({ ...base, _sd: [digestOf(d)], nationalities: ['BB', { '...': digestOf(e) }] }, [d, e]);
    expect(r.verified).toBe(true);
    if (r.verified && r.format === 'dc+sd-jwt') {
      expect(JSON.parse(JSON.stringify(r.claims))).toMatchObject({ given_name: 'Maria', nationalities: ['BB', 'LC'] });
      expect(r.disclosed).toEqual([
        { path: '/given_name', name: 'given_name', value: 'Maria' },
        { path: '/nationalities/1', value: 'LC' },
      ]);
    }
  });

  it('refuses a tampered disclosure (its digest is not in the payload)', async () => {
    const d = disclosure('given_name', 'Maria');
    const tampered = b64u(JSON.stringify([JSON.parse(Buffer.from(d, 'base64url').toString())[0], 'given_name', 'Mallory']));
    await expectInvalid({ ...base, _sd: [digestOf(d)] }, [tampered], undefined, /not referenced by the signed payload/);
  });

  it('refuses a disclosure taken from another credential', async () => {
    const holder = didKey();
    const other = await issueSdJwt(issuer, { holder });
    const mine = await issueSdJwt(issuer, { holder });
    const foreign = other.split('~')[1] as string;
    const [jwt, ...rest] = mine.split('~');
    const r = await verifyCredential([jwt, foreign, ...rest].join('~'), { now: NOW });
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['DISCLOSURE_INVALID']);
  });

  it('refuses the same disclosure presented twice', async () => {
    const d = disclosure('given_name', 'Maria');
    await expectInvalid({ ...base, _sd: [digestOf(d)] }, [d, d], undefined, /presented twice/);
  });

  it('refuses a digest that appears twice in the payload, in _sd or across objects and arrays', async () => {
    const d = disclosure('given_name', 'Maria');
    await expectInvalid({ ...base, _sd: [digestOf(d), digestOf(d)] }, [d], undefined, /more than once/);
    await expectInvalid({ ...base, _sd: [digestOf(d)], address: { _sd: [digestOf(d)] } }, [d]);
    // Decoys too: one digest is one claim.
    await expectInvalid({ ...base, _sd: ['decoy-digest', 'decoy-digest'] }, []);
    const e = disclosure('BB');
    await expectInvalid({ ...base, a: [{ '...': digestOf(e) }], b: [{ '...': digestOf(e) }] }, [e]);
  });

  it('refuses a disclosure whose digest also sits inside a disclosed value (referenced twice)', async () => {
    const inner = disclosure('locality', 'Bridgetown');
    const outer = disclosure('address', { _sd: [digestOf(inner)] });
    await expectInvalid({ ...base, _sd: [digestOf(outer), digestOf(inner)] }, [outer, inner]);
  });

  it('refuses claim names _sd and ..., and names that reach a prototype', async () => {
    for (const name of ['_sd', '...', '__proto__', 'constructor', 'prototype']) {
      const d = disclosure(name, 'x');
      await expectInvalid({ ...base, _sd: [digestOf(d)] }, [d], undefined, /refused/);
    }
    // __proto__ inside a disclosed value, too.
    const d = b64u('["salt","address",{"__proto__":{"admin":true}}]');
    await expectInvalid({ ...base, _sd: [digestOf(d)] }, [d]);
  });

  it('refuses a disclosed name that a plain claim of the same object already has', async () => {
    const d = disclosure('given_name', 'Mallory');
    await expectInvalid({ ...base, given_name: 'Maria', _sd: [digestOf(d)] }, [d], undefined, /already has/);
    const inner = disclosure('locality', 'Elsewhere');
    await expectInvalid({ ...base, address: { locality: 'Bridgetown', _sd: [digestOf(inner)] } }, [inner]);
    // Two disclosures of the same name in one object.
    const a = disclosure('given_name', 'Maria');
    const b = disclosure('given_name', 'Mallory');
    await expectInvalid({ ...base, _sd: [digestOf(a), digestOf(b)] }, [a, b]);
  });

  it('refuses an array-element disclosure used for an object property, and the reverse', async () => {
    const element = disclosure('BB');
    await expectInvalid({ ...base, _sd: [digestOf(element)] }, [element], undefined, /array element/);
    const property = disclosure('nationality', 'BB');
    await expectInvalid({ ...base, nationalities: [{ '...': digestOf(property) }] }, [property], undefined, /array element/);
  });

  it('refuses a malformed _sd and malformed array digests', async () => {
    const d = disclosure('given_name', 'Maria');
    await expectInvalid({ ...base, _sd: digestOf(d) }, [d]);
    await expectInvalid({ ...base, _sd: [digestOf(d), 42] }, [d]);
    await expectInvalid({ ...base, _sd: [{ digest: digestOf(d) }] }, [d]);
    const e = disclosure('BB');
    await expectInvalid({ ...base, nationalities: [{ '...': digestOf(e), extra: 1 }] }, [e]);
    await expectInvalid({ ...base, nationalities: [{ '...': 42 }] }, []);
    await expectInvalid({ ...base, weird: { '...': 'x' } }, []);
  });

  it('refuses a disclosure that is not base64url JSON of [salt, name, value] or [salt, value]', async () => {
    const cases = [
      `${disclosure('a', 1)}=`, // padding
      'not base64url!',
      b64u('not json'),
      b64u('{"salt":"s","name":"a","value":1}'),
      b64u('["salt"]'),
      b64u('["salt","a",1,2]'),
      b64u('[42,"a",1]'),
      b64u('["salt",42,1]'),
      Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url'),
    ];
    for (const d of cases) {
      const r = await result({ ...base, _sd: [digestOf(d)] }, [d]);
      expect(r.verified ? [] : r.errors.map((e) => e.code), d).toEqual(['DISCLOSURE_INVALID']);
    }
  });

  it('refuses an empty disclosure between two ~ (DISCLOSURE_INVALID)', async () => {
    const d = disclosure('given_name', 'Maria');
    const sdJwt = await craft(issuer, { ...base, _sd: [digestOf(d)] }, [d]);
    const r = await verifyCredential(sdJwt.replace('~', '~~'), { now: NOW });
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['DISCLOSURE_INVALID']);
  });

  it('refuses an _sd_alg other than sha-256, sha-384 or sha-512', async () => {
    const d = disclosure('given_name', 'Maria');
    for (const alg of ['SHA-256', 'md5', 'sha-1', 'sha3-256', 42, null]) {
      await expectInvalid({ ...base, _sd_alg: alg, _sd: [digestOf(d)] }, [d], undefined, /_sd_alg/);
    }
    // With sha-384 named, a sha-256 digest does not match.
    await expectInvalid({ ...base, _sd_alg: 'sha-384', _sd: [digestOf(d)] }, [d]);
    expect((await result({ ...base, _sd_alg: 'sha-384', _sd: [digestOf(d, 'sha384')] }, [d])).verified).toBe(true);
    expect((await result({ ...base, _sd_alg: 'sha-512', _sd: [digestOf(d, 'sha512')] }, [d])).verified).toBe(true);
  });

  it('hashes the disclosure text as received, not a re-encoding of it', async () => {
    // The same JSON array, spelled with other whitespace: another disclosure, another digest.
    const spaced = b64u('["salt", "given_name", "Maria"]');
    const compact = b64u('["salt","given_name","Maria"]');
    await expectInvalid({ ...base, _sd: [digestOf(compact)] }, [spaced]);
    expect((await result({ ...base, _sd: [digestOf(spaced)] }, [spaced])).verified).toBe(true);
  });

  it('bounds the number of disclosures and their nesting (LIMIT_EXCEEDED)', async () => {
    const many = Array.from({ length: 1025 }, (_, i) => disclosure(`c${i}`, i));
    await expectInvalid({ ...base, _sd: many.map((d) => digestOf(d)) }, many, 'LIMIT_EXCEEDED');
    const deep = b64u(`["salt","deep",${'['.repeat(40)}${']'.repeat(40)}]`);
    await expectInvalid({ ...base, _sd: [digestOf(deep)] }, [deep], 'LIMIT_EXCEEDED');
    // Nesting built from disclosures inside disclosures counts as well.
    let value: unknown = 'leaf';
    const chain: string[] = [];
    for (let i = 0; i < 40; i++) {
      const d = disclosure(`n${i}`, value);
      chain.push(d);
      value = { _sd: [digestOf(d)] };
    }
    await expectInvalid({ ...base, ...(value as object) }, chain, 'LIMIT_EXCEEDED');
  });

  it('builds the claims without prototypes, so no disclosed value reaches one', async () => {
    const d = disclosure('profile', { constructor: { name: 'x' }, toString: 'y' });
    const r = await result({ ...base, _sd: [digestOf(d)] }, [d]);
    expect(r.verified).toBe(true);
    if (r.verified && r.format === 'dc+sd-jwt') {
      expect(Object.getPrototypeOf(r.claims)).toBe(null);
      const profile = r.claims.profile as Record<string, unknown>;
      expect(profile.toString).toBe('y');
      expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
    }
  });
});
