import {
  checkSignatureEncoding,
  curveOf,
  type DidKeyResolver,
  isAllowedAlgorithm,
  isDataIntegrityOnlyJwk,
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
      if ((await resolver.keysFor(did, relationship)).length === 0) {
        await refuseDataIntegrityOnly(resolver, did, undefined, relationship, alg);
        await resolver.keyFor(did, undefined, relationship);
      }
      fail('KEY_NOT_FOUND', `${did.slice(0, 120)} has no ${crv} key authorised for ${relationship}`, '/header/kid');
    }
  } else {
    const key = await resolver.keyFor(did, kid, relationship).catch(async (e: unknown) => {
      if (e instanceof TradewindError && e.code === 'KEY_NOT_FOUND') await refuseDataIntegrityOnly(resolver, did, kid, relationship, alg);
      throw e;
    });
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

/**
 * A JWS that names a key only Data Integrity proofs verify with (RSA, secp256k1, P-384:
 * a recognition list may carry such keys for a did:web issuer, and did:web documents
 * hold them) is UNSUPPORTED_ALGORITHM, not a missing key: the key is there, but JOSE
 * verification here takes EdDSA, Ed25519 and ES256 only. Without a kid, when every key
 * for the relationship is such a key.
 */
async function refuseDataIntegrityOnly(
  resolver: DidKeyResolver,
  did: string,
  kid: string | undefined,
  relationship: VerificationRelationship,
  alg: string,
): Promise<void> {
  let doc: Record<string, unknown>;
  try {
    doc = (await resolver.resolve(did)) as unknown as Record<string, unknown>;
  } catch {
    return;
  }
  const absolute = (id: string) => (id.startsWith('#') ? did + id : id);
  const methods = new Map<string, Record<string, unknown>>();
  const listed = (value: unknown): unknown[] => (Array.isArray(value) ? value.slice(0, 256) : []);
  for (const vm of listed(doc.verificationMethod)) {
    if (vm && typeof vm === 'object' && typeof (vm as { id?: unknown }).id === 'string') {
      methods.set(absolute((vm as { id: string }).id), vm as Record<string, unknown>);
    }
  }
  const authorised = listed(doc[relationship]).flatMap((ref) => {
    const vm = typeof ref === 'string' ? methods.get(absolute(ref)) : ref;
    return vm && typeof vm === 'object' && typeof (vm as { id?: unknown }).id === 'string' ? [vm as Record<string, unknown>] : [];
  });
  const id = kid === undefined ? undefined : absolute(kid);
  const named = id === undefined ? authorised : authorised.filter((vm) => absolute(vm.id as string) === id);
  if (named.length === 0 || !named.every((vm) => dataIntegrityKeyKind(vm) !== undefined)) return;
  const kind = dataIntegrityKeyKind(named[0] as Record<string, unknown>) as string;
  fail(
    'UNSUPPORTED_ALGORITHM',
    `${id ?? did} is ${kind} key, which verifies Data Integrity proofs only, not ${alg} JWS (EdDSA, Ed25519, ES256)`,
    '/header/kid',
  );
}

/**
 * `an RSA`, `a secp256k1` or `a P-384` for a key (a JWK, or a verification method holding
 * one or of a type that holds only such keys) that only Data Integrity proofs verify with.
 */
export function dataIntegrityKeyKind(key: Record<string, unknown>): string | undefined {
  const jwk = (key.publicKeyJwk && typeof key.publicKeyJwk === 'object' ? key.publicKeyJwk : key) as { kty?: unknown; crv?: unknown };
  if (key.type === 'RsaVerificationKey2018' || jwk.kty === 'RSA') return 'an RSA';
  if (key.type === 'EcdsaSecp256k1VerificationKey2019') return 'a secp256k1';
  return isDataIntegrityOnlyJwk(jwk) ? `a ${String(jwk.crv)}` : undefined;
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
