import { TradewindError } from '@tradewind/core';
import { DcqlQuery } from 'dcql';
import { ACCEPTED_FORMATS, type AcceptedFormat, type CredentialNeed, NEED_ID } from './needs.js';

/** The DCQL `format` identifiers (OpenID4VP 1.0 Appendix B) this package asks for. */
export type DcqlFormat = 'dc+sd-jwt' | 'jwt_vc_json' | 'ldp_vc';

/** What a DCQL credential query stands for: the need it answers and the Tradewind formats it accepts. */
export interface QueryTarget {
  need: string;
  format: DcqlFormat;
  formats: AcceptedFormat[];
}

/** Most credential queries in one request (and credential query ids in one response). */
export const MAX_QUERIES = 16;

const DCQL_FORMAT: Record<AcceptedFormat, DcqlFormat> = {
  'dc+sd-jwt': 'dc+sd-jwt',
  jwt_vc: 'jwt_vc_json',
  'vc+jwt': 'jwt_vc_json',
  di: 'ldp_vc',
};
/** The base VCDM terms, which every VC context (1.1 and 2.0) maps to these IRIs. */
const VCDM_TERMS: Record<string, string> = {
  VerifiableCredential: 'https://www.w3.org/2018/credentials#VerifiableCredential',
};
/** What VCDM 2.0's undefined-terms context (`…/credentials/undefined-terms/v2`) makes of a type no other context defines. */
const UNDEFINED_TERM_BASE = 'https://www.w3.org/ns/credentials/undefined-term#';
const TERM = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * DCQL `type_values` are fully expanded type IRIs (OpenID4VP 1.0 §B.1.1). A type the caller
 * writes as a bare name stays that name when no context defines it; under VCDM 2.0's
 * undefined-terms context it becomes `…/undefined-term#<name>`. Both are asked for, as two
 * alternatives; `VerifiableCredential` is always its IRI.
 */
function typeAlternatives(types: readonly string[]): string[][] {
  const written = types.map((t) => VCDM_TERMS[t] ?? t);
  if (!written.some((t) => TERM.test(t))) return [written];
  return [written, written.map((t) => (TERM.test(t) ? UNDEFINED_TERM_BASE + t : t))];
}

const SUFFIX: Record<DcqlFormat, string> = { 'dc+sd-jwt': 'sdjwt', jwt_vc_json: 'jwt', ldp_vc: 'ldp' };
const DCQL_ORDER: readonly DcqlFormat[] = ['dc+sd-jwt', 'jwt_vc_json', 'ldp_vc'];

/**
 * The DCQL query for some credential needs (OpenID4VP 1.0 Appendix B): one credential
 * query per need and DCQL format — `dc+sd-jwt` with `vct_values`, `jwt_vc_json` (for
 * `jwt_vc` and `vc+jwt`) and `ldp_vc` (for `di`) with `type_values` — and, for a need
 * accepted in several formats, ids `<need>_sdjwt`, `<need>_jwt`, `<need>_ldp` tied by a
 * required credential set (then every other need is a required set of its one query). Claim paths go under `credentialSubject` for W3C formats.
 * Checked with `DcqlQuery.parse` and `DcqlQuery.validate`; `INVALID_ARGUMENT` otherwise.
 *
 * @example
 * ```ts
 * dcqlQueryOf([{ id: 'pid', vct: ['NationalIdCredential'], claims: ['given_name'], formats: ['dc+sd-jwt'] }]);
 * // { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['NationalIdCredential'] },
 * //                   claims: [{ path: ['given_name'] }] }] }
 * ```
 */
export function dcqlQueryOf(needs: readonly CredentialNeed[]): DcqlQuery.Input {
  return planQuery(needs).query;
}

/** {@link dcqlQueryOf} with what each credential query stands for. */
export function planQuery(needs: readonly CredentialNeed[]): { query: DcqlQuery.Input; targets: Map<string, QueryTarget> } {
  if (!Array.isArray(needs) || needs.length === 0) throw invalid('at least one credential need is required', '/needs');
  const credentials: Array<Record<string, unknown>> = [];
  const sets: Array<{ options: string[][]; required: true }> = [];
  const targets = new Map<string, QueryTarget>();
  const seen = new Set<string>();
  for (const [n, need] of needs.entries()) {
    const at = `/needs/${n}`;
    if (need === null || typeof need !== 'object') throw invalid('a need is an object', at);
    if (typeof need.id !== 'string' || !NEED_ID.test(need.id)) throw invalid('a need id is 1 to 64 of A-Z a-z 0-9 _ -', `${at}/id`);
    if (seen.has(need.id)) throw invalid(`two needs are called ${need.id}`, `${at}/id`);
    seen.add(need.id);
    const types = stringList(need.types, `${at}/types`);
    const vct = stringList(need.vct, `${at}/vct`);
    const claims = claimPaths(need.claims, `${at}/claims`);
    const formats = acceptedFormats(need, types, vct, at);
    const dcqlFormats = DCQL_ORDER.filter((f) => formats.some((a) => DCQL_FORMAT[a] === f));
    const ids: string[] = [];
    for (const format of dcqlFormats) {
      const id = dcqlFormats.length === 1 ? need.id : `${need.id}_${SUFFIX[format]}`;
      if (targets.has(id)) throw invalid(`two credential queries would be called ${id}`, `${at}/id`);
      ids.push(id);
      const sdJwt = format === 'dc+sd-jwt';
      credentials.push({
        id,
        format,
        meta: sdJwt ? { vct_values: vct } : { type_values: typeAlternatives(types) },
        ...(claims.length > 0 ? { claims: claims.map((path) => ({ path: sdJwt ? path : ['credentialSubject', ...path] })) } : {}),
      });
      targets.set(id, { need: need.id, format, formats: formats.filter((a) => DCQL_FORMAT[a] === format) });
    }
    sets.push({ options: ids.map((id) => [id]), required: true });
  }
  // With credential_sets, a query in no set is not asked for: a need in one format gets a set
  // of its own, but only when some need has several formats (otherwise no sets at all).
  const several = sets.some((set) => set.options.length > 1);
  if (credentials.length > MAX_QUERIES) throw invalid(`at most ${MAX_QUERIES} credential queries in one request`, '/needs');
  const query = (several ? { credentials, credential_sets: sets } : { credentials }) as DcqlQuery.Input;
  checkDcql(query);
  return { query, targets };
}

/**
 * Checks a DCQL query given as it is (`DcqlQuery.parse` and `DcqlQuery.validate`) and
 * what each credential query stands for; only `dc+sd-jwt`, `jwt_vc_json` and `ldp_vc`
 * credential queries are supported. `INVALID_ARGUMENT` otherwise.
 */
export function targetsOfQuery(query: DcqlQuery.Input): { query: DcqlQuery.Input; targets: Map<string, QueryTarget> } {
  const parsed = checkDcql(query);
  if (parsed.credentials.length > MAX_QUERIES) throw invalid(`at most ${MAX_QUERIES} credential queries in one request`, '/credentials');
  const targets = new Map<string, QueryTarget>();
  for (const [i, c] of parsed.credentials.entries()) {
    const format = c.format as string;
    if (format !== 'dc+sd-jwt' && format !== 'jwt_vc_json' && format !== 'ldp_vc')
      throw invalid(`credential query format ${format} is not supported (dc+sd-jwt, jwt_vc_json, ldp_vc)`, `/credentials/${i}/format`);
    targets.set(c.id, { need: c.id, format, formats: ACCEPTED_FORMATS.filter((a) => DCQL_FORMAT[a] === format) });
  }
  return { query: JSON.parse(JSON.stringify(query)) as DcqlQuery.Input, targets };
}

function checkDcql(query: DcqlQuery.Input): DcqlQuery {
  try {
    const parsed = DcqlQuery.parse(query);
    DcqlQuery.validate(parsed);
    return parsed;
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `not a valid DCQL query: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

function acceptedFormats(need: CredentialNeed, types: string[], vct: string[], at: string): AcceptedFormat[] {
  if (need.formats === undefined) {
    const formats = ACCEPTED_FORMATS.filter((f) => (f === 'dc+sd-jwt' ? vct.length > 0 : types.length > 0));
    if (formats.length === 0) throw invalid('a need gives types (W3C formats) or vct (SD-JWT VC), or both', at);
    return formats;
  }
  if (!Array.isArray(need.formats) || need.formats.length === 0) throw invalid('formats lists at least one format', `${at}/formats`);
  for (const f of need.formats)
    if (!(ACCEPTED_FORMATS as readonly unknown[]).includes(f))
      throw invalid(`format ${String(f)} is not one of ${ACCEPTED_FORMATS.join(', ')}`, `${at}/formats`);
  if (need.formats.includes('dc+sd-jwt') && vct.length === 0) throw invalid('dc+sd-jwt needs vct values', `${at}/vct`);
  if (need.formats.some((f) => f !== 'dc+sd-jwt') && types.length === 0) throw invalid('W3C formats need types', `${at}/types`);
  return ACCEPTED_FORMATS.filter((f) => need.formats?.includes(f));
}

function stringList(value: unknown, at: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 2048) || value.length > 32)
    throw invalid('a list of 1 to 32 non-empty strings', at);
  return [...new Set(value as string[])];
}

function claimPaths(value: unknown, at: string): string[][] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 64) throw invalid('claims is a list of at most 64 claim names or paths', at);
  return value.map((c, i) => {
    const path = typeof c === 'string' ? [c] : c;
    if (!Array.isArray(path) || path.length === 0 || path.length > 16 || !path.every((p) => typeof p === 'string' && p.length > 0))
      throw invalid('a claim is a name or a non-empty path of names', `${at}/${i}`);
    return [...path] as string[];
  });
}

function invalid(message: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message, { path });
}
