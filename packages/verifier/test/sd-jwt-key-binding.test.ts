// SD-JWT VC presentations: the key-binding JWT (signature by the cnf key, typ, alg,
// nonce, aud, iat, sd_hash), made by @sd-jwt/sd-jwt-vc or by hand.
import { describe, expect, it } from 'vitest';
import { verifyCredential, verifyPresentation } from '../src/index.js';
import type { PresentationVerificationResult, VerifiedSdJwtPresentation } from '../src/types.js';
import { didJwk, didKey, NOW, type TestKey } from './helpers/producers.js';
import { craft, digestOf, disclosure, issueSdJwt, jws, NOW_S, presentSdJwt, publicJwkOf, unsigned, withKb } from './helpers/sd-jwt.js';

const NONCE = 'n-0S6_WzA2Mj';
const AUD = 'https://bank.example.bb';
const expected = { now: NOW, nonce: NONCE, audience: AUD };
const codes = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

function verified(r: PresentationVerificationResult): VerifiedSdJwtPresentation {
  if (!r.verified) throw new Error(`not verified: ${JSON.stringify(r.errors)}`);
  if (r.format !== 'dc+sd-jwt') throw new Error(`format ${r.format}`);
  return r;
}

/** An issued credential and a presentation of nationality only, bound to this verifier. */
async function presentation(
  issuer: TestKey,
  holder: TestKey,
  options: { byKid?: boolean; nonce?: string; aud?: string; iat?: number } = {},
) {
  const sdJwt = await issueSdJwt(issuer, { holder, byKid: options.byKid === true });
  const presented = await presentSdJwt(
    issuer,
    sdJwt,
    { nationality: true },
    { holder, nonce: options.nonce ?? NONCE, aud: options.aud ?? AUD, ...(options.iat === undefined ? {} : { iat: options.iat }) },
  );
  return { sdJwt, presented };
}

describe('SD-JWT VC presentations from @sd-jwt/sd-jwt-vc', () => {
  for (const [issuerKind, holderKind] of [
    ['Ed25519', 'Ed25519'],
    ['Ed25519', 'P-256'],
    ['P-256', 'Ed25519'],
    ['P-256', 'P-256'],
  ] as const) {
    it(`verifies a presentation with key binding by cnf.jwk (${issuerKind} issuer, ${holderKind} holder)`, async () => {
      const issuer = didKey(issuerKind);
      const holder = didKey(holderKind);
      const { presented } = await presentation(issuer, holder);
      const r = verified(await verifyPresentation(presented, expected));
      expect(r.holder).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:[A-Za-z0-9_-]{43}$/);
      expect(r.nonce).toBe(NONCE);
      expect(r.audience).toEqual([AUD]);
      expect(r.issuedAt).toEqual(NOW);
      const [credential] = r.credentials;
      expect(credential.aboutHolder).toBe(true);
      expect(credential.keyBinding).toEqual({ nonce: NONCE, audience: AUD, issuedAt: NOW });
      expect(credential.disclosed).toEqual([{ path: '/nationality', name: 'nationality', value: 'BB' }]);
      expect(credential.claims.given_name).toBeUndefined();
      expect(r.checks).toEqual(['dataModel', 'disclosures', 'proof', 'validity', 'keyBinding', 'nonce', 'audience']);
    });
  }

  it('names the holder by the RFC 7638 thumbprint of cnf.jwk', async () => {
    const holder = didKey();
    const { presented } = await presentation(didKey(), holder);
    const r = verified(await verifyPresentation(presented, expected));
    const { createHash } = await import('node:crypto');
    const { crv, kty, x } = publicJwkOf(holder);
    const tp = createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
    expect(r.holder).toBe(`urn:ietf:params:oauth:jwk-thumbprint:sha-256:${tp}`);
  });

  it('verifies key binding by cnf.kid through did:jwk and did:key (authentication)', async () => {
    for (const holder of [didJwk(), didKey(), didKey('P-256')]) {
      const { presented } = await presentation(didKey(), holder, { byKid: true });
      const r = verified(await verifyPresentation(presented, expected));
      expect(r.holder).toBe(holder.kid);
      expect(r.keyId).toBe(holder.kid);
      expect(r.credentials[0].holderKey).toEqual({ kid: holder.kid });
    }
  });

  it('verifyCredential checks an attached key-binding JWT but only reports its nonce and audience', async () => {
    const { presented } = await presentation(didKey(), didKey(), { nonce: 'other', aud: 'https://elsewhere.example' });
    const r = await verifyCredential(presented, { now: NOW });
    expect(r.verified).toBe(true);
    if (r.verified && r.format === 'dc+sd-jwt') {
      expect(r.keyBinding).toEqual({ nonce: 'other', audience: 'https://elsewhere.example', issuedAt: NOW });
      expect(r.checks).toContain('keyBinding');
    }
  });
});

describe('key-binding failures', () => {
  const issuer = didKey();
  const holder = didKey();

  /** A hand-made credential bound to `holder` by cnf.jwk, with one disclosure, ready for a KB-JWT. */
  async function bound(cnf: Record<string, unknown> = { jwk: publicJwkOf(holder) }) {
    const d = disclosure('nationality', 'BB');
    return craft(issuer, { iss: issuer.did, vct: 'X', iat: NOW_S - 60, cnf, _sd: [digestOf(d)] }, [d]);
  }

  it('requires a key-binding JWT in verifyPresentation (HOLDER_BINDING)', async () => {
    const { sdJwt } = await presentation(issuer, holder);
    const r = await verifyPresentation(sdJwt, expected);
    expect(codes(r)).toEqual(['HOLDER_BINDING']);
    expect(r.checks).toContain('keyBinding');
  });

  it('refuses a key-binding JWT signed by another key (HOLDER_BINDING)', async () => {
    const presented = await withKb(await bound(), didKey());
    expect(codes(await verifyPresentation(presented, expected))).toEqual(['HOLDER_BINDING']);
    expect(codes(await verifyCredential(presented, { now: NOW }))).toEqual(['HOLDER_BINDING']);
    // A P-256 key-binding JWT for an Ed25519 cnf key.
    expect(codes(await verifyPresentation(await withKb(await bound(), didKey('P-256')), expected))).toEqual(['HOLDER_BINDING']);
    // By cnf.kid: signed by someone else than the DID named.
    const byKid = await bound({ kid: holder.kid });
    expect(codes(await verifyPresentation(await withKb(byKid, didKey()), expected))).toEqual(['HOLDER_BINDING']);
    expect((await verifyPresentation(await withKb(byKid, holder), expected)).verified).toBe(true);
  });

  it('refuses a key-binding JWT from a presentation of another credential (dropped and replaced binding)', async () => {
    const a = await presentation(issuer, holder);
    const b = await presentation(issuer, holder);
    const kbOfA = a.presented.slice(a.presented.lastIndexOf('~') + 1);
    const bWithoutKb = b.presented.slice(0, b.presented.lastIndexOf('~') + 1);
    expect(codes(await verifyPresentation(`${bWithoutKb}${kbOfA}`, expected))).toEqual(['HOLDER_BINDING']);
  });

  it('refuses a credential without cnf presented with a key-binding JWT', async () => {
    const d = disclosure('nationality', 'BB');
    const unbound = await craft(issuer, { iss: issuer.did, vct: 'X', iat: NOW_S, _sd: [digestOf(d)] }, [d]);
    expect(codes(await verifyPresentation(await withKb(unbound, holder), expected))).toEqual(['HOLDER_BINDING']);
  });

  it('refuses an sd_hash over other disclosures (a disclosure added or dropped after signing)', async () => {
    const d1 = disclosure('nationality', 'BB');
    const d2 = disclosure('given_name', 'Maria');
    const full = await craft(
      issuer,
      { iss: issuer.did, vct: 'X', iat: NOW_S, cnf: { jwk: publicJwkOf(holder) }, _sd: [digestOf(d1), digestOf(d2)] },
      [d1, d2],
    );
    const jwt = full.split('~')[0];
    const onlyD1 = `${jwt}~${d1}~`;
    const kbOverFull = (await withKb(full, holder)).slice(full.length);
    // The KB-JWT signed over both disclosures, presented with one of them.
    expect(codes(await verifyPresentation(`${onlyD1}${kbOverFull}`, expected))).toEqual(['HOLDER_BINDING']);
    // And the reverse: signed over one, presented with both.
    const kbOverD1 = (await withKb(onlyD1, holder)).slice(onlyD1.length);
    expect(codes(await verifyPresentation(`${full}${kbOverD1}`, expected))).toEqual(['HOLDER_BINDING']);
    expect((await verifyPresentation(`${onlyD1}${kbOverD1}`, expected)).verified).toBe(true);
    // sd_hash with another hash than _sd_alg.
    expect(codes(await verifyPresentation(await withKb(onlyD1, holder, {}, {}, 'sha384'), expected))).toEqual(['HOLDER_BINDING']);
  });

  it('refuses a replay to another verifier or with another nonce (AUDIENCE_MISMATCH, NONCE_MISMATCH)', async () => {
    const { presented } = await presentation(issuer, holder);
    expect(codes(await verifyPresentation(presented, { ...expected, nonce: 'a-fresh-nonce' }))).toEqual(['NONCE_MISMATCH']);
    expect(codes(await verifyPresentation(presented, { ...expected, audience: 'https://shop.example.lc' }))).toEqual(['AUDIENCE_MISMATCH']);
    const r = await verifyPresentation(presented, { now: NOW, nonce: 'x', audience: 'y' });
    expect(codes(r).sort()).toEqual(['AUDIENCE_MISMATCH', 'NONCE_MISMATCH']);
  });

  it('refuses a stale key-binding JWT (older than keyBindingMaxAgeSeconds) and one from the future', async () => {
    const sdJwt = await bound();
    const stale = await withKb(sdJwt, holder, { iat: NOW_S - 300 - 61 });
    expect(codes(await verifyPresentation(stale, expected))).toEqual(['HOLDER_BINDING']);
    expect((await verifyPresentation(stale, { ...expected, sdJwt: { keyBindingMaxAgeSeconds: 600 } })).verified).toBe(true);
    expect((await verifyPresentation(await withKb(sdJwt, holder, { iat: NOW_S - 300 }), expected)).verified).toBe(true);
    const future = await withKb(sdJwt, holder, { iat: NOW_S + 61 });
    const r = await verifyPresentation(future, expected);
    expect(codes(r)).toEqual(['HOLDER_BINDING']);
    expect(r.verified ? '' : r.errors[0]?.message).toMatch(/future/);
    await expect(verifyPresentation(stale, { ...expected, sdJwt: { keyBindingMaxAgeSeconds: -1 } })).rejects.toThrow(TypeError);
  });

  it('refuses a key-binding JWT without typ kb+jwt, or without nonce, aud, iat or sd_hash strings', async () => {
    const sdJwt = await bound();
    for (const typ of ['JWT', 'dc+sd-jwt', undefined, 'kb+jwt+x', 42]) {
      expect(codes(await verifyPresentation(await withKb(sdJwt, holder, {}, { typ }), expected)), String(typ)).toEqual(['HOLDER_BINDING']);
    }
    for (const typ of ['KB+JWT', 'application/kb+jwt']) {
      expect((await verifyPresentation(await withKb(sdJwt, holder, {}, { typ }), expected)).verified, typ).toBe(true);
    }
    for (const payload of [
      { nonce: 42 },
      { aud: [AUD] },
      { iat: '2026-06-01' },
      { iat: undefined },
      { sd_hash: undefined },
      { nonce: undefined },
    ]) {
      expect(codes(await verifyPresentation(await withKb(sdJwt, holder, payload), expected)), JSON.stringify(payload)).toEqual([
        'HOLDER_BINDING',
      ]);
    }
  });

  it('refuses alg none in the key-binding JWT (UNSUPPORTED_ALGORITHM), and a KB-JWT that is not a JWS', async () => {
    const sdJwt = await bound();
    const kb = unsigned({ typ: 'kb+jwt' }, { nonce: NONCE, aud: AUD, iat: NOW_S, sd_hash: digestOf(sdJwt) });
    expect(codes(await verifyPresentation(`${sdJwt}${kb}`, expected))).toEqual(['UNSUPPORTED_ALGORITHM']);
    const hs = await jws(holder, { alg: 'HS256', typ: 'kb+jwt' }, { nonce: NONCE, aud: AUD, iat: NOW_S, sd_hash: digestOf(sdJwt) });
    expect(codes(await verifyPresentation(`${sdJwt}${hs}`, expected))).toEqual(['UNSUPPORTED_ALGORITHM']);
    expect(codes(await verifyPresentation(`${sdJwt}abc.def`, expected))).toEqual(['HOLDER_BINDING']);
  });

  it('resolves cnf.kid only once the issuer signature holds (a forged credential makes no DID fetch)', async () => {
    const fetched: string[] = [];
    const didResolver = {
      didWebFetcher: async (url: string) => {
        fetched.push(url);
        throw new Error('offline');
      },
    };
    const d = disclosure('nationality', 'BB');
    const claims = { iss: issuer.did, vct: 'X', iat: NOW_S, cnf: { kid: 'did:web:wallet.example.bb#key-1' }, _sd: [digestOf(d)] };
    const forged = await craft(didKey(), claims, [d], { kid: issuer.kid });
    expect(codes(await verifyPresentation(await withKb(forged, holder), { ...expected, didResolver }))).toEqual(['SIGNATURE_INVALID']);
    expect(fetched).toEqual([]);
    const genuine = await craft(issuer, claims, [d]);
    expect(codes(await verifyPresentation(await withKb(genuine, holder), { ...expected, didResolver }))).toEqual(['HOLDER_BINDING']);
    expect(fetched).toEqual(['https://wallet.example.bb/.well-known/did.json']);
  });

  it('reports the credential failure when the key binding fails too (nothing left unhandled)', async () => {
    const d = disclosure('nationality', 'BB');
    const expired = await craft(
      issuer,
      { iss: issuer.did, vct: 'X', exp: NOW_S - 3600, cnf: { jwk: publicJwkOf(holder) }, _sd: [digestOf(d)] },
      [d],
    );
    expect(codes(await verifyPresentation(await withKb(expired, didKey()), expected))).toEqual(['EXPIRED']);
    const forged = await craft(didKey(), { iss: issuer.did, vct: 'X', cnf: { jwk: publicJwkOf(holder) }, _sd: [digestOf(d)] }, [d], {
      kid: issuer.kid,
    });
    expect(codes(await verifyPresentation(await withKb(forged, didKey()), expected))).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses a cnf.kid that does not resolve (HOLDER_BINDING)', async () => {
    const sdJwt = await bound({ kid: 'did:web:wallet.example#key-1' });
    expect(codes(await verifyPresentation(await withKb(sdJwt, holder), expected))).toEqual(['HOLDER_BINDING']);
  });
});
