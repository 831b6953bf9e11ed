import {
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
import { describeError } from './input.js';
import type { StatusListSource } from './types.js';
import { parseNumericDate } from './validity.js';
import type { CredentialCheckResult } from './verify-credential.js';

/**
 * Verifies a status list credential (no status check of its own): supplied by the
 * caller. A list is a JWT or a Data Integrity credential, verified as its issuer's.
 */
export type ListVerifier = (source: StatusListSource) => Promise<CredentialCheckResult>;

// The GZIP codec loads on the first status list, not at start-up.
let codec: Promise<typeof import('@tradewind/core/status-list')> | undefined;
const loadCodec = () => {
  codec ??= import('@tradewind/core/status-list');
  return codec;
};

const ENTRY_TYPES = new Set(['BitstringStatusListEntry', 'StatusList2021Entry']);
const LIST_TYPES = new Set(['BitstringStatusListCredential', 'StatusList2021Credential']);

/**
 * When status is required (by the policy or a list entry): fails unless the credential
 * carries at least one status entry — `credentialStatus` missing or `[]` is
 * STATUS_UNAVAILABLE, `null` or a non-object entry MALFORMED. Whether an entry can be
 * checked is decided by {@link checkStatus}.
 */
export function requireStatusEntries(credentialStatus: unknown, path: string): void {
  if (credentialStatus === undefined || (Array.isArray(credentialStatus) && credentialStatus.length === 0)) {
    fail('STATUS_UNAVAILABLE', 'the recognition policy requires a credential status entry and this credential has none', path);
  }
  statusEntries(credentialStatus, path);
}

/** Most `credentialStatus` entries read from one credential. */
const MAX_STATUS_ENTRIES = 16;

/**
 * Most distinct status list URLs one verification call (a credential, or a presentation
 * with all its credentials) asks the provider for: 64 credentials of 16 entries each
 * would otherwise be 1,024 fetches for one presentation.
 */
export const MAX_STATUS_LISTS_PER_CALL = 32;

/** The entries of `credentialStatus`: one object or an array of objects; anything else is MALFORMED. */
function statusEntries(credentialStatus: unknown, path: string): Array<{ entry: JsonObject; path: string }> {
  if (isJsonObject(credentialStatus)) return [{ entry: credentialStatus, path: '/credentialStatus' }];
  if (!Array.isArray(credentialStatus)) return fail('MALFORMED', 'credentialStatus is neither an object nor an array of objects', path);
  // Each entry may make the provider fetch a list: a credential names a few (revocation,
  // suspension), not the 1,300 distinct hosts a 256 KiB credential can hold.
  if (credentialStatus.length > MAX_STATUS_ENTRIES) {
    return fail(
      'LIMIT_EXCEEDED',
      `credentialStatus has ${credentialStatus.length} entries, more than the ${MAX_STATUS_ENTRIES} read`,
      path,
    );
  }
  return credentialStatus.map((entry, i) => {
    if (!isJsonObject(entry)) return fail('MALFORMED', 'credentialStatus entry is not an object', `${path}/${i}`);
    return { entry, path: `/credentialStatus/${i}` };
  });
}

/**
 * Checks every `credentialStatus` entry of a verified credential against its status
 * list (https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm). Returns the
 * problems: REVOKED and SUSPENDED always as errors; an unavailable or stale list as an
 * error or a warning, as the caller chose. Decoded lists are cached by URL and content.
 * When status is `required`, a credential none of whose entries this verifier can check
 * (unsupported type or purpose) fails with STATUS_UNAVAILABLE, even when unavailable
 * lists only warn.
 */
export async function checkStatus(
  ctx: VerifyContext,
  credential: VerifiableCredential,
  issuer: string,
  verifyList: ListVerifier,
  maxAgeMs: number | undefined = ctx.status.maxAgeMs,
  required = false,
  rules: object | undefined = undefined,
  urls: Set<string> = new Set(),
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  let entries: Array<{ entry: JsonObject; path: string }>;
  try {
    entries = statusEntries(credential.credentialStatus, '/credentialStatus');
  } catch (e) {
    if (!(e instanceof TradewindError)) throw e;
    return { errors: [e.toIssue()], warnings };
  }
  let checkable = 0;
  for (const { entry, path } of entries) {
    try {
      const problem = await checkEntry(ctx, entry, issuer, verifyList, path, maxAgeMs, rules, urls, () => {
        checkable++;
      });
      if (problem) errors.push(problem);
    } catch (e) {
      if (!(e instanceof TradewindError)) throw e;
      const issue = e.toIssue();
      if (issue.path === undefined) issue.path = path;
      if (e.code === 'STATUS_UNAVAILABLE' && ctx.status.onUnavailable === 'warn') warnings.push(issue);
      else errors.push(issue);
    }
  }
  if (required && checkable === 0 && !errors.some((e) => e.code === 'MALFORMED')) {
    errors.push({
      code: 'STATUS_UNAVAILABLE',
      message: 'status is required and no credentialStatus entry is of a type and purpose this verifier can check',
      path: '/credentialStatus',
    });
  }
  return { errors, warnings };
}

async function checkEntry(
  ctx: VerifyContext,
  entry: JsonObject,
  issuer: string,
  verifyList: ListVerifier,
  path: string,
  maxAgeMs: number | undefined,
  rules: object | undefined,
  urls: Set<string>,
  onCheckable: () => void,
): Promise<VerificationIssue | undefined> {
  // A type array naming the entry type (["BitstringStatusListEntry"], JSON-LD's other form
  // of the same value) is that entry, as the data-model check reads it too.
  if (!typesOf(entry.type).some((t) => ENTRY_TYPES.has(t))) {
    return fail('STATUS_UNAVAILABLE', `status type ${String(entry.type).slice(0, 100)} is not supported`, `${path}/type`);
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
  onCheckable();
  countStatusUrl(urls, url, `${path}/statusListCredential`);
  const list = await loadList(ctx, url, issuer, verifyList, path, rules);
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

/**
 * Counts a status list URL against the per-call budget ({@link MAX_STATUS_LISTS_PER_CALL}
 * distinct URLs), shared by Bitstring lists and status list tokens; LIMIT_EXCEEDED past it.
 */
export function countStatusUrl(urls: Set<string>, url: string, path: string): void {
  if (urls.has(url)) return;
  if (urls.size >= MAX_STATUS_LISTS_PER_CALL) {
    fail('LIMIT_EXCEEDED', `more than ${MAX_STATUS_LISTS_PER_CALL} status lists in one verification`, path);
  }
  urls.add(url);
}

/**
 * The list published at `url`, from `status.lists` or the provider (which sees only
 * URLs the fetch rule allows): STATUS_UNAVAILABLE when there is no source, it fails, or
 * it has nothing for `url`.
 */
export async function statusListSource(ctx: VerifyContext, url: string, path: string): Promise<StatusListSource> {
  const { provider } = ctx.status;
  if (!provider) return fail('STATUS_UNAVAILABLE', `no status list source is configured (status list ${url})`, path);
  let source: StatusListSource | undefined;
  try {
    source = await provider.get(url);
  } catch (e) {
    return fail('STATUS_UNAVAILABLE', `status list ${url} could not be obtained: ${describeError(e)}`, path);
  }
  if (source === undefined || source === null) return fail('STATUS_UNAVAILABLE', `status list ${url} is not available`, path);
  return source;
}

async function loadList(
  ctx: VerifyContext,
  url: string,
  issuer: string,
  verifyList: ListVerifier,
  path: string,
  rules: object | undefined,
): Promise<DecodedStatusList> {
  const { cache } = ctx.status;
  const source = await statusListSource(ctx, url, path);
  const cached = cache.get(url);
  let list: DecodedStatusList;
  // The signer was judged under the recognition lists in force (`rules`): reuse that
  // judgement under the same lists only and, for a list that claims no issuance time
  // (its key window judged at the time it was decoded), at that time only; otherwise a
  // list signed by a key while it was current would still count once it is retired.
  const reusable =
    cached?.source === source &&
    cached.rules === rules &&
    (cached.issuedAt !== undefined || rules === undefined || cached.judgedAt === nowOf(ctx));
  if (cached && reusable) list = cached;
  else {
    list = await decodeList(ctx, source, url, verifyList, path, rules);
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
  rules: object | undefined,
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
    // A JWT list's age runs from validFrom, else iat; a Data Integrity list's from
    // validFrom, else its proof's created.
    issuedAt: result.validFrom ?? (result.format === 'di' ? result.proof.created : parseNumericDate(result.payload.iat, '/payload/iat')),
    judgedAt: nowOf(ctx),
    rules,
  };
}

/**
 * A list past its validUntil, or older than the caller's maximum age, is stale. Its age
 * runs from its validFrom, else its JWT `iat`; a list with neither has an unknown age,
 * which no maximum age accepts.
 */
function checkFreshness(ctx: VerifyContext, list: DecodedStatusList, url: string, path: string, maxAge: number | undefined): void {
  const now = nowOf(ctx);
  if (list.validUntil && now - ctx.skewMs > list.validUntil.getTime()) {
    fail('STATUS_UNAVAILABLE', `status list ${url} expired at ${list.validUntil.toISOString()}`, path);
  }
  if (maxAge === undefined) return;
  if (list.issuedAt === undefined) {
    fail('STATUS_UNAVAILABLE', `status list ${url} has no validFrom or iat, so its age is unknown (maximum ${maxAge / 1000} s)`, path);
  }
  if (now - list.issuedAt.getTime() > maxAge) {
    fail('STATUS_UNAVAILABLE', `status list ${url} is older than the allowed ${maxAge / 1000} s`, path);
  }
}
