// SD-JWT VCs made by @sd-jwt/sd-jwt-vc, verified as credentials: what the result holds,
// and the SD-JWT VC claims and header rules.
import { describe, expect, it } from 'vitest';
import { createVerifier, verifyCredential, verifyCredentials, verifyPresentation } from '../src/index.js';
import type { CredentialVerificationResult, VerifiedSdJwtCredential } from '../src/types.js';
import { didJwk, didKey, NOW, type TestKey, vcJwt } from './helpers/producers.js';
import { craft, digestOf, disclosure, issueSdJwt, jws, NOW_S, PERSON, presentSdJwt, publicJwkOf, unsigned } from './helpers/sd-jwt.js';

const codes = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

function verified(r: CredentialVerificationResult): VerifiedSdJwtCredential {
  if (!r.verified) throw new Error(`not verified: ${JSON.stringify(r.errors)}`);
  if (r.format !== 'dc+sd-jwt') throw new Error(`format ${r.format}`);
  return r;
}

describe('SD-JWT VC from @sd-jwt/sd-jwt-vc', () => {
  for (const [issuerKind, holderKind] of [
    ['Ed25519', 'Ed25519'],
    ['Ed25519', 'P-256'],
    ['P-256', 'Ed25519'],
    ['P-256', 'P-256'],
  ] as const) {
    it(`verifies an issued credential (${issuerKind} issuer, ${holderKind} holder) with every claim disclosed`, async () => {
      const issuer = didKey(issuerKind);
      const holder = didKey(holderKind);
      const sdJwt = await issueSdJwt(issuer, { holder });
      const r = verified(await verifyCredential(sdJwt, { now: NOW }));
      expect(r.mediaType).toBe('dc+sd-jwt');
      expect(r.vct).toBe('NationalIdCredential');
      expect(r.issuer).toBe(issuer.did);
      expect(r.keyId).toBe(issuer.kid);
      expect(r.holderKey).toEqual({ jwk: publicJwkOf(holder) });
      expect(r.keyBinding).toBeUndefined();
      expect(r.undisclosed).toBe(2); // the two decoys
      expect(JSON.parse(JSON.stringify(r.claims))).toEqual({
        iss: issuer.did,
        iat: NOW_S - 3600,
        vct: 'NationalIdCredential',
        cnf: { jwk: publicJwkOf(holder) },
        ...PERSON,
      });
      expect(r.checks).toEqual(['dataModel', 'disclosures', 'proof', 'validity']);
      expect(r.payload._sd).toBeDefined();
      expect(r.claims._sd).toBeUndefined();
      expect(r.claims._sd_alg).toBeUndefined();
    });
  }

  it('lists exactly the disclosed claims, with JSON Pointer paths, in the order of the disclosures', async () => {
    const issuer = didKey();
    const holder = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder });
    const presented = await presentSdJwt(issuer, sdJwt, { nationality: true, address: { locality: true }, nationalities: { 1: true } });
    const r = verified(await verifyCredential(presented, { now: NOW }));
    const claims = JSON.parse(JSON.stringify(r.claims));
    expect(claims).toEqual({
      iss: issuer.did,
      iat: NOW_S - 3600,
      vct: 'NationalIdCredential',
      cnf: { jwk: publicJwkOf(holder) },
      nationality: 'BB',
      address: { country: 'BB', locality: 'Bridgetown' },
      nationalities: ['LC'],
    });
    const byPath = Object.fromEntries(r.disclosed.map((d) => [d.path, d]));
    expect(Object.keys(byPath).sort()).toEqual(['/address', '/address/locality', '/nationalities', '/nationalities/0', '/nationality']);
    expect(byPath['/nationality']).toEqual({ path: '/nationality', name: 'nationality', value: 'BB' });
    expect(byPath['/nationalities/0']).toEqual({ path: '/nationalities/0', value: 'LC' });
    expect(byPath['/address/locality']).toEqual({ path: '/address/locality', name: 'locality', value: 'Bridgetown' });
    // 9 top-level digests (7 claims, 2 decoys) less 3 disclosed, 2 of address less 1, 2 of nationalities less 1.
    expect(r.undisclosed).toBe(8);
    expect(claims.given_name).toBeUndefined();
    expect(claims.birthdate).toBeUndefined();
  });

  it('reads sha-384 and sha-512 _sd_alg', async () => {
    for (const hashAlg of ['sha-384', 'sha-512'] as const) {
      const issuer = didKey();
      const sdJwt = await issueSdJwt(issuer, { holder: didKey(), hashAlg });
      const r = verified(await verifyCredential(sdJwt, { now: NOW }));
      expect(r.payload._sd_alg).toBe(hashAlg);
      expect(r.claims.given_name).toBe('Maria');
    }
  });

  it('reads recursive disclosures (a disclosed object holding digests of its own)', async () => {
    const issuer = didKey();
    const sdJwt = await issueSdJwt(issuer, {
      holder: didKey(),
      claims: { address: { locality: 'Castries', region: { name: 'Gros Islet', code: 'GI' } } },
      frame: { _sd: ['address'], address: { _sd: ['locality', 'region'], region: { _sd: ['code'] } } },
    });
    const r = verified(await verifyCredential(sdJwt, { now: NOW }));
    expect(JSON.parse(JSON.stringify(r.claims.address))).toEqual({ locality: 'Castries', region: { name: 'Gros Islet', code: 'GI' } });
    expect(r.disclosed.map((d) => d.path).sort()).toEqual(['/address', '/address/locality', '/address/region', '/address/region/code']);
  });

  it('verifies an SD-JWT without any disclosure (all withheld) and one without _sd at all', async () => {
    const issuer = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder: didKey() });
    const bare = `${sdJwt.split('~')[0]}~`;
    const r = verified(await verifyCredential(bare, { now: NOW }));
    expect(r.disclosed).toEqual([]);
    expect(r.undisclosed).toBe(9);
    const plain = await craft(issuer, { iss: issuer.did, vct: 'X', iat: NOW_S, name: 'plain' }, []);
    const p = verified(await verifyCredential(plain, { now: NOW }));
    expect(p.claims.name).toBe('plain');
    expect(p.undisclosed).toBe(0);
    expect(p.holderKey).toBeUndefined();
  });

  it('reports sub, validFrom and validUntil', async () => {
    const issuer = didKey();
    const sdJwt = await craft(
      issuer,
      { iss: issuer.did, vct: 'X', iat: NOW_S - 10, nbf: NOW_S - 5, exp: NOW_S + 100, sub: 'did:example:maria' },
      [],
    );
    const r = verified(await verifyCredential(sdJwt, { now: NOW }));
    expect(r.subject).toBe('did:example:maria');
    expect(r.validFrom).toEqual(new Date((NOW_S - 5) * 1000));
    expect(r.validUntil).toEqual(new Date((NOW_S + 100) * 1000));
  });

  it('verifies with a did:jwk issuer and a verifier object, and in a batch next to a JWT VC', async () => {
    const issuer = didJwk();
    const sdJwt = await issueSdJwt(issuer, { holder: didKey() });
    const verifier = createVerifier({ now: NOW });
    expect((await verifier.verifyCredential(sdJwt)).verified).toBe(true);
    const other = didKey();
    const results = await verifyCredentials([sdJwt, await vcJwt(other), `${sdJwt.slice(0, 40)}x${sdJwt.slice(41)}`], { now: NOW });
    expect(results.map((r) => r.verified)).toEqual([true, true, false]);
    expect(results[0]?.format).toBe('dc+sd-jwt');
  });
});

describe('header and algorithm', () => {
  const payload = (issuer: TestKey) => ({ iss: issuer.did, vct: 'X', iat: NOW_S });

  it('refuses a typ other than dc+sd-jwt or vc+sd-jwt (UNSUPPORTED_FORMAT)', async () => {
    const issuer = didKey();
    for (const typ of ['JWT', 'vc+jwt', 'kb+jwt', 'sd-jwt', undefined]) {
      const sdJwt = await craft(issuer, payload(issuer), [], { typ });
      expect(codes(await verifyCredential(sdJwt, { now: NOW })), String(typ)).toEqual(['UNSUPPORTED_FORMAT']);
    }
    for (const typ of ['application/dc+sd-jwt', 'DC+SD-JWT']) {
      expect((await verifyCredential(await craft(issuer, payload(issuer), [], { typ }), { now: NOW })).verified, typ).toBe(true);
    }
  });

  it('reads vc+sd-jwt (the media type before 2025) unless sdJwt.acceptVcSdJwt is false', async () => {
    const issuer = didKey('P-256');
    const sdJwt = await craft(issuer, payload(issuer), [], { typ: 'vc+sd-jwt' });
    const r = verified(await verifyCredential(sdJwt, { now: NOW }));
    expect(r.mediaType).toBe('vc+sd-jwt');
    expect(r.format).toBe('dc+sd-jwt');
    expect(codes(await verifyCredential(sdJwt, { now: NOW, sdJwt: { acceptVcSdJwt: false } }))).toEqual(['UNSUPPORTED_FORMAT']);
    await expect(verifyCredential(sdJwt, { sdJwt: { acceptVcSdJwt: 'false' as never } })).rejects.toThrow(TypeError);
  });

  it('refuses alg none in the issuer-signed JWT before any key is looked up (UNSUPPORTED_ALGORITHM)', async () => {
    const issuer = didKey();
    const d = disclosure('given_name', 'Maria');
    const token = `${unsigned({ typ: 'dc+sd-jwt', kid: issuer.kid }, { ...payload(issuer), _sd: [digestOf(d)] })}~${d}~`;
    const r = await verifyCredential(token, { now: NOW });
    expect(codes(r)).toEqual(['UNSUPPORTED_ALGORITHM']);
    expect(r.checks).toEqual(['dataModel', 'proof']);
    for (const alg of ['HS256', 'RS256', 'ES384']) {
      const t = await craft(issuer, payload(issuer), [], { alg });
      expect(codes(await verifyCredential(t, { now: NOW })), alg).toEqual(['UNSUPPORTED_ALGORITHM']);
    }
  });

  it('refuses a signature by another key, and a tampered payload (SIGNATURE_INVALID)', async () => {
    const issuer = didKey();
    const mallory = didKey();
    const forged = await craft(mallory, payload(issuer), [], { kid: issuer.kid });
    expect(codes(await verifyCredential(forged, { now: NOW }))).toEqual(['SIGNATURE_INVALID']);
    const good = await craft(issuer, payload(issuer), []);
    const [h, , s] = (good.split('~')[0] as string).split('.');
    const other = Buffer.from(JSON.stringify({ ...payload(issuer), vct: 'Y' })).toString('base64url');
    expect(codes(await verifyCredential(`${h}.${other}.${s}~`, { now: NOW }))).toEqual(['SIGNATURE_INVALID']);
  });

  it('applies formats, trustedIssuers and the JSON serialization refusal', async () => {
    const issuer = didKey();
    const sdJwt = await craft(issuer, payload(issuer), []);
    expect(codes(await verifyCredential(sdJwt, { now: NOW, formats: ['vc+jwt'] }))).toEqual(['UNSUPPORTED_FORMAT']);
    expect((await verifyCredential(sdJwt, { now: NOW, formats: ['dc+sd-jwt'] })).verified).toBe(true);
    expect(codes(await verifyCredential(sdJwt, { now: NOW, trustedIssuers: [didKey().did] }))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifyCredential(sdJwt, { now: NOW, trustedIssuers: [issuer.did] })).verified).toBe(true);
    const [h, p, s] = (sdJwt.split('~')[0] as string).split('.');
    const json = { protected: h, payload: p, signature: s, header: { disclosures: [] } };
    expect(codes(await verifyCredential(json, { now: NOW }))).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('refuses an https issuer whose keys nothing anchors', async () => {
    const issuer = didKey();
    const sdJwt = await craft(issuer, { ...payload(issuer), iss: 'https://issuer.example.bb' }, []);
    expect(codes(await verifyCredential(sdJwt, { now: NOW }))).toEqual(['KEY_NOT_FOUND']);
  });
});

describe('SD-JWT VC claims', () => {
  async function check(issuer: TestKey, claims: Record<string, unknown>): Promise<string[]> {
    return codes(await verifyCredential(await craft(issuer, claims, []), { now: NOW }));
  }

  it('requires iss (a DID or https URL) and vct strings', async () => {
    const issuer = didKey();
    expect(await check(issuer, { vct: 'X' })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: 42, vct: 'X' })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: 'http://issuer.example', vct: 'X' })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: issuer.did })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: issuer.did, vct: '' })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: issuer.did, vct: ['X'] })).toEqual(['MALFORMED']);
    expect(await check(issuer, { iss: issuer.did, vct: 'X', sub: 7 })).toEqual(['MALFORMED']);
  });

  it('checks iat, nbf and exp as NumericDates, with the clock skew', async () => {
    const issuer = didKey();
    const base = { iss: issuer.did, vct: 'X' };
    expect(await check(issuer, { ...base, exp: NOW_S - 61 })).toEqual(['EXPIRED']);
    expect(await check(issuer, { ...base, exp: NOW_S - 59 })).toEqual([]);
    expect(await check(issuer, { ...base, nbf: NOW_S + 61 })).toEqual(['NOT_YET_VALID']);
    expect(await check(issuer, { ...base, iat: NOW_S + 61 })).toEqual(['NOT_YET_VALID']);
    expect(await check(issuer, { ...base, iat: NOW_S + 59 })).toEqual([]);
    for (const bad of ['2026-01-01', -1, 1e15, Number.NaN, null]) {
      expect(await check(issuer, { ...base, exp: bad }), String(bad)).toEqual(['MALFORMED']);
    }
  });

  it('reads cnf.jwk (public, allowed curve) and cnf.kid (a DID URL); anything else is HOLDER_BINDING', async () => {
    const issuer = didKey();
    const holder = didKey('P-256');
    const base = { iss: issuer.did, vct: 'X', iat: NOW_S };
    expect(await check(issuer, { ...base, cnf: { jwk: publicJwkOf(holder) } })).toEqual([]);
    expect(await check(issuer, { ...base, cnf: { kid: holder.kid } })).toEqual([]);
    const priv = holder.privateKey.export({ format: 'jwk' });
    for (const cnf of [
      'jwk',
      {},
      { jwk: priv },
      { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
      { jwk: { kty: 'EC', crv: 'P-384', x: publicJwkOf(holder).x, y: publicJwkOf(holder).y } },
      { kid: 'not a did' },
      { kid: 7 },
      { jwk: publicJwkOf(holder), kid: holder.kid },
    ]) {
      expect(await check(issuer, { ...base, cnf }), JSON.stringify(cnf)).toEqual(['HOLDER_BINDING']);
    }
  });

  it('refuses the registered claims that must be plain (iss, nbf, exp, cnf, vct, vct#integrity, status) when disclosed', async () => {
    const issuer = didKey();
    for (const [name, value] of [
      ['iss', issuer.did],
      ['nbf', NOW_S - 10],
      ['exp', NOW_S + 100],
      ['cnf', { jwk: publicJwkOf(didKey()) }],
      ['vct', 'X'],
      ['vct#integrity', 'sha256-abc'],
      ['status', { status_list: { idx: 1, uri: 'https://x.example/1' } }],
    ] as const) {
      const d = disclosure(name, value);
      const claims: Record<string, unknown> = { iss: issuer.did, vct: 'X', iat: NOW_S, _sd: [digestOf(d)] };
      delete claims[name];
      const r = await verifyCredential(await craft(issuer, claims, [d]), { now: NOW });
      expect(codes(r), name).toEqual(['DISCLOSURE_INVALID']);
    }
    // sub and iat may be disclosed.
    const sub = disclosure('sub', 'did:example:maria');
    const iat = disclosure('iat', NOW_S);
    const r = verified(
      await verifyCredential(await craft(issuer, { iss: issuer.did, vct: 'X', _sd: [digestOf(sub), digestOf(iat)] }, [sub, iat]), {
        now: NOW,
      }),
    );
    expect(r.subject).toBe('did:example:maria');
  });
});

describe('routing', () => {
  it('refuses an SD-JWT VC inside a vp+jwt presentation with a clear UNSUPPORTED_FORMAT', async () => {
    const issuer = didKey();
    const holder = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder });
    const vp = await jws(
      holder,
      { alg: 'EdDSA', typ: 'vp+jwt', kid: holder.kid },
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: [
          {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: 'EnvelopedVerifiableCredential',
            id: `data:application/dc+sd-jwt,${sdJwt}`,
          },
        ],
      },
    );
    const r = await verifyPresentation(vp, { now: NOW });
    expect(codes(r)).toEqual(['UNSUPPORTED_FORMAT']);
    expect(r.verified ? '' : r.errors[0]?.message).toMatch(/presented on its own with a key-binding JWT/);
  });

  it('reads an SD-JWT given as a data: URL of application/dc+sd-jwt', async () => {
    const issuer = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder: didKey() });
    expect((await verifyCredential(`data:application/dc+sd-jwt,${sdJwt}`, { now: NOW })).verified).toBe(true);
  });

  it('reads an SD-JWT given as a JSON string, and refuses one inside another wrapper with a clear UNSUPPORTED_FORMAT', async () => {
    const issuer = didKey();
    const holder = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder });
    expect((await verifyCredential(JSON.stringify(sdJwt), { now: NOW })).verified).toBe(true);
    const presented = await presentSdJwt(issuer, sdJwt, { nationality: true }, { holder, nonce: 'n', aud: 'a' });
    expect((await verifyPresentation(` ${JSON.stringify(presented)}\n`, { now: NOW, nonce: 'n', audience: 'a' })).verified).toBe(true);
    for (const wrapped of [`data:application/vc+jwt,${sdJwt}`, JSON.stringify(JSON.stringify(sdJwt))]) {
      const r = await verifyCredential(wrapped, { now: NOW });
      expect(codes(r), wrapped.slice(0, 30)).toEqual(['UNSUPPORTED_FORMAT']);
      expect(r.verified ? '' : r.errors[0]?.message).toMatch(/compact serialization itself/);
    }
  });

  it('refuses an oversized SD-JWT (LIMIT_EXCEEDED)', async () => {
    const issuer = didKey();
    const sdJwt = await issueSdJwt(issuer, { holder: didKey() });
    expect(codes(await verifyCredential(sdJwt, { now: NOW, limits: { maxInputLength: 200 } }))).toEqual(['LIMIT_EXCEEDED']);
  });
});
