import { type AssuranceLevel, meetsAssurance, type RecognitionEntry, type VerificationIssue } from '@tradewind/core';
import { fail } from '../context.js';
import type { KeyPeriod, LoadedList, RecognitionState } from './load-lists.js';

/** Where a verified credential's issuer is recognised from, as the result reports it. */
export interface Recognition {
  /** `list`: named by a trust anchor's recognition list; `local`: in the policy's trustedIssuers. */
  source: 'list' | 'local';
  country?: string;
  name?: string;
  assuranceLevel?: AssuranceLevel;
  /** The anchor whose list names the issuer, and that list's sequence. */
  anchor?: string;
  listSequence?: number;
}

export interface RecognitionOutcome {
  recognition: Recognition;
  warnings: VerificationIssue[];
  statusRequired: boolean;
  statusMaxAgeMs: number | undefined;
}

/**
 * Before the signature: is the issuer trusted locally or named by a list at all? Fails
 * with UNTRUSTED_ISSUER, or with the list problems that may explain why it is missing.
 */
export function admitIssuer(state: RecognitionState, issuer: string, path: string): void {
  if (state.revokedDids.has(issuer)) fail('UNTRUSTED_ISSUER', `the key of ${issuer} is revoked by a recognition list`, path);
  if (state.policy.trustedIssuers?.includes(issuer) || state.byIssuer.has(issuer)) return;
  const listProblem = state.problems.find((p) => p.code === 'TRUST_LIST_INVALID');
  if (listProblem && state.lists.length === 0)
    fail('TRUST_LIST_INVALID', `${issuer} is not recognised: ${listProblem.message}`, listProblem.path);
  fail('UNTRUSTED_ISSUER', `issuer ${issuer} is on no accepted recognition list and not trusted locally`, path);
}

/**
 * Whether judging a signature by these lists needs the signing key's thumbprint: when
 * some list revokes keys, or lists keys for this issuer. Did:key issuers on lists that
 * revoke nothing skip the hashing.
 */
export function needsThumbprint(state: RecognitionState, issuer: string): boolean {
  return (
    state.revokedKeys.size > 0 || (state.byIssuer.get(issuer)?.some((p) => p.keys !== undefined || p.certified !== undefined) ?? false)
  );
}

/** A key a list marks `revoked` (by thumbprint, or a DID's own key) fails, whatever the dates. */
function refuseRevoked(state: RecognitionState, issuer: string, keyId: string, thumbprint: string | undefined): void {
  if (state.revokedDids.has(issuer)) fail('UNTRUSTED_ISSUER', `the key of ${issuer} is revoked by a recognition list`, '/header/kid');
  if (thumbprint !== undefined && state.revokedKeys.has(thumbprint)) {
    fail('UNTRUSTED_ISSUER', `key ${keyId} (JWK thumbprint ${thumbprint}) is revoked by a recognition list`, '/header/kid');
  }
}

/**
 * The signing key, identified by its material, against the lists: a revoked key fails
 * whatever the dates; otherwise the key periods that list this key (or, without listed
 * keys, the DID's own key) and whose window holds the issuance time. Fails with
 * UNTRUSTED_ISSUER when there is none. Applies to credentials and status lists alike.
 */
export function keyPeriodsAt(
  state: RecognitionState,
  issuer: string,
  keyId: string,
  thumbprint: string | undefined,
  issuedAt: number,
  skewMs: number,
  what: string,
): KeyPeriod[] {
  refuseRevoked(state, issuer, keyId, thumbprint);
  const periods = (state.byIssuer.get(issuer) ?? []).filter((p) => periodHasKey(p, thumbprint));
  if (periods.length === 0) fail('UNTRUSTED_ISSUER', `key ${keyId} is not a recognised key of ${issuer}`, '/header/kid');
  const inWindow = periods.filter((p) => issuedAt + skewMs >= p.from && issuedAt - skewMs <= p.until);
  if (inWindow.length === 0) {
    fail(
      'UNTRUSTED_ISSUER',
      `key ${keyId} of ${issuer} was not recognised at the ${what}'s issuance time ${new Date(issuedAt).toISOString()}`,
      '/payload',
    );
  }
  return inWindow;
}

/**
 * Whether a key period covers the key with this thumbprint: a key it lists, an `x5c`
 * leaf key that chained to a certificate it pins, or, for a DID entry that lists no
 * keys, the DID's own key. An https entry always names its keys one of those two ways.
 */
function periodHasKey(p: KeyPeriod, thumbprint: string | undefined): boolean {
  if (p.keys === undefined && p.entry.id.startsWith('did:')) return true;
  if (thumbprint === undefined) return false;
  return p.keys?.has(thumbprint) === true || p.certified?.has(thumbprint) === true;
}

/**
 * A status list's signer, held to the same key rules as the credentials it speaks for:
 * a revoked key, or a key outside its window at the list's issuance time, cannot
 * publish status (a retired key must not un-revoke). Issuers trusted locally by the
 * policy are only held to `revoked`.
 */
export function admitStatusListSigner(
  state: RecognitionState,
  issuer: string,
  keyId: string,
  thumbprint: string | undefined,
  issuedAt: number,
  skewMs: number,
): void {
  if (state.policy.trustedIssuers?.includes(issuer)) refuseRevoked(state, issuer, keyId, thumbprint);
  else keyPeriodsAt(state, issuer, keyId, thumbprint, issuedAt, skewMs, 'status list');
}

/**
 * After the signature: the list entry that recognises this credential (by its `types`:
 * a VC's types other than VerifiableCredential, or an SD-JWT VC's `vct`) — the signing key
 * (by its material) and the issuance time inside the entry's window (key rollover), a
 * key never `revoked` — then the list's freshness, the entry's accreditation, and the
 * policy's accept rules.
 */
export function recognize(
  state: RecognitionState,
  types: readonly string[],
  issuer: string,
  format: string,
  keyId: string,
  thumbprint: string | undefined,
  issuedAt: number,
  now: number,
  skewMs: number,
  typePath = '/payload/type',
): RecognitionOutcome {
  const { policy } = state;
  const statusRequired = policy.status?.required === true;
  const policyMaxAge = policy.status?.maxAgeSeconds === undefined ? undefined : policy.status.maxAgeSeconds * 1000;
  if (policy.trustedIssuers?.includes(issuer)) {
    refuseRevoked(state, issuer, keyId, thumbprint);
    return { recognition: { source: 'local' }, warnings: [], statusRequired, statusMaxAgeMs: policyMaxAge };
  }
  const found = keyPeriodsAt(state, issuer, keyId, thumbprint, issuedAt, skewMs, 'credential')[0] as KeyPeriod;
  const { entry, list } = found;
  const warnings = staleness(state, list, now);

  if (entry.formats && !entry.formats.includes(format as never)) {
    fail('NOT_RECOGNIZED', `${entry.name} is not recognised for the ${format} format`, '/header/typ');
  }
  const accredited = entry.credentialTypes.includes('*') || (types.length > 0 && types.every((t) => entry.credentialTypes.includes(t)));
  if (!accredited) {
    fail(
      'NOT_RECOGNIZED',
      `${entry.name} (${entry.country}) is not accredited to issue ${types.join(', ') || 'untyped credentials'}`,
      typePath,
    );
  }
  // Every type the credential claims must be recognised (by some rule each): one rule for a
  // harmless type must not carry a second type that no rule accepts from this issuer.
  const rules = policy.accept;
  if (rules) {
    const unrecognised =
      types.length === 0
        ? rules.some((rule) => ruleMatches(rule, entry, []))
          ? []
          : ['untyped credentials']
        : types.filter((t) => !rules.some((rule) => ruleMatches(rule, entry, [t])));
    if (unrecognised.length > 0) {
      fail(
        'NOT_RECOGNIZED',
        `this verifier does not recognise ${unrecognised.join(', ')} from ${entry.country} at assurance ${entry.assuranceLevel}`,
        typePath,
      );
    }
  }
  const entryMaxAge = entry.status?.maxAgeSeconds === undefined ? undefined : entry.status.maxAgeSeconds * 1000;
  return {
    recognition: {
      source: 'list',
      country: entry.country,
      name: entry.name,
      assuranceLevel: entry.assuranceLevel,
      anchor: list.anchor,
      listSequence: list.sequence,
    },
    warnings,
    statusRequired: statusRequired || entry.status?.required === true,
    statusMaxAgeMs: minDefined(policyMaxAge, entryMaxAge),
  };
}

function staleness(state: RecognitionState, list: LoadedList, now: number): VerificationIssue[] {
  const grace = (state.policy.recognitionListGraceSeconds ?? 0) * 1000;
  const expired = list.validUntil !== undefined && now > list.validUntil.getTime();
  if (now <= list.nextUpdate.getTime() + grace && !expired) return [];
  const message = expired
    ? `recognition list ${list.sequence} of ${list.anchor} expired at ${list.validUntil?.toISOString()}`
    : `recognition list ${list.sequence} of ${list.anchor} was due for update at ${list.nextUpdate.toISOString()}`;
  if (state.policy.onStaleRecognitionList === 'warn') return [{ code: 'TRUST_LIST_STALE', message }];
  return fail('TRUST_LIST_STALE', message);
}

function ruleMatches(
  rule: NonNullable<RecognitionState['policy']['accept']>[number],
  entry: RecognitionEntry,
  types: readonly string[],
): boolean {
  if (rule.countries !== '*' && !rule.countries.includes(entry.country)) return false;
  if (rule.credentialTypes !== '*' && !types.some((t) => (rule.credentialTypes as string[]).includes(t))) return false;
  return meetsAssurance(entry.assuranceLevel, rule.minAssurance ?? 'low');
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
