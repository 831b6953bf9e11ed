// IETF Token Status List (draft-ietf-oauth-status-list) for SD-JWT VCs: the credential's
// `status.status_list` names an index in a status list token (`statuslist+jwt`) that its
// issuer signs and publishes at `uri`. Tokens come through the same provider and
// `status.lists` map as Bitstring lists, under the same URL rules and per-call budget.

import { isJsonObject, jwkThumbprint, type ParsedJws, parseCompactJws, TradewindError, type VerificationIssue } from '@tradewind/core';
import { fail, listContext, nowOf, type VerifyContext } from '../context.js';
import type { RecognitionState } from '../recognition/load-lists.js';
import { admitStatusListSigner, needsThumbprint } from '../recognition/recognize.js';
import { checkAlgorithm } from '../signature.js';
import { countStatusUrl, statusListSource } from '../status.js';
import type { StatusListSource } from '../types.js';
import { parseNumericDate } from '../validity.js';
import { verifySdJwtIssuerSignature } from './issuer-key.js';

/** The `typ` of a status list token. */
export const STATUS_LIST_TOKEN_TYPE = 'statuslist+jwt';
const BITS = new Set([1, 2, 4, 8]);
/** Largest `idx` read: far beyond any list a 2 MiB (default) decompressed size allows. */
const MAX_INDEX = 2 ** 32 - 1;

// The ZLIB codec loads on the first token, not at start-up (as for Bitstring lists).
let codec: Promise<typeof import('@tradewind/core/status-list')> | undefined;
const loadCodec = () => {
  codec ??= import('@tradewind/core/status-list');
  return codec;
};

export interface TokenStatusOptions {
  /** The recognition lists in force: the token's signer is held to their key rules. */
  recognition?: RecognitionState | undefined;
  /** Oldest acceptable token by its `iat`, in ms. */
  maxAgeMs?: number | undefined;
  /** Status is required (policy or list entry): a credential without a usable `status` fails. */
  required: boolean;
  /** Status list URLs asked for in this call (shared with the rest of a presentation). */
  statusUrls: Set<string>;
  parallel: boolean;
  /** Where the credential's `status` claim sits, for issue paths. Default `/status`. */
  path?: string;
}

/** A verified, decoded status list token, cached by URL while the provider returns the same source. */
interface DecodedToken {
  source: StatusListSource;
  issuer: string;
  bitsPerStatus: number;
  bytes: Uint8Array;
  issuedAt: number;
  expiresAt: number | undefined;
  ttlMs: number | undefined;
  /** Whether its key came from an x5c chain, whose certificates' dates are judged at each evaluation time. */
  certified: boolean;
  judgedAt: number;
  rules: object | undefined;
}

// Decoded tokens live beside the Bitstring cache of the same status context (a new
// policy gets a new cache there, and so here).
const caches = new WeakMap<object, Map<string, DecodedToken>>();

/**
 * Checks an SD-JWT VC's `status` claim against its Token Status List: value 0 (VALID)
 * passes, 1 (INVALID) is REVOKED, 2 (SUSPENDED) is SUSPENDED; any other value, and a
 * token that cannot be had, verified, decoded or is stale, is STATUS_UNAVAILABLE (an
 * error, or a warning when `status.onUnavailable` is `warn`). A malformed
 * `status.status_list` is MALFORMED, a zlib bomb LIMIT_EXCEEDED. Never throws a
 * TradewindError: each problem comes back as an issue.
 *
 * @example
 * ```ts
 * const { errors, warnings } = await checkTokenStatus(ctx, payload.status, payload.iss, {
 *   required: false, statusUrls: new Set(), parallel: false,
 * });
 * ```
 */
export async function checkTokenStatus(
  ctx: VerifyContext,
  payloadStatus: unknown,
  issuer: string,
  options: TokenStatusOptions,
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const path = options.path ?? '/status';
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  if (payloadStatus === undefined) {
    if (options.required) {
      errors.push({ code: 'STATUS_UNAVAILABLE', message: 'status is required and this SD-JWT VC has no status claim', path });
    }
    return { errors, warnings };
  }
  try {
    if (!isJsonObject(payloadStatus)) fail('MALFORMED', 'status is not an object', path);
    const reference = payloadStatus.status_list;
    if (reference === undefined) {
      const issue: VerificationIssue = {
        code: 'STATUS_UNAVAILABLE',
        message: 'status names no status_list (the only status mechanism this verifier checks)',
        path,
      };
      // Required status that cannot be checked fails even when unavailable lists only warn.
      if (options.required || ctx.status.onUnavailable !== 'warn') errors.push(issue);
      else warnings.push(issue);
      return { errors, warnings };
    }
    const problem = await checkReference(ctx, reference, issuer, options, `${path}/status_list`);
    if (problem) errors.push(problem);
  } catch (e) {
    if (!(e instanceof TradewindError)) throw e;
    const issue = e.toIssue();
    if (issue.path === undefined) issue.path = path;
    if (e.code === 'STATUS_UNAVAILABLE' && ctx.status.onUnavailable === 'warn') warnings.push(issue);
    else errors.push(issue);
  }
  return { errors, warnings };
}

async function checkReference(
  ctx: VerifyContext,
  reference: unknown,
  issuer: string,
  options: TokenStatusOptions,
  path: string,
): Promise<VerificationIssue | undefined> {
  if (!isJsonObject(reference)) return fail('MALFORMED', 'status_list is not an object with idx and uri', path);
  const { idx, uri } = reference;
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0 || idx > MAX_INDEX) {
    return fail('MALFORMED', 'status_list.idx is not a non-negative integer', `${path}/idx`);
  }
  if (typeof uri !== 'string' || uri.length === 0) return fail('MALFORMED', 'status_list.uri is not a string', `${path}/uri`);
  countStatusUrl(options.statusUrls, uri, `${path}/uri`);
  const token = await loadToken(ctx, uri, issuer, options, path);
  checkFreshness(ctx, token, uri, path, options.maxAgeMs);
  const bit = idx * token.bitsPerStatus;
  if (bit >= token.bytes.length * 8) {
    return fail('STATUS_UNAVAILABLE', `status_list.idx ${idx} is beyond the status list ${uri}`, `${path}/idx`);
  }
  const mask = (1 << token.bitsPerStatus) - 1;
  // Index 0 sits in the least significant bits of byte 0 (draft-ietf-oauth-status-list §4.1).
  const value = ((token.bytes[bit >> 3] as number) >> (bit & 7)) & mask;
  if (value === 0) return undefined;
  if (value === 1) return { code: 'REVOKED', message: 'the issuer has revoked this credential (status INVALID)', path };
  if (value === 2) return { code: 'SUSPENDED', message: 'the issuer has suspended this credential', path };
  return fail(
    'STATUS_UNAVAILABLE',
    `status value ${value} in ${uri} is not one this verifier knows (0 valid, 1 invalid, 2 suspended)`,
    path,
  );
}

async function loadToken(
  ctx: VerifyContext,
  uri: string,
  issuer: string,
  options: TokenStatusOptions,
  path: string,
): Promise<DecodedToken> {
  const source = await statusListSource(ctx, uri, `${path}/uri`);
  let cache = caches.get(ctx.status.cache);
  if (!cache) {
    cache = new Map();
    caches.set(ctx.status.cache, cache);
  }
  const rules = options.recognition;
  const cached = cache.get(uri);
  // Reused for the same source, issuer and recognition lists; a token whose key an x5c
  // chain gave is judged again at another evaluation time (its certificates' dates).
  if (
    cached &&
    cached.source === source &&
    cached.issuer === issuer &&
    cached.rules === rules &&
    (!cached.certified || cached.judgedAt === nowOf(ctx))
  ) {
    return cached;
  }
  const token = await decodeToken(ctx, source, uri, issuer, options, path);
  cache.set(uri, token);
  return token;
}

async function decodeToken(
  ctx: VerifyContext,
  source: StatusListSource,
  uri: string,
  issuer: string,
  options: TokenStatusOptions,
  path: string,
): Promise<DecodedToken> {
  const unavailable = (why: string): never => fail('STATUS_UNAVAILABLE', `status list token ${uri} ${why}`, path);
  if (typeof source !== 'string') return unavailable('is not a compact JWT (statuslist+jwt)');
  const listCtx = listContext(ctx, options.recognition?.resolver);
  let parsed: ParsedJws;
  try {
    parsed = parseCompactJws(source.trim(), { maxLength: listCtx.limits.maxInputLength, maxDepth: listCtx.limits.maxDepth });
    checkAlgorithm(parsed);
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'LIMIT_EXCEEDED')
      throw new TradewindError('LIMIT_EXCEEDED', `status list token ${uri}: ${e.message}`, { path });
    return unavailable(`is not a usable JWS: ${(e as Error).message}`);
  }
  const { header, payload } = parsed;
  if (header.typ !== STATUS_LIST_TOKEN_TYPE) return unavailable(`has typ ${JSON.stringify(header.typ)}, not ${STATUS_LIST_TOKEN_TYPE}`);
  if (payload.sub !== uri) return unavailable(`has sub ${JSON.stringify(payload.sub)}, not its own URI`);
  if (payload.iss !== undefined && payload.iss !== issuer) return unavailable("is issued by another issuer than the credential's");
  let issuedAt: number;
  let expiresAt: number | undefined;
  let ttlMs: number | undefined;
  try {
    const iat = parseNumericDate(payload.iat, '/iat');
    if (!iat) return unavailable('has no iat');
    issuedAt = iat.getTime();
    expiresAt = parseNumericDate(payload.exp, '/exp')?.getTime();
    if (payload.ttl !== undefined) {
      if (typeof payload.ttl !== 'number' || !Number.isSafeInteger(payload.ttl) || payload.ttl <= 0)
        return unavailable('has a ttl that is not a positive integer');
      ttlMs = payload.ttl * 1000;
    }
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'STATUS_UNAVAILABLE') throw e;
    return unavailable(`has a bad date: ${(e as Error).message}`);
  }
  const list = payload.status_list;
  if (!isJsonObject(list) || typeof list.lst !== 'string' || !BITS.has(list.bits as number)) {
    return unavailable('has no status_list with bits 1, 2, 4 or 8 and lst');
  }
  // Signed by the credential's issuer, under the same key rules as its credentials.
  let key: Awaited<ReturnType<typeof verifySdJwtIssuerSignature>>;
  try {
    key = await verifySdJwtIssuerSignature(listCtx, parsed, issuer, options.recognition, options.parallel);
    if (options.recognition) {
      const rules = options.recognition;
      const thumbprint = key.thumbprint ?? (needsThumbprint(rules, issuer) ? await jwkThumbprint(key.key.jwk) : undefined);
      admitStatusListSigner(rules, issuer, key.keyId, thumbprint, issuedAt, ctx.skewMs);
    }
  } catch (e) {
    if (!(e instanceof TradewindError)) throw e;
    return unavailable(`is not signed by the credential's issuer: ${e.code} ${e.message}`);
  }
  if (issuedAt > nowOf(ctx) + ctx.skewMs) return unavailable(`is issued in the future (iat ${new Date(issuedAt).toISOString()})`);
  let bytes: Uint8Array;
  try {
    const { decodeTokenStatusList } = await loadCodec();
    bytes = decodeTokenStatusList(list.lst, { maxBytes: ctx.status.maxListBytes });
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'LIMIT_EXCEEDED') {
      throw new TradewindError('LIMIT_EXCEEDED', `status list token ${uri}: ${e.message}`, { path });
    }
    return unavailable(`cannot be decoded: ${(e as Error).message}`);
  }
  return {
    source,
    issuer,
    bitsPerStatus: list.bits as number,
    bytes,
    issuedAt,
    expiresAt,
    ttlMs,
    certified: key.via === 'x5c',
    judgedAt: nowOf(ctx),
    rules: options.recognition,
  };
}

/**
 * A token past its `exp`, past `iat + ttl` (the time the issuer says it may be relied on
 * before a fresh one is fetched), or older than the maximum age by its `iat`, is stale.
 */
function checkFreshness(ctx: VerifyContext, token: DecodedToken, uri: string, path: string, maxAgeMs: number | undefined): void {
  const now = nowOf(ctx);
  if (token.expiresAt !== undefined && now - ctx.skewMs > token.expiresAt) {
    fail('STATUS_UNAVAILABLE', `status list token ${uri} expired at ${new Date(token.expiresAt).toISOString()}`, path);
  }
  if (token.ttlMs !== undefined && now - ctx.skewMs > token.issuedAt + token.ttlMs) {
    fail('STATUS_UNAVAILABLE', `status list token ${uri} is past its ttl of ${token.ttlMs / 1000} s: a fresher one is due`, path);
  }
  if (maxAgeMs !== undefined && now - token.issuedAt > maxAgeMs) {
    fail('STATUS_UNAVAILABLE', `status list token ${uri} is older than the allowed ${maxAgeMs / 1000} s`, path);
  }
}
