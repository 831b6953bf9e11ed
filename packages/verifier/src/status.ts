import {
  asArray,
  getStatusBit,
  isJsonObject,
  type JsonObject,
  MIN_STATUS_LIST_LENGTH,
  TradewindError,
  typesOf,
  type VerifiableCredential,
  type VerificationIssue,
} from '@tradewind/core';
import { type DecodedStatusList, fail, nowOf, type VerifyContext } from './context.js';
import type { CredentialVerificationResult, StatusListSource } from './types.js';

/** Verifies a status list credential (no status check of its own): supplied by the caller. */
export type ListVerifier = (source: StatusListSource) => Promise<CredentialVerificationResult>;

// The GZIP codec loads on the first status list, not at start-up.
let codec: Promise<typeof import('@tradewind/core/status-list')> | undefined;
const loadCodec = () => {
  codec ??= import('@tradewind/core/status-list');
  return codec;
};

const ENTRY_TYPES = new Set(['BitstringStatusListEntry', 'StatusList2021Entry']);
const LIST_TYPES = new Set(['BitstringStatusListCredential', 'StatusList2021Credential']);

/**
 * Checks every `credentialStatus` entry of a verified credential against its status
 * list (https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm). Returns the
 * problems: REVOKED and SUSPENDED always as errors; an unavailable or stale list as an
 * error or a warning, as the caller chose. Decoded lists are cached by URL and content.
 */
export async function checkStatus(
  ctx: VerifyContext,
  credential: VerifiableCredential,
  issuer: string,
  verifyList: ListVerifier,
  maxAgeMs: number | undefined = ctx.status.maxAgeMs,
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  const entries = asArray(credential.credentialStatus);
  for (const [i, entry] of entries.entries()) {
    const path = Array.isArray(credential.credentialStatus) ? `/credentialStatus/${i}` : '/credentialStatus';
    try {
      const problem = await checkEntry(ctx, entry, issuer, verifyList, path, maxAgeMs);
      if (problem) errors.push(problem);
    } catch (e) {
      if (!(e instanceof TradewindError)) throw e;
      const issue = e.toIssue();
      if (issue.path === undefined) issue.path = path;
      if (e.code === 'STATUS_UNAVAILABLE' && ctx.status.onUnavailable === 'warn') warnings.push(issue);
      else errors.push(issue);
    }
  }
  return { errors, warnings };
}

async function checkEntry(
  ctx: VerifyContext,
  entry: unknown,
  issuer: string,
  verifyList: ListVerifier,
  path: string,
  maxAgeMs: number | undefined,
): Promise<VerificationIssue | undefined> {
  if (!isJsonObject(entry)) return fail('MALFORMED', 'credentialStatus entry is not an object', path);
  if (!ENTRY_TYPES.has(entry.type as string)) {
    return fail('STATUS_UNAVAILABLE', `status type ${String(entry.type)} is not supported`, `${path}/type`);
  }
  const purpose = entry.statusPurpose;
  const url = entry.statusListCredential;
  const indexText = entry.statusListIndex;
  if (typeof purpose !== 'string') return fail('MALFORMED', 'statusPurpose is missing', `${path}/statusPurpose`);
  if (typeof url !== 'string' || url.length === 0)
    return fail('MALFORMED', 'statusListCredential is missing', `${path}/statusListCredential`);
  if (typeof indexText !== 'string' || !/^(0|[1-9]\d{0,9})$/.test(indexText)) {
    return fail('MALFORMED', 'statusListIndex is not a non-negative integer string', `${path}/statusListIndex`);
  }
  if (entry.statusSize !== undefined && entry.statusSize !== 1) {
    return fail('STATUS_UNAVAILABLE', 'multi-bit status entries (statusSize > 1) are not supported', `${path}/statusSize`);
  }
  if (purpose !== 'revocation' && purpose !== 'suspension') {
    return fail('STATUS_UNAVAILABLE', `status purpose ${purpose} is not supported`, `${path}/statusPurpose`);
  }
  const list = await loadList(ctx, url, issuer, verifyList, path);
  if (list.purpose !== purpose) {
    return fail('STATUS_UNAVAILABLE', `status list ${url} is for ${list.purpose}, not ${purpose}`, `${path}/statusPurpose`);
  }
  checkFreshness(ctx, list, url, path, maxAgeMs);
  const index = Number(indexText);
  if (index >= list.bits.length * 8) return fail('MALFORMED', `statusListIndex ${index} is outside the list`, `${path}/statusListIndex`);
  if (!getStatusBit(list.bits, index)) return undefined;
  return purpose === 'revocation'
    ? { code: 'REVOKED', message: 'the issuer has revoked this credential', path }
    : { code: 'SUSPENDED', message: 'the issuer has suspended this credential', path };
}

async function loadList(
  ctx: VerifyContext,
  url: string,
  issuer: string,
  verifyList: ListVerifier,
  path: string,
): Promise<DecodedStatusList> {
  const { provider, cache } = ctx.status;
  if (!provider) return fail('STATUS_UNAVAILABLE', `no status list source is configured (status list ${url})`, path);
  let source: StatusListSource | undefined;
  try {
    source = await provider.get(url);
  } catch (e) {
    return fail('STATUS_UNAVAILABLE', `status list ${url} could not be obtained: ${(e as Error).message}`, path);
  }
  if (source === undefined || source === null) return fail('STATUS_UNAVAILABLE', `status list ${url} is not available`, path);
  const cached = cache.get(url);
  let list: DecodedStatusList;
  if (cached && cached.source === source) list = cached;
  else {
    list = await decodeList(ctx, source, url, verifyList, path);
    cache.set(url, list);
  }
  if (list.issuer !== issuer) {
    return fail('STATUS_UNAVAILABLE', `status list ${url} is signed by ${list.issuer}, not by the credential's issuer`, path);
  }
  return list;
}

async function decodeList(
  ctx: VerifyContext,
  source: StatusListSource,
  url: string,
  verifyList: ListVerifier,
  path: string,
): Promise<DecodedStatusList> {
  const result = await verifyList(source);
  if (!result.verified) {
    const first = result.errors[0];
    if (first?.code === 'EXPIRED') return fail('STATUS_UNAVAILABLE', `status list ${url} has expired: ${first.message}`, path);
    return fail(
      'STATUS_UNAVAILABLE',
      `status list ${url} does not verify: ${result.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
      path,
    );
  }
  const vc = result.credential;
  if (!typesOf(vc.type).some((t) => LIST_TYPES.has(t))) return fail('STATUS_UNAVAILABLE', `${url} is not a status list credential`, path);
  const subject = vc.credentialSubject as JsonObject;
  if (!isJsonObject(subject) || typeof subject.encodedList !== 'string' || typeof subject.statusPurpose !== 'string') {
    return fail('STATUS_UNAVAILABLE', `status list ${url} has no encodedList or statusPurpose`, path);
  }
  let bits: Uint8Array;
  try {
    const { decodeStatusList } = await loadCodec();
    bits = decodeStatusList(subject.encodedList, { maxBytes: ctx.status.maxListBytes });
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'LIMIT_EXCEEDED')
      throw new TradewindError('LIMIT_EXCEEDED', `status list ${url}: ${e.message}`, { path });
    return fail('STATUS_UNAVAILABLE', `status list ${url} cannot be decoded: ${(e as Error).message}`, path);
  }
  if (bits.length * 8 < MIN_STATUS_LIST_LENGTH) {
    return fail('STATUS_UNAVAILABLE', `status list ${url} has fewer than ${MIN_STATUS_LIST_LENGTH} entries`, path);
  }
  return {
    source,
    issuer: result.issuer,
    purpose: subject.statusPurpose,
    bits,
    validFrom: result.validFrom,
    validUntil: result.validUntil,
  };
}

/** A list past its validUntil, or older than the caller's maximum age, is stale. */
function checkFreshness(ctx: VerifyContext, list: DecodedStatusList, url: string, path: string, maxAge: number | undefined): void {
  const now = nowOf(ctx);
  if (list.validUntil && now - ctx.skewMs > list.validUntil.getTime()) {
    fail('STATUS_UNAVAILABLE', `status list ${url} expired at ${list.validUntil.toISOString()}`, path);
  }
  if (maxAge !== undefined && list.validFrom && now - list.validFrom.getTime() > maxAge) {
    fail('STATUS_UNAVAILABLE', `status list ${url} is older than the allowed ${maxAge / 1000} s`, path);
  }
}
