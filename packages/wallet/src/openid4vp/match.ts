import { isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import { type DcqlCredential, DcqlQuery, type DcqlQueryResult } from 'dcql';
import type { StoredCredential } from '../credential-record.js';
import { escapePointer, sdJwtParts } from '../sd-jwt/disclosures.js';
import { selectDisclosures } from '../sd-jwt/present.js';
import { dcqlCredentialOf, sdJwtClaimsOf, w3cJsonOf } from './dcql-credential.js';
import type { ParsedPresentationRequest } from './request.js';

/** One claim a presentation would show, and its value as the verifier would see it. */
export interface DisclosedClaim {
  /** Where it sits: an SD-JWT VC claim path (`['address','locality']`), or a path into a W3C credential (`['credentialSubject','given_name']`). */
  path: string[];
  value: unknown;
}

/** A stored credential that answers a credential query, and exactly what presenting it shows. */
export interface PresentationCandidate {
  credential: StoredCredential;
  /**
   * What the verifier learns about the subject. An SD-JWT VC: the requested claims — a
   * claim that sits in a disclosable one brings that one (without its other disclosable
   * members), listed as well — and requested claims the issuer signed in plain text. A W3C
   * credential (`jwt_vc`, `vc+jwt`, `di`) is always presented whole: every
   * `credentialSubject` claim is listed.
   */
  disclose: DisclosedClaim[];
  /** SD-JWT VCs: the disclosable claims not shown (JSON Pointers). */
  withheld?: string[];
}

/** One DCQL credential query and the wallet's credentials that answer it. */
export interface QueryMatch {
  queryId: string;
  /** The DCQL format asked: `dc+sd-jwt`, `jwt_vc_json` or `ldp_vc` (others are never matched). */
  format: string;
  /** True when the request cannot be answered without this query (no credential_sets, or one every option of a required set needs). */
  required: boolean;
  /** Newest first; the first is presented unless the holder chooses another. */
  candidates: PresentationCandidate[];
}

/** The result of {@link Wallet.matchPresentationRequest}. */
export interface PresentationMatch {
  /** Whether the wallet holds what the query requires (its credential_sets honoured). */
  satisfiable: boolean;
  queries: QueryMatch[];
}

/** What matching needs of the wallet. */
export interface MatchingWallet {
  /** Every stored credential. */
  credentials(): Promise<StoredCredential[]>;
  /** The fully expanded types of a W3C credential's JSON (with the contexts stored with it). */
  expandedTypes(credential: StoredCredential, json: JsonObject): Promise<string[]>;
}

/** The SD-JWT claims (JSON Pointers) each candidate presents, kept out of the public shape. */
const requestedPointers = new WeakMap<PresentationCandidate, string[]>();

/** The JSON Pointers of the requested claims of an SD-JWT candidate (for presentSdJwt). */
export function pointersOf(candidate: PresentationCandidate): string[] {
  return requestedPointers.get(candidate) ?? [];
}

/**
 * Matches a request's DCQL query against the wallet with `dcql`: every credential valid at
 * `now` is offered to it in its DCQL shape (expired and not-yet-valid ones are not), and
 * for each credential query the wallet lists what answers it and what presenting that
 * shows, the claim set (`claim_sets`) chosen being the first the credential satisfies.
 */
export async function matchPresentationRequest(
  wallet: MatchingWallet,
  request: ParsedPresentationRequest,
  now: Date,
): Promise<PresentationMatch> {
  const query = request?.dcql;
  if (!isJsonObject(query) || !Array.isArray(query.credentials))
    throw new TradewindError('INVALID_ARGUMENT', 'matchPresentationRequest takes a request from parsePresentationRequest');
  const at = now.getTime();
  const held = (await wallet.credentials())
    .filter((c) => !(c.validUntil && c.validUntil.getTime() <= at) && !(c.validFrom && c.validFrom.getTime() > at))
    .reverse();
  const offered: Array<{ credential: StoredCredential; dcql: DcqlCredential }> = [];
  for (const credential of held) {
    let dcql: DcqlCredential | undefined;
    try {
      const types = credential.format === 'dc+sd-jwt' ? [] : await wallet.expandedTypes(credential, w3cJsonOf(credential));
      dcql = dcqlCredentialOf(credential, types);
    } catch {
      dcql = undefined; // a credential the wallet cannot read in DCQL terms is not offered
    }
    if (dcql) offered.push({ credential, dcql });
  }
  let result: DcqlQueryResult;
  try {
    result = DcqlQuery.query(query, offered.map((o) => o.dcql) as never);
  } catch (e) {
    throw new TradewindError('MALFORMED', `the request's DCQL query cannot be run: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const queries: QueryMatch[] = query.credentials.map((q) => {
    const match = result.credential_matches[q.id];
    const candidates: PresentationCandidate[] = [];
    for (const valid of match?.success ? match.valid_credentials : []) {
      const entry = offered[valid.input_credential_index];
      if (!entry) continue;
      const sets = valid.claims.success ? valid.claims.valid_claim_sets : [];
      const chosen = [...sets].sort((a, b) => (a.claim_set_index ?? 0) - (b.claim_set_index ?? 0))[0];
      const asked = (q.claims ?? []) as ReadonlyArray<{ path?: Array<string | number | null> }>;
      const claimPaths = (chosen?.valid_claim_indexes ?? []).map((i: number) => asked[i]?.path ?? []);
      candidates.push(candidateOf(entry.credential, q.claims === undefined ? [] : claimPaths));
    }
    return { queryId: q.id, format: q.format, required: isRequired(query, q.id), candidates };
  });
  return { satisfiable: result.can_be_satisfied, queries };
}

/** Whether a request cannot be answered without a query. */
function isRequired(query: DcqlQuery, id: string): boolean {
  if (!query.credential_sets) return true;
  return query.credential_sets.some((s) => s.required !== false && s.options.every((o) => o.includes(id)));
}

/** What presenting `credential` for claims at `paths` shows. */
function candidateOf(credential: StoredCredential, paths: ReadonlyArray<ReadonlyArray<string | number | null>>): PresentationCandidate {
  if (credential.format !== 'dc+sd-jwt') {
    const subject = w3cJsonOf(credential).credentialSubject;
    const disclose: DisclosedClaim[] = [];
    const subjects = Array.isArray(subject) ? subject : [subject];
    for (const [i, s] of subjects.entries()) {
      if (!isJsonObject(s)) continue;
      for (const [k, v] of Object.entries(s))
        disclose.push({ path: Array.isArray(subject) ? ['credentialSubject', String(i), k] : ['credentialSubject', k], value: v });
    }
    return { credential, disclose };
  }
  const parts = sdJwtParts(credential.raw);
  const claims = sdJwtClaimsOf(credential);
  // A wildcard (null) asks for every element: the array itself is disclosed.
  const pointers = [...new Set(paths.map(pointerOfPath))];
  const chosen = selectDisclosures(parts, pointers);
  const encoded = new Set([...chosen].map((d) => d.encoded));
  const disclose: DisclosedClaim[] = parts.disclosures
    .filter((d) => chosen.has(d))
    .map((d) => ({ path: segmentsOf(d.path), value: parts.resolve(d.rawValue, (e) => encoded.has(e)) }));
  for (const pointer of pointers) {
    const covered = [...chosen].some((d) => within(d.path, pointer) || within(pointer, d.path));
    if (!covered) disclose.push({ path: segmentsOf(pointer), value: valueAt(claims, pointer) });
  }
  const candidate: PresentationCandidate = {
    credential,
    disclose,
    withheld: parts.disclosures.filter((d) => !chosen.has(d)).map((d) => d.path),
  };
  requestedPointers.set(candidate, pointers);
  return candidate;
}

/** A DCQL claims path as a JSON Pointer, up to its first wildcard. */
function pointerOfPath(path: ReadonlyArray<string | number | null>): string {
  let pointer = '';
  for (const segment of path) {
    if (segment === null) break;
    pointer += `/${typeof segment === 'number' ? String(segment) : escapePointer(segment)}`;
  }
  return pointer;
}

function segmentsOf(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of segmentsOf(pointer)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isJsonObject(node) && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}
