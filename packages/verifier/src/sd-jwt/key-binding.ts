// The holder's side of an SD-JWT VC: the `cnf` claim that names the holder's key, and the
// key-binding JWT (`kb+jwt`) signed with it over the presentation (RFC 9901 §4.3, §7.3).

import {
  checkSignatureEncoding,
  curveOf,
  isJsonObject,
  type JsonObject,
  jwkThumbprintInput,
  type ParsedJws,
  type PublicJwk,
  parseCompactJws,
  TradewindError,
  toPublicJwk,
} from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from '../context.js';
import type { CryptoBackend, DigestAlgorithm } from '../crypto/backend.js';
import { checkAlgorithm, verifySigningKey } from '../signature.js';
import type { KeyBinding } from '../types.js';
import { parseNumericDate } from '../validity.js';
import { hashOf } from './process.js';

/** The holder's key as `cnf` binds it: a public JWK, or a DID URL resolved offline. */
export interface HolderKey {
  jwk?: PublicJwk;
  kid?: string;
}

/** Default oldest key-binding JWT accepted, by its `iat`, in seconds. */
export const DEFAULT_KEY_BINDING_MAX_AGE_SECONDS = 300;

/**
 * Reads `cnf` (RFC 7800): an object with a public `jwk` of an allowed curve, or a `kid`
 * that is a DID or DID URL. Undefined without `cnf`; HOLDER_BINDING for anything else.
 */
export function holderKeyOf(cnf: unknown): HolderKey | undefined {
  if (cnf === undefined) return undefined;
  if (!isJsonObject(cnf)) fail('HOLDER_BINDING', 'cnf is not an object', '/payload/cnf');
  if (cnf.jwk !== undefined) {
    if (cnf.kid !== undefined) fail('HOLDER_BINDING', 'cnf names the holder key twice (jwk and kid)', '/payload/cnf');
    try {
      return { jwk: toPublicJwk(cnf.jwk, 'cnf.jwk') };
    } catch (e) {
      return fail('HOLDER_BINDING', e instanceof TradewindError ? e.message : 'cnf.jwk is not a usable public key', '/payload/cnf/jwk');
    }
  }
  if (cnf.kid !== undefined) {
    const kid = cnf.kid;
    if (typeof kid !== 'string' || !/^did:[a-z0-9]+:[^#\s]+(#[^\s]*)?$/.test(kid) || kid.length > 4096) {
      fail('HOLDER_BINDING', 'cnf.kid is not a DID URL (a holder key named by a DID is resolved offline)', '/payload/cnf/kid');
    }
    return { kid };
  }
  return fail('HOLDER_BINDING', 'cnf has neither jwk nor kid: no holder key is bound', '/payload/cnf');
}

/** A verified key-binding JWT and the key that signed it. */
export interface CheckedKeyBinding {
  keyBinding: KeyBinding;
  /** The verification method id (cnf.kid), or undefined for cnf.jwk. */
  keyId: string | undefined;
  header: JsonObject;
  payload: JsonObject;
}

/**
 * Verifies a key-binding JWT: `typ` kb+jwt, an allowed `alg`, the signature by the
 * `cnf` key, `iat` within `maxAgeSeconds` and not in the future, `nonce` and `aud`
 * strings, and `sd_hash` over `presented` (the SD-JWT up to its last `~`) with the
 * SD-JWT's own hash. The expected nonce and audience are the caller's to compare.
 * Throws HOLDER_BINDING (UNSUPPORTED_ALGORITHM for a refused `alg`, MALFORMED for
 * an unparsable JWT, KEY_NOT_FOUND or DID_UNRESOLVABLE for a `cnf.kid` that does not
 * resolve).
 */
export async function checkKeyBinding(
  ctx: VerifyContext,
  token: string,
  holder: HolderKey | undefined,
  presented: string,
  sdAlg: DigestAlgorithm,
  maxAgeSeconds: number,
  parallel: boolean,
): Promise<CheckedKeyBinding> {
  let parsed: ParsedJws;
  try {
    parsed = parseCompactJws(token, { maxLength: ctx.limits.maxInputLength, maxDepth: ctx.limits.maxDepth });
  } catch (e) {
    throw relocated(e, '/kb', 'HOLDER_BINDING');
  }
  try {
    checkAlgorithm(parsed);
  } catch (e) {
    // A refused algorithm keeps its own code, as in the issuer-signed JWT.
    throw relocated(e, '/kb', e instanceof TradewindError && e.code === 'UNSUPPORTED_ALGORITHM' ? undefined : 'HOLDER_BINDING');
  }
  const { header, payload } = parsed;
  // A media type, so compared case-insensitively, `application/` tolerated (as for the issuer's JWT).
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (typ !== 'kb+jwt') {
    fail('HOLDER_BINDING', `key-binding JWT typ is ${JSON.stringify(header.typ)?.slice(0, 60) ?? 'absent'}, not kb+jwt`, '/kb/header/typ');
  }
  if (!holder) fail('HOLDER_BINDING', 'a key-binding JWT is presented but the credential binds no key (no cnf)', '/payload/cnf');
  const keyId = await verifyHolderSignature(ctx, parsed, holder, parallel);

  let iat: Date | undefined;
  try {
    iat = parseNumericDate(payload.iat, '/kb/payload/iat');
  } catch (e) {
    throw relocated(e, '', 'HOLDER_BINDING');
  }
  if (!iat) fail('HOLDER_BINDING', 'key-binding JWT has no iat', '/kb/payload/iat');
  const now = nowOf(ctx);
  if (iat.getTime() > now + ctx.skewMs) {
    fail('HOLDER_BINDING', `key-binding JWT claims to be made at ${iat.toISOString()}, in the future`, '/kb/payload/iat');
  }
  if (now - iat.getTime() > maxAgeSeconds * 1000 + ctx.skewMs) {
    fail('HOLDER_BINDING', `key-binding JWT was made at ${iat.toISOString()}, more than ${maxAgeSeconds} s ago`, '/kb/payload/iat');
  }
  if (typeof payload.nonce !== 'string') fail('HOLDER_BINDING', 'key-binding JWT has no nonce string', '/kb/payload/nonce');
  if (typeof payload.aud !== 'string') fail('HOLDER_BINDING', 'key-binding JWT aud is not a string', '/kb/payload/aud');
  if (typeof payload.sd_hash !== 'string') fail('HOLDER_BINDING', 'key-binding JWT has no sd_hash', '/kb/payload/sd_hash');
  const expected = await hashOf(ctx.backend, sdAlg, presented);
  if (payload.sd_hash !== expected) {
    fail('HOLDER_BINDING', 'key-binding JWT sd_hash does not match the presented SD-JWT and disclosures', '/kb/payload/sd_hash');
  }
  return { keyBinding: { nonce: payload.nonce, audience: payload.aud, issuedAt: iat }, keyId, header, payload };
}

// Thumbprint URIs by key material: a verifier sees the same wallets often.
const thumbprintUris = new Map<string, string>();

/** The RFC 9278 thumbprint URI of a JWK (SHA-256), the holder's name when cnf gives a bare key. */
export async function thumbprintUri(backend: CryptoBackend, jwk: PublicJwk): Promise<string> {
  const input = jwkThumbprintInput(jwk);
  let uri = thumbprintUris.get(input);
  if (uri === undefined) {
    uri = `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${await hashOf(backend, 'SHA-256', input)}`;
    if (thumbprintUris.size >= MAX_HOLDER_KEYS) thumbprintUris.clear();
    thumbprintUris.set(input, uri);
  }
  return uri;
}

async function verifyHolderSignature(
  ctx: VerifyContext,
  parsed: ParsedJws,
  holder: HolderKey,
  parallel: boolean,
): Promise<string | undefined> {
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  if (holder.kid !== undefined) {
    const did = holder.kid.split('#')[0] as string;
    // The DID document decides which keys may authenticate its subject; the KB-JWT's own
    // kid, if any, is not trusted to choose.
    const asNamed: ParsedJws = { ...parsed, header: { ...parsed.header, kid: holder.kid } };
    try {
      return (await verifySigningKey(ctx, asNamed, did, 'authentication', parallel)).id;
    } catch (e) {
      if (!(e instanceof TradewindError)) throw e;
      if (e.code === 'SIGNATURE_INVALID') {
        throw new TradewindError('HOLDER_BINDING', `key-binding JWT is not signed by ${holder.kid}: ${e.message}`, {
          path: '/kb/signature',
        });
      }
      // A holder key that cannot be found or resolved binds nothing.
      throw new TradewindError('HOLDER_BINDING', `the holder key cnf.kid names cannot be used: ${e.message}`, {
        path: '/payload/cnf/kid',
        cause: e,
      });
    }
  }
  const jwk = holder.jwk as PublicJwk;
  if (curveOf(alg) !== jwk.crv) fail('HOLDER_BINDING', `the cnf key is a ${jwk.crv} key and cannot verify ${alg}`, '/kb/header/alg');
  try {
    const encoding = checkSignatureEncoding(alg, parsed.signature, ctx.allowHighS ? { allowHighS: true } : undefined);
    if (encoding) await encoding;
  } catch (e) {
    throw relocated(e, '/kb', 'HOLDER_BINDING');
  }
  const key = await importedHolderKey(ctx.backend, jwk);
  const ok = parallel
    ? await ctx.backend.verifyInParallel(alg, key, parsed.signingInput, parsed.signature)
    : await ctx.backend.verify(alg, key, parsed.signingInput, parsed.signature);
  if (!ok) fail('HOLDER_BINDING', 'key-binding JWT is not signed by the key cnf names', '/kb/signature');
  return undefined;
}

// Holder keys imported per backend, by their material: a verifier sees the same wallets often.
const holderKeys = new WeakMap<CryptoBackend, Map<string, unknown>>();
const MAX_HOLDER_KEYS = 4096;

async function importedHolderKey(backend: CryptoBackend, jwk: PublicJwk): Promise<unknown> {
  let cache = holderKeys.get(backend);
  if (!cache) {
    cache = new Map();
    holderKeys.set(backend, cache);
  }
  const id = `${jwk.crv}:${jwk.x}:${jwk.y ?? ''}`;
  let key = cache.get(id);
  if (key === undefined) {
    try {
      key = await backend.importKey(jwk);
    } catch (e) {
      throw new TradewindError('HOLDER_BINDING', 'cnf.jwk is not a usable public key', { path: '/payload/cnf/jwk', cause: e });
    }
    if (cache.size >= MAX_HOLDER_KEYS) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** A typed error with its path moved under `prefix` (and, if given, another code). */
function relocated(e: unknown, prefix: string, code?: TradewindError['code']): unknown {
  if (!(e instanceof TradewindError)) return e;
  const path = e.path === undefined || e.path === '/' ? prefix || undefined : `${prefix}${e.path}`;
  return new TradewindError(code ?? e.code, code && code !== e.code ? `key-binding JWT: ${e.message}` : e.message, {
    ...(path === undefined ? {} : { path }),
    cause: e,
  });
}
