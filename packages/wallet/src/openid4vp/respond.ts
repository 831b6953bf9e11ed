import { ERROR_CODES, type ErrorCode, isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import { describe, reading, readOptions } from '../arguments.js';
import { readBoundedBody } from '../http/bounded-body.js';
import type { PresentationFormat } from '../presentation.js';
import type { SdJwtPresentation } from '../sd-jwt/present.js';
import { checkVerifierUrl } from './destination.js';
import { type MatchingWallet, matchPresentationRequest, type PresentationCandidate, type PresentationMatch, pointersOf } from './match.js';
import type { ParsedPresentationRequest } from './request.js';

/** Largest answer read from a verifier, bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Options of {@link Wallet.respondToPresentationRequest}. */
export interface RespondOptions {
  /** The credential (wallet id) to present for a credential query (by its id), instead of the first candidate. */
  choose?: Record<string, string>;
  /** Signing and validity time (tests, audits). Default now. */
  now?: Date;
  /** The fetch the answer is posted with (default the global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Post to an http:// response_uri on any host (tests only). Default: http on 127.0.0.1 / localhost only. */
  allowInsecureHttp?: boolean;
  /** Time allowed for the verifier's answer, milliseconds. Default 15,000. */
  timeoutMs?: number;
}

/** One presentation sent. */
export interface PresentedCredential {
  queryId: string;
  credentialId: string;
  /** The presentation format: `dc+sd-jwt` (with a key-binding JWT), `jwt_vp`, `vp+jwt` or `di`. */
  format: 'dc+sd-jwt' | PresentationFormat;
  /** The claims shown, as paths (`address.locality`, `credentialSubject.given_name`). */
  disclosed: string[];
}

/** The verifier's answer to {@link Wallet.respondToPresentationRequest}. */
export interface PresentationResponse {
  /** True when the verifier answered 200 `{"status":"accepted"}`. */
  accepted: boolean;
  httpStatus: number;
  /** The verifier's JSON answer (`{}` when it was not JSON). */
  body: JsonObject;
  /** The verifier's code when it refused (`REFUSED` when it gave none this wallet knows). */
  code?: ErrorCode;
  presented: PresentedCredential[];
}

/** What answering needs of the wallet besides matching. */
export interface RespondingWallet extends MatchingWallet {
  present(request: {
    credentials: string[];
    audience: string;
    nonce: string;
    format: PresentationFormat;
    now: Date;
  }): Promise<string | JsonObject>;
  presentSdJwt(request: { credential: string; disclose: string[]; audience: string; nonce: string; now: Date }): Promise<SdJwtPresentation>;
}

/**
 * The candidate {@link Wallet.respondToPresentationRequest} presents for each credential
 * query it answers, so a caller can show the holder exactly that before asking: under
 * the request's credential_sets, the first option of each required set the wallet can
 * answer whole (the option holding a query of `choose`, when there is one), optional sets
 * only when `choose` names one of their queries; without credential_sets, every query.
 * Each query's first candidate unless `choose` names another. `INVALID_ARGUMENT` for a
 * choice of an unknown query or of a credential that does not answer it;
 * `QUERY_UNSATISFIED` when a required query or set cannot be answered.
 *
 * @example
 * ```ts
 * const plan = chooseCandidates(request, await wallet.matchPresentationRequest(request), {})
 * for (const [queryId, candidate] of plan) console.log(queryId, candidate.disclose)
 * ```
 */
export function chooseCandidates(
  request: ParsedPresentationRequest,
  match: PresentationMatch,
  choose: Record<string, string>,
): Map<string, PresentationCandidate> {
  const byId = new Map(match.queries.map((q) => [q.queryId, q]));
  for (const [queryId, credentialId] of Object.entries(choose)) {
    const q = byId.get(queryId);
    if (!q) throw new TradewindError('INVALID_ARGUMENT', `the request has no credential query ${describe(queryId)} to choose for`);
    if (!q.candidates.some((c) => c.credential.id === credentialId))
      throw new TradewindError('INVALID_ARGUMENT', `credential ${describe(credentialId)} does not answer the credential query ${queryId}`);
  }
  const pick = (queryId: string) => {
    const q = byId.get(queryId);
    const chosen = choose[queryId];
    return chosen === undefined ? q?.candidates[0] : q?.candidates.find((c) => c.credential.id === chosen);
  };
  const answered = new Map<string, PresentationCandidate>();
  const unsatisfied: string[] = [];
  const sets = request.dcql.credential_sets;
  if (!sets) {
    for (const q of match.queries) {
      const c = pick(q.queryId);
      if (c) answered.set(q.queryId, c);
      else unsatisfied.push(q.queryId);
    }
  } else {
    for (const set of sets) {
      const complete = set.options.filter((option) => option.every((id) => pick(id) !== undefined));
      // The option the holder chose a credential in comes first; otherwise the verifier's order of preference.
      const option = complete.find((o) => o.some((id) => choose[id] !== undefined)) ?? (set.required === false ? undefined : complete[0]);
      if (option === undefined) {
        if (set.required !== false) unsatisfied.push(set.options.map((o) => o.join('+')).join(' | '));
        continue;
      }
      for (const id of option) answered.set(id, pick(id) as PresentationCandidate);
    }
  }
  if (unsatisfied.length > 0)
    throw new TradewindError('QUERY_UNSATISFIED', `this wallet holds no valid credential for ${unsatisfied.join(', ')}: nothing was sent`);
  return answered;
}

/**
 * Answers an OpenID4VP request: matches it, builds one presentation per credential query
 * answered (`nonce` = the request's nonce, audience = its client_id) and posts
 * `vp_token` and `state` to its `response_uri` (`direct_post`), then reads the verifier's answer.
 */
export async function respondToPresentationRequest(
  wallet: RespondingWallet,
  request: ParsedPresentationRequest,
  given: RespondOptions | undefined,
): Promise<PresentationResponse> {
  const options = readOptions<RespondOptions>(given, 'respondToPresentationRequest options');
  const now = options.now ?? new Date();
  if (!reading('now', () => now instanceof Date && Number.isFinite(now.getTime())))
    throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
  const choose = readChoose(options.choose);
  const target = destination(request, options);
  const match = await matchPresentationRequest(wallet, request, now);
  const answered = chooseCandidates(request, match, choose);
  const vpToken: Record<string, Array<string | JsonObject>> = Object.create(null);
  const presented: PresentedCredential[] = [];
  for (const [queryId, candidate] of answered) {
    const c = candidate.credential;
    const base = { audience: request.clientId, nonce: request.nonce, now };
    if (c.format === 'dc+sd-jwt') {
      const sd = await wallet.presentSdJwt({ ...base, credential: c.id, disclose: pointersOf(candidate) });
      vpToken[queryId] = [sd.presentation];
      presented.push({ queryId, credentialId: c.id, format: 'dc+sd-jwt', disclosed: candidate.disclose.map((d) => d.path.join('.')) });
      continue;
    }
    const format: PresentationFormat = c.format === 'jwt_vc' ? 'jwt_vp' : c.format === 'di' ? 'di' : 'vp+jwt';
    vpToken[queryId] = [await wallet.present({ ...base, credentials: [c.id], format })];
    presented.push({ queryId, credentialId: c.id, format, disclosed: candidate.disclose.map((d) => d.path.join('.')) });
  }
  const form = new URLSearchParams({ vp_token: JSON.stringify(vpToken) });
  if (request.state !== undefined) form.set('state', request.state);
  const answer = await post(target, form, options);
  const accepted = answer.httpStatus === 200 && answer.body.status === 'accepted';
  return { accepted, httpStatus: answer.httpStatus, body: answer.body, ...(accepted ? {} : { code: codeOf(answer.body) }), presented };
}

/**
 * Tells the verifier the holder said no: posts `error=access_denied` (and `state`) to the
 * request's `response_uri`, and returns its answer.
 */
export async function declinePresentationRequest(
  request: ParsedPresentationRequest,
  given: Pick<RespondOptions, 'fetch' | 'allowInsecureHttp' | 'timeoutMs'> | undefined,
): Promise<{ httpStatus: number; body: JsonObject }> {
  const options = readOptions<RespondOptions>(given, 'declinePresentationRequest options');
  const target = destination(request, options);
  const form = new URLSearchParams({ error: 'access_denied', error_description: 'no credential was presented' });
  if (request.state !== undefined) form.set('state', request.state);
  return post(target, form, options);
}

/** The response_uri of a parsed request, checked again (a request object may have been changed since it was parsed). */
function destination(request: ParsedPresentationRequest, options: RespondOptions): URL {
  if (!isJsonObject(request) || typeof request.clientId !== 'string' || typeof request.nonce !== 'string')
    throw new TradewindError('INVALID_ARGUMENT', 'the request must come from parsePresentationRequest');
  const insecure = options.allowInsecureHttp ?? false;
  if (typeof insecure !== 'boolean') throw new TradewindError('INVALID_ARGUMENT', 'allowInsecureHttp must be a boolean');
  const url = checkVerifierUrl(request.responseUri, 'response_uri', insecure);
  if (request.clientId !== `redirect_uri:${request.responseUri}`)
    throw new TradewindError('MALFORMED', 'the request client_id is not redirect_uri: with its response_uri');
  return url;
}

function readChoose(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isJsonObject(value)) throw new TradewindError('INVALID_ARGUMENT', 'choose maps credential query ids to credential ids');
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' || v.length === 0) throw new TradewindError('INVALID_ARGUMENT', `choose.${k} must be a credential id`);
    out[k] = v;
  }
  return out;
}

/** Posts the form and reads the verifier's JSON answer (bounded); `UNREACHABLE` when there is none. */
async function post(url: URL, form: URLSearchParams, options: RespondOptions): Promise<{ httpStatus: number; body: JsonObject }> {
  const fetcher = options.fetch ?? globalThis.fetch;
  if (typeof fetcher !== 'function') throw new TradewindError('INVALID_ARGUMENT', 'fetch must be a function');
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new TradewindError('INVALID_ARGUMENT', 'timeoutMs must be a positive integer');
  let response: Response;
  let text: string;
  try {
    response = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await boundedText(response);
  } catch (cause) {
    throw new TradewindError('UNREACHABLE', `the verifier at ${url.host} could not be reached: ${firstLine(cause)}`, { cause });
  }
  if (response.status >= 500) throw new TradewindError('UNREACHABLE', `the verifier at ${url.host} answered ${response.status}`);
  let body: JsonObject = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isJsonObject(parsed)) body = parsed;
  } catch {
    // Not JSON: the status says what happened.
  }
  return { httpStatus: response.status, body };
}

async function boundedText(response: Response): Promise<string> {
  const bytes = await readBoundedBody(response, MAX_ANSWER_BYTES, () => new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
  return Buffer.from(bytes).toString('utf8');
}

/** The verifier's code, when it is one this wallet knows; `REFUSED` otherwise. */
function codeOf(body: JsonObject): ErrorCode {
  const code = body.code;
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'REFUSED';
}

function firstLine(e: unknown): string {
  return (
    (e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e))
      .split('\n')[0]
      ?.slice(0, 300) ?? ''
  );
}
