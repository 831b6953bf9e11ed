// The key an SD-JWT VC's issuer signed with: from its DID (kid), from a recognition
// list entry for an https issuer (keys), or from an `x5c` certificate chain, which is
// trusted only when a recognition list or the caller anchors it, never on its own (the
// chain rules: crypto/x509-chain.ts, reached through the X.509 backend of the Node build).

import {
  checkSignatureEncoding,
  curveOf,
  isAllowedAlgorithm,
  isDataIntegrityOnlyJwk,
  isHttpsIssuer,
  type ParsedJws,
  type PublicJwk,
  type RecognizedKey,
  type ResolvedKey,
  TradewindError,
  toPublicJwk,
} from '@tradewind/core';
import { fail, type VerifyContext } from '../context.js';
import type { RecognitionState } from '../recognition/load-lists.js';
import { dataIntegrityKeyKind, thumbprintOf, verifySigningKey } from '../signature.js';

/** Most certificates read from an `x5c` header (leaf, intermediates, maybe the root). */
export const MAX_X5C_CERTIFICATES = 10;

/** How the issuer's key was found: its DID document, a recognition list's keys, or an anchored `x5c` chain. */
export type IssuerKeySource = 'did' | 'list' | 'x5c';

export interface IssuerKey {
  key: ResolvedKey;
  /** The DID URL, the list key's kid, or `x5c#<base64url SHA-256 of the leaf certificate>`. */
  keyId: string;
  via: IssuerKeySource;
  /** RFC 7638 thumbprint of the key, when it was computed here (list and x5c keys). */
  thumbprint?: string;
}

/**
 * Verifies the issuer-signed JWT of an SD-JWT VC (or a status list token of its issuer)
 * and returns the key that signed. `iss` a DID: the header `kid` resolved as for JWT
 * VCs (assertionMethod). `iss` an https URL: the keys a recognition list entry for that
 * URL carries (nothing is fetched). An `x5c` header: the leaf's key, when the recognition
 * list entry for `iss` pins the leaf or lists its key, or when a CA the entry pins or a
 * caller's trusted certificate anchors the chain and the leaf's subjectAltName names
 * `iss`. Throws `TradewindError` (MALFORMED, UNSUPPORTED_ALGORITHM,
 * UNSUPPORTED_FORMAT, KEY_NOT_FOUND, UNTRUSTED_ISSUER, SIGNATURE_INVALID, ...).
 *
 * @example
 * ```ts
 * const { keyId, via } = await verifySdJwtIssuerSignature(ctx, parseCompactJws(jwt), payload.iss, state, false);
 * ```
 */
export async function verifySdJwtIssuerSignature(
  ctx: VerifyContext,
  parsed: ParsedJws,
  issuer: string,
  recognition: RecognitionState | undefined,
  parallel: boolean,
): Promise<IssuerKey> {
  const { alg } = parsed.header;
  if (!isAllowedAlgorithm(alg)) {
    fail('UNSUPPORTED_ALGORITHM', `algorithm ${JSON.stringify(alg)} is not allowed (EdDSA, Ed25519, ES256 are)`, '/header/alg');
  }
  const isDid = typeof issuer === 'string' && issuer.startsWith('did:');
  if (!isDid && !isHttpsIssuer(issuer)) {
    // Compared as strings with list entries and certificate names: one spelling only.
    fail(
      'MALFORMED',
      'iss must be a DID or an https URL as a URL parser writes it (lower-case host, no default port, no dot segments)',
      '/payload/iss',
    );
  }
  const viaDid = async (): Promise<IssuerKey> => {
    const key = await verifySigningKey(ctx, parsed, issuer, 'assertionMethod', parallel, recognition?.resolver ?? ctx.resolver);
    return { key, keyId: key.id, via: 'did' };
  };
  if (parsed.header.x5c !== undefined) {
    const x509 = ctx.backend.x509;
    if (!x509) {
      // A DID issuer's own key needs no certificate; an https issuer's x5c cannot be checked here.
      if (isDid) return viaDid();
      fail('UNSUPPORTED_FORMAT', 'x5c chains are verified in the Node build only', '/header/x5c');
    }
    const viaX5c = await x509.anchoredKey(ctx, parsed, issuer, recognition, parallel);
    if (viaX5c) return viaX5c;
    // Not anchored: never the bare leaf. A DID issuer's kid may still name its own key.
    if (isDid) {
      try {
        return await viaDid();
      } catch (e) {
        if (!(e instanceof TradewindError) || (e.code !== 'KEY_NOT_FOUND' && e.code !== 'DID_UNRESOLVABLE')) throw e;
        throw new TradewindError('UNTRUSTED_ISSUER', `${NOT_ANCHORED}, and the DID gives no key: ${e.message}`, {
          path: '/header/x5c',
          cause: e,
        });
      }
    }
    return fail('UNTRUSTED_ISSUER', NOT_ANCHORED, '/header/x5c');
  }
  if (isDid) return viaDid();
  return listKey(ctx, parsed, issuer, recognition, parallel);
}

const NOT_ANCHORED = 'x5c certificate chain is not anchored by a recognition list or trusted certificate';

/** An https issuer's key from the recognition list entries for its URL: the header's kid, or the only key. */
async function listKey(
  ctx: VerifyContext,
  parsed: ParsedJws,
  issuer: string,
  recognition: RecognitionState | undefined,
  parallel: boolean,
): Promise<IssuerKey> {
  const listed = recognition ? listedKeys(recognition, issuer) : [];
  if (listed.length === 0) {
    fail('KEY_NOT_FOUND', `no keys for https issuer ${issuer.slice(0, 200)} (a recognition list must list them)`, '/payload/iss');
  }
  const { kid } = parsed.header;
  if (kid !== undefined && typeof kid !== 'string') fail('MALFORMED', 'kid is not a string', '/header/kid');
  let candidates: RecognizedKey[];
  if (kid === undefined) {
    const kids = new Set(listed.map((k) => k.kid));
    if (kids.size !== 1) {
      fail('KEY_NOT_FOUND', `the header names no kid and ${issuer.slice(0, 200)} has ${kids.size} keys listed`, '/header/kid');
    }
    candidates = listed;
  } else {
    candidates = listed.filter((k) => k.kid === kid);
    if (candidates.length === 0) {
      fail('KEY_NOT_FOUND', `kid ${kid.slice(0, 200)} is not a listed key of ${issuer.slice(0, 200)}`, '/header/kid');
    }
  }
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  const jose = candidates.filter((k): k is RecognizedKey & PublicJwk => !isDataIntegrityOnlyJwk(k));
  if (jose.length === 0) {
    const first = candidates[0] as RecognizedKey;
    fail(
      'UNSUPPORTED_ALGORITHM',
      `the listed key ${first.kid.slice(0, 200)} is ${dataIntegrityKeyKind(first as unknown as Record<string, unknown>)} key, which verifies Data Integrity proofs only, not ${alg} JWS`,
      '/header/kid',
    );
  }
  const usable = jose.filter((k) => k.crv === curveOf(alg));
  if (usable.length === 0) {
    fail('SIGNATURE_INVALID', `the listed key ${(kid ?? listed[0]?.kid ?? '').slice(0, 200)} cannot verify ${alg}`, '/header/alg');
  }
  // Keys that share a kid (a rotated key that kept it) are each tried; the one that verifies is judged.
  for (const listedKey of usable) {
    const key = resolvedKeyOf(listedKey.kid, issuer, listedKey);
    if (await verifies(ctx, parsed, key, parallel)) {
      const thumbprint = await thumbprintOf(key);
      refuseRevoked(recognition, issuer, key.id, thumbprint);
      return { key, keyId: key.id, via: 'list', thumbprint };
    }
  }
  return fail('SIGNATURE_INVALID', `signature does not verify with ${kid ?? 'the listed key'} of ${issuer.slice(0, 200)}`, '/signature');
}

// Listed keys per issuer, read once per set of recognition lists.
const keyIndex = new WeakMap<RecognitionState, Map<string, RecognizedKey[]>>();

/** Every key the lists in use carry for `issuer` (revoked ones too: refused by thumbprint, with a clear message). */
function listedKeys(state: RecognitionState, issuer: string): RecognizedKey[] {
  let index = keyIndex.get(state);
  if (!index) {
    index = new Map();
    for (const list of state.lists) {
      for (const entry of list.entries) {
        if (!entry.keys || entry.id.startsWith('did:')) continue;
        const found = index.get(entry.id) ?? [];
        found.push(...entry.keys);
        index.set(entry.id, found);
      }
    }
    keyIndex.set(state, index);
  }
  return index.get(issuer) ?? [];
}

/**
 * A key a recognition list marks revoked never verifies, whichever way it was found; nor
 * does any key of an issuer whose whole entry (with no keys listed) is revoked.
 */
export function refuseRevoked(recognition: RecognitionState | undefined, issuer: string, keyId: string, thumbprint: string): void {
  if (recognition?.revokedDids.has(issuer)) {
    fail('UNTRUSTED_ISSUER', `the keys of ${issuer.slice(0, 200)} are revoked by a recognition list`, '/payload/iss');
  }
  if (recognition?.revokedKeys.has(thumbprint)) {
    fail('UNTRUSTED_ISSUER', `key ${keyId} (JWK thumbprint ${thumbprint}) is revoked by a recognition list`, '/header/kid');
  }
}

// One ResolvedKey object per key (the verifier caches imported keys by that object).
const resolvedKeys = new Map<string, ResolvedKey>();

export function resolvedKeyOf(id: string, controller: string, jwk: PublicJwk): ResolvedKey {
  const canonical = toPublicJwk(jwk, `key ${id.slice(0, 200)}`);
  const cacheKey = JSON.stringify([id, controller, canonical.x, canonical.y ?? '']);
  let key = resolvedKeys.get(cacheKey);
  if (!key) {
    if (resolvedKeys.size >= 1024) resolvedKeys.delete(resolvedKeys.keys().next().value as string);
    key = { id, controller, jwk: canonical };
    resolvedKeys.set(cacheKey, key);
  }
  return key;
}

export async function verifies(ctx: VerifyContext, parsed: ParsedJws, resolved: ResolvedKey, parallel: boolean): Promise<boolean> {
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  // As for DID keys: high-S ECDSA and Ed25519 S >= L are refused before the platform sees them.
  const encoding = checkSignatureEncoding(alg, parsed.signature, ctx.allowHighS ? { allowHighS: true } : undefined);
  if (encoding) await encoding;
  let key = ctx.keys.get(resolved);
  if (key === undefined) {
    try {
      key = await ctx.backend.importKey(resolved.jwk);
    } catch (e) {
      throw new TradewindError('KEY_NOT_FOUND', `${resolved.id.slice(0, 200)} is not a usable public key`, { cause: e });
    }
    ctx.keys.set(resolved, key);
  }
  return parallel
    ? ctx.backend.verifyInParallel(alg, key, parsed.signingInput, parsed.signature)
    : ctx.backend.verify(alg, key, parsed.signingInput, parsed.signature);
}
