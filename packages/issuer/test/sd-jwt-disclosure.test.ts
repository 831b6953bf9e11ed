// Which claims of a dc+sd-jwt credential are selectively disclosable (per-type defaults,
// request and openIssuer overrides), decoys, derived age claims, and the requests the
// issuer refuses.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF } from './helpers/temp-issuer.js';

const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const PERSON = {
  id: HOLDER,
  given_name: 'Ana',
  family_name: 'Joseph',
  birthdate: '2000-03-01',
  nationality: 'TT',
  nationalities: ['TT', 'BB'],
  address: { street_address: '1 Frederick Street', locality: 'Port of Spain', country: 'TT' },
};
let dir: string;
let database: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer, database } = await openTempIssuer('sd-jwt-disclosure'));
});
afterAll(() => closeTempIssuer(issuer, dir));

interface Parts {
  payload: Record<string, unknown>;
  /** Disclosures as [salt, name, value] or [salt, value]. */
  disclosures: unknown[][];
  digests: Map<string, unknown[]>;
}

function parts(sdJwt: string): Parts {
  const [jwt, ...rest] = sdJwt.split('~');
  const payload = JSON.parse(Buffer.from((jwt as string).split('.')[1] as string, 'base64url').toString());
  const encoded = rest.filter((d) => d !== '');
  const disclosures = encoded.map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[]);
  const digests = new Map(encoded.map((d, i) => [createHash('sha256').update(d).digest('base64url'), disclosures[i] as unknown[]]));
  return { payload, disclosures, digests };
}

/** Names (or array values) of the disclosures whose digest is in this object's `_sd` or this array's `...` entries. */
function disclosedAt(p: Parts, container: unknown): unknown[] {
  if (Array.isArray(container))
    return container.flatMap((e) => (e && typeof e === 'object' && '...' in e ? [p.digests.get(e['...'] as string)?.[1]] : []));
  const sd = ((container as Record<string, unknown>)._sd ?? []) as string[];
  return sd.flatMap((d) => (p.digests.has(d) ? [(p.digests.get(d) as unknown[])[1]] : []));
}

function decoysAt(p: Parts, container: Record<string, unknown>): number {
  return ((container._sd ?? []) as string[]).filter((d) => !p.digests.has(d)).length;
}

async function refused(request: Record<string, unknown>, code: string, path?: string): Promise<TradewindError> {
  const error = await issuer.issue({ format: 'dc+sd-jwt', ...request } as never).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TradewindError);
  expect((error as TradewindError).code).toBe(code);
  if (path !== undefined) expect((error as TradewindError).path).toBe(path);
  return error as TradewindError;
}

describe('disclosable claims', () => {
  it('a PID type: every claim disclosable, address members one by one, each nationality alone', async () => {
    for (const type of ['NationalIdCredential', 'PersonIdentificationData']) {
      const issued = await issuer.issue({ format: 'dc+sd-jwt', type, credentialSubject: PERSON, status: [] });
      const p = parts(issued.jwt);
      expect(new Set(disclosedAt(p, p.payload))).toEqual(
        new Set(['given_name', 'family_name', 'birthdate', 'nationality', 'nationalities', 'address', 'age_over_18']),
      );
      const address = p.disclosures.find((d) => d[1] === 'address')?.[2] as Record<string, unknown>;
      expect(new Set(disclosedAt(p, address))).toEqual(new Set(['street_address', 'locality', 'country']));
      const nationalities = p.disclosures.find((d) => d[1] === 'nationalities')?.[2] as unknown[];
      expect(disclosedAt(p, nationalities)).toEqual(['TT', 'BB']);
      expect(issued.disclosable).toEqual([
        '/given_name',
        '/family_name',
        '/birthdate',
        '/nationality',
        '/nationalities',
        '/nationalities/0',
        '/nationalities/1',
        '/address',
        '/address/street_address',
        '/address/locality',
        '/address/country',
        '/age_over_18',
      ]);
    }
  });

  it('the vct urn:eudi:pid:1 takes the PID default; another type keeps arrays whole', async () => {
    const pid = parts(
      (await issuer.issue({ format: 'dc+sd-jwt', type: 'Person', vct: 'urn:eudi:pid:1', credentialSubject: PERSON, status: [] })).jwt,
    );
    expect(pid.payload.vct).toBe('urn:eudi:pid:1');
    expect(disclosedAt(pid, pid.disclosures.find((d) => d[1] === 'nationalities')?.[2])).toEqual(['TT', 'BB']);
    const other = parts((await issuer.issue({ format: 'dc+sd-jwt', type: 'MembershipCard', credentialSubject: PERSON, status: [] })).jwt);
    expect(other.payload.vct).toBe('MembershipCard');
    expect(other.disclosures.find((d) => d[1] === 'nationalities')?.[2]).toEqual(['TT', 'BB']);
    const address = other.disclosures.find((d) => d[1] === 'address')?.[2] as Record<string, unknown>;
    expect(new Set(disclosedAt(other, address))).toEqual(new Set(['street_address', 'locality', 'country']));
  });

  it('disclose (JSON pointers) replaces the default: the rest stays plain', async () => {
    const issued = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      credentialSubject: PERSON,
      disclose: ['/birthdate', '/address/locality', '/nationalities/1'],
      status: [],
    });
    const p = parts(issued.jwt);
    expect(p.payload).toMatchObject({ given_name: 'Ana', family_name: 'Joseph', nationality: 'TT', age_over_18: true });
    expect(disclosedAt(p, p.payload)).toEqual(['birthdate']);
    expect(disclosedAt(p, p.payload.address)).toEqual(['locality']);
    expect((p.payload.address as Record<string, unknown>).country).toBe('TT');
    expect((p.payload.nationalities as unknown[])[0]).toBe('TT');
    expect(disclosedAt(p, p.payload.nationalities)).toEqual(['BB']);
    expect(p.disclosures).toHaveLength(3);
    expect(issued.disclosable).toEqual(['/birthdate', '/nationalities/1', '/address/locality']);
  });

  it('openIssuer sdJwt.types sets a type default (disclose and ageOver); the request still wins', async () => {
    await issuer.close();
    issuer = await openIssuer({
      database,
      secret: 'sd-jwt-disclosure',
      kdf: TEST_KDF,
      sdJwt: { types: { AgeCard: { disclose: ['/age_over_18', '/age_over_21'], ageOver: [21, 18] } } },
    });
    const card = parts(
      (
        await issuer.issue({
          format: 'dc+sd-jwt',
          type: 'AgeCard',
          credentialSubject: { id: HOLDER, birthdate: '2005-06-30' },
          validFrom: '2026-01-01T00:00:00Z',
          status: [],
        })
      ).jwt,
    );
    expect(card.payload.birthdate).toBe('2005-06-30');
    expect(card.disclosures.find((d) => d[1] === 'age_over_18')?.[2]).toBe(true);
    expect(new Set(card.disclosures.map((d) => d[1]))).toEqual(new Set(['age_over_18', 'age_over_21']));
    expect(card.disclosures.find((d) => d[1] === 'age_over_21')?.[2]).toBe(false);
    const own = parts(
      (
        await issuer.issue({
          format: 'dc+sd-jwt',
          type: 'AgeCard',
          credentialSubject: { id: HOLDER, birthdate: '2004-06-30' },
          disclose: ['/birthdate'],
          status: [],
        })
      ).jwt,
    );
    expect(own.disclosures.map((d) => d[1])).toEqual(['birthdate']);
    await expect(openIssuer({ database, secret: 'sd-jwt-disclosure', sdJwt: { types: { X: { ageOver: [0] } } } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/sdJwt/types/X/ageOver',
    });
    await expect(openIssuer({ database, secret: 'sd-jwt-disclosure', sdJwt: { types: { X: { disclose: ['x'] } } } })).rejects.toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
      },
    );
  });
});

describe('decoys', () => {
  it('adds 2 to 4 decoy digests at the top level and 1 to 2 in a nested object by default, and exactly `decoys` when asked', async () => {
    const counts = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const p = parts(
        (await issuer.issue({ format: 'dc+sd-jwt', type: 'NationalIdCredential', credentialSubject: PERSON, status: [] })).jwt,
      );
      const top = decoysAt(p, p.payload);
      expect(top).toBeGreaterThanOrEqual(2);
      expect(top).toBeLessThanOrEqual(4);
      counts.add(top);
      const address = p.disclosures.find((d) => d[1] === 'address')?.[2] as Record<string, unknown>;
      expect(decoysAt(p, address)).toBeGreaterThanOrEqual(1);
      expect(decoysAt(p, address)).toBeLessThanOrEqual(2);
      // Digests are sorted, so decoys are not told apart by their place.
      expect(p.payload._sd).toEqual([...(p.payload._sd as string[])].sort());
    }
    expect(counts.size).toBeGreaterThan(1);
    const exact = parts(
      (await issuer.issue({ format: 'dc+sd-jwt', type: 'NationalIdCredential', credentialSubject: PERSON, decoys: 7, status: [] })).jwt,
    );
    expect(decoysAt(exact, exact.payload)).toBe(7);
    const none = parts(
      (await issuer.issue({ format: 'dc+sd-jwt', type: 'NationalIdCredential', credentialSubject: PERSON, decoys: 0, status: [] })).jwt,
    );
    expect(decoysAt(none, none.payload)).toBe(0);
    expect((none.payload._sd as string[]).length).toBe(7);
  });

  it('salts are 16 random bytes, and no two disclosures share one', async () => {
    const p = parts((await issuer.issue({ format: 'dc+sd-jwt', type: 'NationalIdCredential', credentialSubject: PERSON, status: [] })).jwt);
    const salts = p.disclosures.map((d) => d[0] as string);
    for (const salt of salts) expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(new Set(salts).size).toBe(salts.length);
  });
});

describe('derived age claims', () => {
  it('age_over_18 is computed at the start of validity, each threshold its own disclosure', async () => {
    const at = (validFrom: string) =>
      issuer
        .issue({ format: 'dc+sd-jwt', type: 'NationalIdCredential', credentialSubject: PERSON, validFrom, status: [] })
        .then((i) => parts(i.jwt).disclosures.find((d) => d[1] === 'age_over_18')?.[2]);
    expect(await at('2018-02-28T23:59:59Z')).toBe(false);
    expect(await at('2018-03-01T00:00:00Z')).toBe(true);
    const none = parts(
      (
        await issuer.issue({
          format: 'dc+sd-jwt',
          type: 'NationalIdCredential',
          credentialSubject: { id: HOLDER, given_name: 'Ana' },
          status: [],
        })
      ).jwt,
    );
    expect(none.disclosures.map((d) => d[1])).toEqual(['given_name']);
  });

  it('the holder can show age_over_18 alone: the reference library presents it, @tradewind/verifier reads only that claim', async () => {
    const holder = generateKeyPairSync('ed25519');
    const holderJwk = holder.publicKey.export({ format: 'jwk' });
    const issued = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      holderKey: holderJwk,
      credentialSubject: PERSON,
      status: [],
    });
    const library = new SDJwtVcInstance({
      hasher: (data) => createHash('sha256').update(data).digest(),
    });
    const presented = await library.present(issued.jwt, { age_over_18: true } as never);
    expect(presented.split('~').filter((d) => d !== '')).toHaveLength(2);
    const result = await verifyCredential(presented);
    expect(result.verified).toBe(true);
    if (result.verified && result.format === 'dc+sd-jwt') {
      expect(result.disclosed.map((d) => d.name)).toEqual(['age_over_18']);
      expect(result.claims.given_name).toBeUndefined();
      expect(result.claims.age_over_18).toBe(true);
      expect(result.undisclosed).toBeGreaterThan(7);
    }
  });
});

describe('bad requests', () => {
  it('refuses a holderKey with private members, of another curve, or with holderBinding kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    await refused({ type: 'X', holderKey: jwk, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/holderKey/d');
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' });
    await refused({ type: 'X', holderKey: secp, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/holderKey');
    await refused({ type: 'X', holderKey: 'not a key', credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/holderKey');
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    await refused({ type: 'X', holderKey: pub, holderBinding: 'kid', credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/holderBinding');
    await refused({ type: 'X', holderBinding: 'x5c', credentialSubject: { id: HOLDER, a: 1 } }, 'INVALID_ARGUMENT', '/holderBinding');
  });

  it('refuses a holder that is not a DID, or a DID that cannot be resolved offline', async () => {
    await refused({ type: 'X', credentialSubject: { id: 'urn:uuid:1234', a: 1 } }, 'INVALID_ARGUMENT', '/credentialSubject/id');
    await refused({ type: 'X', credentialSubject: { id: 'did:web:holder.example', a: 1 } }, 'INVALID_ARGUMENT', '/credentialSubject/id');
    await refused({ type: 'X', credentialSubject: { id: 'did:key:zNotAKey', a: 1 } }, 'INVALID_ARGUMENT', '/credentialSubject/id');
  });

  it('refuses an unknown disclose pointer, one that is not a pointer, and a repeated one', async () => {
    await refused({ type: 'X', credentialSubject: { a: 1 }, disclose: ['/b'] }, 'INVALID_ARGUMENT', '/disclose/0');
    await refused({ type: 'X', credentialSubject: { a: { b: 1 } }, disclose: ['/a', '/a/c'] }, 'INVALID_ARGUMENT', '/disclose/1');
    await refused({ type: 'X', credentialSubject: { a: [1] }, disclose: ['/a/1'] }, 'INVALID_ARGUMENT', '/disclose/0');
    await refused({ type: 'X', credentialSubject: { a: [1] }, disclose: ['/a/01'] }, 'INVALID_ARGUMENT', '/disclose/0');
    await refused({ type: 'X', credentialSubject: { a: 1 }, disclose: ['a'] }, 'INVALID_ARGUMENT', '/disclose/0');
    await refused({ type: 'X', credentialSubject: { a: 1 }, disclose: ['/a', '/a'] }, 'INVALID_ARGUMENT', '/disclose');
    await refused({ type: 'X', credentialSubject: { a: 1 }, disclose: '/a' }, 'INVALID_ARGUMENT', '/disclose');
    await refused({ type: 'X', credentialSubject: { a: 1 }, disclose: ['/vct'] }, 'INVALID_ARGUMENT', '/disclose/0');
  });

  it('refuses a vct that is not a non-empty string, and bad decoys', async () => {
    await refused({ type: 'X', vct: 42, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/vct');
    await refused({ type: 'X', vct: '', credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/vct');
    await refused({ type: 'X', vct: ['a'], credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/vct');
    await refused({ type: 'X', decoys: -1, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/decoys');
    await refused({ type: 'X', decoys: 1.5, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/decoys');
    await refused({ type: 'X', decoys: 1000, credentialSubject: { a: 1 } }, 'INVALID_ARGUMENT', '/decoys');
  });

  it('refuses claim names that are prototype keys, SD-JWT names or the credential’s own claims', async () => {
    await refused({ type: 'X', credentialSubject: JSON.parse('{"a":1,"__proto__":{"x":1}}') }, 'MALFORMED', '/credentialSubject/__proto__');
    await refused(
      { type: 'X', credentialSubject: JSON.parse('{"a":{"b":{"__proto__":1}}}') },
      'MALFORMED',
      '/credentialSubject/a/b/__proto__',
    );
    await refused({ type: 'X', credentialSubject: { a: { _sd: ['x'] } } }, 'MALFORMED', '/credentialSubject/a/_sd');
    await refused({ type: 'X', credentialSubject: { a: [{ '...': 'x' }] } }, 'MALFORMED', '/credentialSubject/a/0/...');
    await refused({ type: 'X', credentialSubject: { a: { _sd_decoy: { b: 1 } } } }, 'MALFORMED', '/credentialSubject/a/_sd_decoy');
    await refused({ type: 'X', credentialSubject: { a: 'x'.repeat(200 * 1024) } }, 'LIMIT_EXCEEDED', '/credentialSubject');
    for (const name of ['iss', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'status', '_sd', '_sd_alg', '_sd_decoy', '...', 'sub'])
      await refused({ type: 'X', credentialSubject: { a: 1, [name]: 'x' } }, 'INVALID_ARGUMENT', `/credentialSubject/${name}`);
    await refused({ type: 'X', credentialSubject: { id: HOLDER } }, 'INVALID_ARGUMENT', '/credentialSubject');
  });

  it('refuses a birthdate that is not a date, and an age claim given with one', async () => {
    for (const birthdate of ['2000-02-30', '01/02/2000', 20000101, '2000-1-1'])
      await refused({ type: 'X', credentialSubject: { birthdate } }, 'INVALID_ARGUMENT', '/credentialSubject/birthdate');
    await refused(
      { type: 'X', credentialSubject: { birthdate: '2000-01-01', age_over_18: false } },
      'INVALID_ARGUMENT',
      '/credentialSubject/age_over_18',
    );
  });

  it('refuses the SD-JWT members in other formats, and JOSE-only members in dc+sd-jwt', async () => {
    for (const [key, value] of [
      ['vct', 'X'],
      ['disclose', ['/a']],
      ['decoys', 1],
      ['holderBinding', 'jwk'],
      ['holderKey', {}],
    ] as const) {
      const error = await issuer.issue({ type: 'X', credentialSubject: { a: 1 }, [key]: value } as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', path: `/${key}` });
    }
    await refused({ type: 'X', credentialSubject: { a: 1 }, context: ['https://example.org/c'] }, 'INVALID_ARGUMENT', '/context');
    await refused(
      { type: 'X', credentialSubject: { a: 1 }, credentialSchema: { id: 'https://example.org/s', type: 'JsonSchema' } },
      'INVALID_ARGUMENT',
      '/credentialSchema',
    );
  });
});
