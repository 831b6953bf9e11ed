import type { JsonObject, VerificationIssue } from '@tradewind/core';
import type { PresentationVerificationResult, PresentedCredential, PresentedSdJwtCredential, Verifier } from '@tradewind/verifier';
import { type DcqlCredentialPresentation, DcqlPresentationResult, DcqlQuery } from 'dcql';
import type { QueryTarget } from './dcql.js';
import type { Presentation } from './response.js';
import type { PresentationSessionRecord, PresentedCredentialSummary } from './sessions.js';
import { summarize } from './summary.js';

/** What the presentations of one response add up to. */
export interface ResponseVerification {
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
  credentials: PresentedCredentialSummary[];
  holder?: string;
}

type Verified = Exclude<PresentationVerificationResult, { verified: false }>;
type Credential = PresentedCredential | PresentedSdJwtCredential;

/**
 * Verifies every presentation of a response with `verifier.verifyPresentation` (the
 * session's nonce, `audience` = its client_id, and every credential about the holder
 * unless its query sets `require_cryptographic_holder_binding: false`), then checks the verified content against
 * the request's DCQL query: each presentation in the format its credential query names
 * (an SD-JWT VC under a `jwt_vc_json` query is refused), one credential in it, and the
 * query (types or vct, claims actually disclosed, credential sets) satisfied, by
 * `DcqlPresentationResult`. Errors carry paths like `/vp_token/<queryId>/0`.
 *
 * @example
 * ```ts
 * const { errors, credentials } = await verifyResponse(bank, session, vpToken);
 * if (errors.length === 0) console.log(credentials[0].claims);
 * ```
 */
export async function verifyResponse(
  verifier: Verifier,
  session: PresentationSessionRecord,
  vpToken: Map<string, Presentation[]>,
  now?: Date,
): Promise<ResponseVerification> {
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  for (const id of vpToken.keys())
    if (!Object.hasOwn(session.targets, id))
      errors.push({ code: 'MALFORMED', message: `credential query ${id} was not asked for`, path: `/vp_token/${id}` });
  // More presentations than a query allows are refused before any is verified (each costs a verification).
  for (const [id, presentations] of vpToken)
    if (presentations.length > 1 && !multipleAllowed(session, id))
      errors.push({ code: 'QUERY_UNSATISFIED', message: `credential query ${id} takes one presentation`, path: `/vp_token/${id}` });
  if (errors.length > 0) return { errors, warnings, credentials: [] };

  const presented: Array<{ queryId: string; target: QueryTarget; result: Verified; credential: Credential; at: string }> = [];
  for (const [queryId, presentations] of vpToken) {
    const target = session.targets[queryId] as QueryTarget;
    for (const [i, p] of presentations.entries()) {
      const at = `/vp_token/${queryId}/${i}`;
      const result = await verifier.verifyPresentation(p, {
        nonce: session.nonce,
        audience: session.clientId,
        // DCQL requires holder binding unless the query waives it: a verifier configured to
        // accept credentials about others (holderBinding 'none') must not accept them here.
        ...(bindingRequired(session, queryId) ? { holderBinding: 'subject' as const } : {}),
        ...(now ? { now } : {}),
      });
      if (!result.verified) {
        for (const e of result.errors) errors.push({ ...e, path: `${at}${e.path && e.path !== '/' ? e.path : ''}` });
        continue;
      }
      for (const w of result.warnings) warnings.push({ ...w, path: `${at}${w.path ?? ''}` });
      const mismatch = formatMismatch(target, result);
      if (mismatch) {
        errors.push({ code: 'QUERY_UNSATISFIED', message: mismatch, path: at });
        continue;
      }
      const credential = result.credentials[0] as Credential;
      for (const w of credential.warnings) warnings.push({ ...w, path: `${at}/credential${w.path ?? ''}` });
      presented.push({ queryId, target, result, credential, at });
    }
  }
  if (errors.length > 0) return { errors, warnings, credentials: [] };

  const query = DcqlQuery.parse(session.dcql);
  const record: Record<string, DcqlCredentialPresentation[]> = Object.create(null);
  for (const p of presented) {
    const entry = await dcqlPresentationOf(p.credential, query, p.queryId);
    if (record[p.queryId]) record[p.queryId]?.push(entry);
    else record[p.queryId] = [entry];
  }
  let satisfied = false;
  try {
    const result = DcqlPresentationResult.fromDcqlPresentation(record, { dcqlQuery: query });
    satisfied = result.can_be_satisfied;
    if (!satisfied) errors.push(...unsatisfied(query, record, result));
  } catch (cause) {
    errors.push({ code: 'QUERY_UNSATISFIED', message: `the presentations do not answer the query: ${(cause as Error).message}` });
  }
  if (!satisfied && errors.length === 0) errors.push({ code: 'QUERY_UNSATISFIED', message: 'the presentations do not answer the query' });
  if (errors.length > 0) return { errors, warnings, credentials: [] };

  const holders = new Set(presented.map((p) => p.result.holder));
  return {
    errors,
    warnings,
    credentials: presented.map((p) => summarize(p.credential, { queryId: p.queryId, need: p.target.need })),
    ...(holders.size === 1 ? { holder: [...holders][0] as string } : {}),
  };
}

/** Whether a credential query requires cryptographic holder binding (DCQL's default: it does). */
function bindingRequired(session: PresentationSessionRecord, queryId: string): boolean {
  const query = session.dcql.credentials.find((c) => c.id === queryId) as { require_cryptographic_holder_binding?: boolean } | undefined;
  return query?.require_cryptographic_holder_binding !== false;
}

/** Whether a credential query takes several presentations (DCQL `multiple`, default false). */
function multipleAllowed(session: PresentationSessionRecord, queryId: string): boolean {
  const query = session.dcql.credentials.find((c) => c.id === queryId) as { multiple?: boolean } | undefined;
  return query?.multiple === true;
}

/** Why a verified presentation cannot answer its query's format, if it cannot. */
function formatMismatch(target: QueryTarget, result: Verified): string | undefined {
  const expected = target.format === 'dc+sd-jwt' ? ['dc+sd-jwt'] : target.format === 'jwt_vc_json' ? ['jwt_vp', 'vp+jwt'] : ['di'];
  if (!expected.includes(result.format)) return `a ${result.format} presentation does not answer a ${target.format} credential query`;
  if (result.credentials.length !== 1)
    return `a presentation answers a credential query with one credential, not ${result.credentials.length}`;
  const format = (result.credentials[0] as Credential).format;
  if (!(target.formats as string[]).includes(format))
    return `a ${format} credential does not answer a ${target.format} credential query (accepted: ${target.formats.join(', ')})`;
  return undefined;
}

async function dcqlPresentationOf(credential: Credential, query: DcqlQuery, queryId: string): Promise<DcqlCredentialPresentation> {
  if (credential.format === 'dc+sd-jwt')
    return { credential_format: 'dc+sd-jwt', vct: credential.vct, claims: credential.claims as never, cryptographic_holder_binding: true };
  const vc = credential.credential as unknown as JsonObject;
  const written = Array.isArray(vc.type)
    ? vc.type.filter((t): t is string => typeof t === 'string')
    : typeof vc.type === 'string'
      ? [vc.type]
      : [];
  // Type IRIs (DCQL's fully expanded types) only when the written names do not already match.
  const meta = query.credentials.find((c) => c.id === queryId)?.meta as { type_values?: string[][] } | undefined;
  const matches = meta?.type_values?.some((alternative) => alternative.every((t) => written.includes(t))) ?? true;
  // Loaded on demand: the JSON-LD code behind it stays out of bundles that never need it.
  const expanded = matches ? [] : await (await import('@tradewind/verifier/data-integrity')).expandedTypes(vc);
  const types = [...new Set([...written, ...expanded])];
  return {
    credential_format: credential.format === 'di' ? 'ldp_vc' : 'jwt_vc_json',
    type: types,
    claims: vc as never,
    cryptographic_holder_binding: true,
  };
}

/** One QUERY_UNSATISFIED per credential query that fails, saying what is missing where it can. */
function unsatisfied(
  query: DcqlQuery,
  record: Record<string, DcqlCredentialPresentation[]>,
  result: DcqlPresentationResult,
): VerificationIssue[] {
  const issues: VerificationIssue[] = [];
  for (const [id, match] of Object.entries(result.credential_matches)) {
    if (match.success && !('failed_credentials' in match && match.failed_credentials)) continue;
    const credentialQuery = query.credentials.find((c) => c.id === id);
    const missing = (credentialQuery?.claims ?? [])
      .map((c) => ('path' in c ? (c.path as Array<string | number | null>) : []))
      .filter((path) => path.length > 0 && (record[id] ?? []).some((p) => !hasPath('claims' in p ? p.claims : undefined, path)));
    issues.push({
      code: 'QUERY_UNSATISFIED',
      message:
        missing.length > 0
          ? `credential query ${id}: not disclosed: ${missing.map((p) => p.join('.')).join(', ')}`
          : `credential query ${id}: the credential is not of the type or vct asked for`,
      path: `/vp_token/${id}`,
    });
  }
  const answered = new Set(Object.keys(record));
  if (query.credential_sets) {
    for (const set of result.credential_sets ?? [])
      if (set.required && !set.matching_options)
        issues.push({
          code: 'QUERY_UNSATISFIED',
          message: `no presentation answers any of ${set.options.map((o) => o.join('+')).join(', ')}`,
        });
  } else {
    for (const c of query.credentials)
      if (!answered.has(c.id))
        issues.push({ code: 'QUERY_UNSATISFIED', message: `no presentation answers credential query ${c.id}`, path: `/vp_token/${c.id}` });
  }
  return issues;
}

function hasPath(value: unknown, path: ReadonlyArray<string | number | null>): boolean {
  let at: unknown = value;
  for (const step of path) {
    if (step === null) return Array.isArray(at) && at.length > 0;
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, String(step))) return false;
    at = (at as Record<string, unknown>)[String(step)];
  }
  return at !== undefined;
}
