import { TradewindError } from '@tradewind/core';
import type { RecognitionPolicy } from '@tradewind/verifier';

/** The Tradewind credential formats a request may accept (see the DCQL mapping in the README). */
export type AcceptedFormat = 'dc+sd-jwt' | 'jwt_vc' | 'vc+jwt' | 'di';

/** Every accepted format, in the order credential queries are written. */
export const ACCEPTED_FORMATS: readonly AcceptedFormat[] = ['dc+sd-jwt', 'jwt_vc', 'vc+jwt', 'di'];

/** One credential a verifier needs to see, in any of the formats it accepts. */
export interface CredentialNeed {
  /** Names the need (and its DCQL credential query ids): `[A-Za-z0-9_-]{1,64}`. */
  id: string;
  /** W3C VC types the credential must have (DCQL `type_values: [[...types]]`); ignored for SD-JWT VCs. */
  types?: string[];
  /** SD-JWT VC `vct` values accepted (DCQL `vct_values`). */
  vct?: string[];
  /**
   * The claims to see: `'given_name'` or a path such as `['address', 'locality']`. For W3C
   * credentials each path is taken under `credentialSubject`; for SD-JWT VCs as it is.
   */
  claims?: Array<string | string[]>;
  /** Default: every W3C format when `types` is given, and `dc+sd-jwt` when `vct` is. */
  formats?: AcceptedFormat[];
}

/** What {@link credentialNeedsFromPolicy} cannot read from a policy. */
export interface NeedsFromPolicyInput {
  /** The claims every need asks for. */
  claims?: Array<string | string[]>;
  /** SD-JWT VC `vct` values per credential type; default the type name itself (as the issuer sets `vct`). */
  vct?: Record<string, string[]>;
  /**
   * The credential types asked for, where the policy accepts any type (`'*'`) or has no
   * accept rules; ignored otherwise.
   */
  types?: string[];
  /** Id of the need when there is one; with several, `<id>_<n>`. Default: the type name. */
  id?: string;
}

export const NEED_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The credential needs a recognition policy implies: one need per credential type its
 * accept rules name, in the formats the policy accepts (all four by default). A policy
 * that accepts any type (`'*'`, or no accept rules) says nothing about what to ask for:
 * then `given.types` (or `given.vct`) must say it, else `INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const needs = credentialNeedsFromPolicy(
 *   { anchors: [anchorDid], accept: [{ countries: ['TT'], credentialTypes: ['NationalIdCredential'] }] },
 *   { claims: ['given_name', 'nationality'], id: 'national_id' },
 * );
 * // [{ id: 'national_id', types: ['NationalIdCredential'], vct: ['NationalIdCredential'],
 * //    claims: [...], formats: ['dc+sd-jwt', 'jwt_vc', 'vc+jwt', 'di'] }]
 * ```
 */
export function credentialNeedsFromPolicy(policy: RecognitionPolicy, given: NeedsFromPolicyInput = {}): CredentialNeed[] {
  if (policy === null || typeof policy !== 'object') throw new TradewindError('INVALID_ARGUMENT', 'a recognition policy is required');
  const rules = policy.accept ?? [];
  const anyType = rules.length === 0 || rules.some((r) => r.credentialTypes === '*');
  const types: string[] = [];
  const add = (t: string) => {
    if (!types.includes(t)) types.push(t);
  };
  if (anyType) {
    for (const t of given.types ?? []) add(t);
    for (const t of Object.keys(given.vct ?? {})) add(t);
    if (types.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'the policy accepts any credential type: give the types (or vct values) to ask for', {
        path: '/accept',
      });
  } else {
    for (const rule of rules) if (Array.isArray(rule.credentialTypes)) for (const t of rule.credentialTypes) add(t);
  }
  const policyFormats = policy.formats?.filter((f): f is AcceptedFormat => (ACCEPTED_FORMATS as readonly string[]).includes(f));
  // Without `formats` the verifier accepts every format, so the request asks for all of them.
  const formats = policyFormats ?? [...ACCEPTED_FORMATS];
  if (formats.length === 0) throw new TradewindError('INVALID_ARGUMENT', 'the policy accepts no format a request can ask for');
  if (given.id !== undefined && !NEED_ID.test(given.id))
    throw new TradewindError('INVALID_ARGUMENT', 'a need id is 1 to 64 of A-Z a-z 0-9 _ -', { path: '/id' });
  return types.map((type, i) => {
    const id = given.id === undefined ? needIdOf(type) : types.length === 1 ? given.id : `${given.id}_${i + 1}`;
    return {
      id,
      types: [type],
      vct: given.vct?.[type] ?? [type],
      ...(given.claims ? { claims: given.claims.map((c) => (Array.isArray(c) ? [...c] : c)) } : {}),
      formats: [...formats],
    };
  });
}

/** A need id from a type name (an IRI's last segment, characters outside the id alphabet dropped). */
function needIdOf(type: string): string {
  const last = type.split(/[#/:]/).filter(Boolean).pop() ?? type;
  const id = last.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
  if (id.length === 0)
    throw new TradewindError('INVALID_ARGUMENT', `no need id can be made from the type ${JSON.stringify(type)}: give one`);
  return id;
}
