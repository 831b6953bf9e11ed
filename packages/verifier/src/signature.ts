import {
  checkSignatureEncoding,
  curveOf,
  isAllowedAlgorithm,
  jwkThumbprint,
  type ParsedJws,
  type ResolvedKey,
  TradewindError,
  type VerificationRelationship,
} from '@tradewind/core';
import { fail, type VerifyContext } from './context.js';

/**
 * Checks the JOSE header's algorithm against the allow-list. Runs before any key is
 * looked up, so `none`, HMAC and unknown algorithms never reach key resolution.
 */
export function checkAlgorithm(parsed: ParsedJws): void {
  const { alg, crit, b64 } = parsed.header;
  if (alg === undefined) fail('MALFORMED', 'JOSE header has no alg (RFC 7515 §4.1.1 requires one)', '/header/alg');
  if (!isAllowedAlgorithm(alg)) {
    fail('UNSUPPORTED_ALGORITHM', `algorithm ${JSON.stringify(alg)} is not allowed (EdDSA, Ed25519, ES256 are)`, '/header/alg');
  }
  // RFC 7515 §4.1.11: a recipient must reject critical extensions it does not understand.
  if (crit !== undefined) fail('MALFORMED', 'critical header extensions are not supported', '/header/crit');
  // RFC 7797: b64 false signs the raw payload, another signing input than the one checked
  // here. Without crit a verifier that knows RFC 7797 and one that does not would read
  // the same token differently, so it is refused rather than ignored.
  if (b64 !== undefined && b64 !== true)
    fail('MALFORMED', 'unencoded payloads (b64 other than true, RFC 7797) are not supported', '/header/b64');
  if (parsed.header.kid !== undefined && typeof parsed.header.kid !== 'string') fail('MALFORMED', 'kid is not a string', '/header/kid');
}

/**
 * Verifies a JWS signature with a key of `did` authorised for `relationship`, as named
 * by the header's kid. Returns the verification method id. Throws `TradewindError`.
 */
export async function verifySignature(
  ctx: VerifyContext,
  parsed: ParsedJws,
  did: string,
  relationship: VerificationRelationship,
  parallel: boolean,
  resolver = ctx.resolver,
): Promise<string> {
  return (await verifySigningKey(ctx, parsed, did, relationship, parallel, resolver)).id;
}

/** {@link verifySignature}, returning the key that verified (its material identifies it). */
export async function verifySigningKey(
  ctx: VerifyContext,
  parsed: ParsedJws,
  did: string,
  relationship: VerificationRelationship,
  parallel: boolean,
  resolver = ctx.resolver,
): Promise<ResolvedKey> {
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  // Before any key is looked up, and the same for every crypto backend: platform
  // verifiers accept high-S ECDSA, and not all of them check Ed25519's S < L.
  const encoding = checkSignatureEncoding(alg, parsed.signature, ctx.allowHighS ? { allowHighS: true } : undefined);
  if (encoding) await encoding;
  // Some producers put the bare DID in kid; it names no one key, as if kid were absent.
  const kid = parsed.header.kid === did ? undefined : (parsed.header.kid as string | undefined);
  const crv = curveOf(alg);
  let candidates: ResolvedKey[];
  if (kid === undefined) {
    // Producers such as did-jwt omit kid: any authorised key of the right curve may have signed.
    candidates = (await resolver.keysFor(did, relationship)).filter((k) => k.jwk.crv === crv);
    if (candidates.length === 0) {
      // No usable key at all (an X25519 key agreement did:key, say): the resolver says why.
      if ((await resolver.keysFor(did, relationship)).length === 0) await resolver.keyFor(did, undefined, relationship);
      fail('KEY_NOT_FOUND', `${did.slice(0, 120)} has no ${crv} key authorised for ${relationship}`, '/header/kid');
    }
  } else {
    const key = await resolver.keyFor(did, kid, relationship);
    // Keys a recognition list carries may share a kid (a rotated key that kept its
    // predecessor's id): try each; the caller judges the one that verified by its material.
    const keys = await resolver.keysFor(did, relationship);
    candidates = (keys.length === 1 ? [key] : keys.filter((k) => k.id === key.id)).filter((k) => k.jwk.crv === crv);
    if (candidates.length === 0) {
      fail('SIGNATURE_INVALID', `${key.id} is a ${key.jwk.crv} key and cannot verify ${alg}`, '/header/alg');
    }
  }
  for (const candidate of candidates) {
    const key = await importedKey(ctx, candidate);
    const ok = parallel
      ? await ctx.backend.verifyInParallel(alg, key, parsed.signingInput, parsed.signature)
      : await ctx.backend.verify(alg, key, parsed.signingInput, parsed.signature);
    if (ok) return candidate;
  }
  return fail('SIGNATURE_INVALID', `signature does not verify with ${kid ?? `any ${crv} key of ${did}`}`, '/signature');
}

async function importedKey(ctx: VerifyContext, resolved: ResolvedKey): Promise<unknown> {
  let key = ctx.keys.get(resolved);
  if (key === undefined) {
    try {
      key = await ctx.backend.importKey(resolved.jwk);
    } catch (e) {
      throw new TradewindError('KEY_NOT_FOUND', `${resolved.id} is not a usable public key`, { cause: e });
    }
    ctx.keys.set(resolved, key);
  }
  return key;
}

// Thumbprints of resolved keys, computed once per key object (resolvers cache those).
const thumbprints = new WeakMap<ResolvedKey, Promise<string>>();
export function thumbprintOf(key: ResolvedKey): Promise<string> {
  let t = thumbprints.get(key);
  if (!t) {
    t = jwkThumbprint(key.jwk);
    thumbprints.set(key, t);
  }
  return t;
}
