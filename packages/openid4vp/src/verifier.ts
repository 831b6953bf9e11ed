import { base64urlEncode, type JsonObject, TradewindError, type VerificationIssue } from '@tradewind/core';
import type { Verifier } from '@tradewind/verifier';
import type { DcqlQuery } from 'dcql';
import { planQuery, type QueryTarget, targetsOfQuery } from './dcql.js';
import type { CredentialNeed } from './needs.js';
import { authorizationRequestOf, type RequestPayload } from './request.js';
import { codeOf, MAX_BODY_BYTES, parseResponse, readForm, stateOf } from './response.js';
import { MemorySessionStore, type PresentationOutcome, type PresentationSessionRecord, type SessionStore } from './sessions.js';
import { verifyResponse } from './verify-response.js';

/** Options of {@link PresentationVerifier}. */
export interface Openid4vpVerifierOptions {
  /** Where wallets post responses: an absolute https URL, or http on 127.0.0.1 or localhost (tests, local use). */
  responseUri: string;
  /** Shown to the holder (`client_metadata.client_name`). */
  clientName?: string;
  /** Verifies every presentation: `createVerifier({ policy, recognitionLists, status… })` of @tradewind/verifier. */
  verifier: Verifier;
  /** How long a request may be answered, in seconds: 30 to 3600, default 300. */
  ttlSeconds?: number;
  /** Default: a {@link MemorySessionStore}. */
  sessions?: SessionStore;
  now?: () => Date;
}

/** A request made: what the QR code carries and what the verifier keeps. */
export interface PresentationRequestSession {
  /** The session id, also the request's `state`. */
  id: string;
  nonce: string;
  state: string;
  clientId: string;
  /** `openid4vp://?…`, for a QR code or a link. */
  uri: string;
  /** The request parameters. */
  request: RequestPayload;
  createdAt: Date;
  expiresAt: Date;
}

/** What {@link PresentationVerifier.session} tells about a request. */
export interface SessionView {
  id: string;
  status: 'pending' | 'accepted' | 'refused' | 'expired';
  expiresAt: Date;
  outcome?: PresentationOutcome;
}

/** The HTTP answer to a response, and the outcome recorded for its session (when one was found). */
export interface HandledResponse {
  httpStatus: number;
  body: JsonObject;
  outcome?: PresentationOutcome;
}

/**
 * The verifier side of OpenID4VP 1.0 with DCQL and `direct_post`: makes requests
 * (`redirect_uri:` client id, unsigned, by value), receives the wallet's response at
 * `responseUri`, verifies every presentation with @tradewind/verifier and checks the
 * query is satisfied, once per request.
 *
 * @example
 * ```ts
 * const oid4vp = new PresentationVerifier({ responseUri: 'https://bank.example.bb/openid4vp/response', verifier: bank });
 * const request = await oid4vp.createRequest({ needs: credentialNeedsFromPolicy(policy, { claims: ['given_name'] }) });
 * showQr(request.uri);
 * // POST /openid4vp/response → oid4vp.handle(request)
 * (await oid4vp.session(request.id))?.status; // 'pending', then 'accepted' or 'refused'
 * ```
 */
export class PresentationVerifier {
  readonly clientId: string;
  readonly #responseUri: string;
  readonly #clientName: string | undefined;
  readonly #verifier: Verifier;
  readonly #ttlMs: number;
  readonly #sessions: SessionStore;
  readonly #now: () => Date;
  readonly #clockGiven: boolean;

  constructor(options: Openid4vpVerifierOptions) {
    if (options === null || typeof options !== 'object') throw invalid('PresentationVerifier needs options');
    const { responseUri, clientName, verifier, ttlSeconds = 300, sessions, now } = options;
    checkResponseUri(responseUri);
    if (clientName !== undefined && (typeof clientName !== 'string' || clientName.length === 0 || clientName.length > 256))
      throw invalid('clientName is a string of 1 to 256 characters');
    if (verifier === null || typeof verifier !== 'object' || typeof verifier.verifyPresentation !== 'function')
      throw invalid('a verifier (createVerifier of @tradewind/verifier) is required');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 30 || ttlSeconds > 3600)
      throw invalid('ttlSeconds is a whole number from 30 to 3600');
    if (now !== undefined && typeof now !== 'function') throw invalid('now is a function returning a Date');
    this.#responseUri = responseUri;
    this.clientId = `redirect_uri:${responseUri}`;
    this.#clientName = clientName;
    this.#verifier = verifier;
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now ?? (() => new Date());
    this.#clockGiven = now !== undefined;
    this.#sessions = sessions ?? new MemorySessionStore({ now: this.#now });
  }

  /**
   * Makes a request for some credential needs (see `dcqlQueryOf`) or a DCQL query of the
   * caller's (`dc+sd-jwt`, `jwt_vc_json` and `ldp_vc` queries only), with a fresh nonce and
   * state (256 random bits each) and stores its session. `INVALID_ARGUMENT` for a bad
   * query, `LIMIT_EXCEEDED` when the store holds too many pending requests.
   *
   * @example
   * ```ts
   * const { id, uri, expiresAt } = await oid4vp.createRequest({
   *   needs: [{ id: 'pid', vct: ['NationalIdCredential'], claims: ['nationality'], formats: ['dc+sd-jwt'] }],
   * });
   * ```
   */
  async createRequest(input: { needs: CredentialNeed[] } | { dcql: DcqlQuery.Input }): Promise<PresentationRequestSession> {
    if (input === null || typeof input !== 'object') throw invalid('createRequest takes { needs } or { dcql }');
    const plan = 'needs' in input ? planQuery(input.needs) : 'dcql' in input ? targetsOfQuery(input.dcql) : undefined;
    if (!plan) throw invalid('createRequest takes { needs } or { dcql }');
    const state = randomId();
    const nonce = randomId();
    const createdAt = this.#now();
    const expiresAt = new Date(createdAt.getTime() + this.#ttlMs);
    const { payload, uri } = await authorizationRequestOf({
      responseUri: this.#responseUri,
      nonce,
      state,
      dcql: plan.query,
      formats: [...plan.targets.values()].map((t) => t.format),
      ...(this.#clientName ? { clientName: this.#clientName } : {}),
    });
    const targets: Record<string, QueryTarget> = Object.create(null);
    for (const [id, t] of plan.targets) targets[id] = t;
    await this.#sessions.put({
      id: state,
      nonce,
      clientId: this.clientId,
      dcql: plan.query,
      targets: { ...targets },
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    return { id: state, nonce, state, clientId: this.clientId, uri, request: payload, createdAt, expiresAt };
  }

  /**
   * The state of a request: pending, accepted, refused (with the outcome) or expired;
   * undefined for an unknown (or long pruned) id.
   *
   * @example
   * ```ts
   * const view = await oid4vp.session(id);
   * if (view?.status === 'accepted') console.log(view.outcome?.credentials[0]?.claims);
   * ```
   */
  async session(id: string): Promise<SessionView | undefined> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
    const s = await this.#sessions.get(id);
    if (!s) return undefined;
    const expiresAt = new Date(s.expiresAt);
    if (s.outcome) return { id: s.id, status: s.outcome.status, expiresAt, outcome: s.outcome };
    return { id: s.id, status: !s.claimed && this.#now().getTime() > expiresAt.getTime() ? 'expired' : 'pending', expiresAt };
  }

  /**
   * Handles a wallet's direct_post body (`state` and `vp_token`, or `error`): finds the
   * session, takes it once (a second response is REPLAYED and the first outcome stays),
   * verifies and records the outcome. Never throws for bad input.
   *
   * @example
   * ```ts
   * const { httpStatus, body } = await oid4vp.handleResponse(await request.text());
   * // 200 { status: 'accepted' } | 400 { status: 'refused', error: 'invalid_request', error_description, code }
   * ```
   */
  async handleResponse(body: string | URLSearchParams | Record<string, string>): Promise<HandledResponse> {
    let state: string;
    let fields: Map<string, string>;
    try {
      fields = readForm(body);
      state = stateOf(fields);
    } catch (error) {
      return refused(codeOf(error), (error as Error).message);
    }
    const session = await this.#sessions.get(state);
    if (!session) return refused('REQUEST_UNKNOWN', 'no request with this state');
    const receivedAt = this.#now();
    if (receivedAt.getTime() > Date.parse(session.expiresAt) && !session.claimed)
      return refused('REQUEST_EXPIRED', `the request expired at ${session.expiresAt}`);
    if (!(await this.#sessions.claim(state))) return refused('REPLAYED', 'this request was already answered');

    const outcome = await this.#decide(session, fields, receivedAt);
    await this.#sessions.complete(state, outcome);
    if (outcome.status === 'accepted') return { httpStatus: 200, body: { status: 'accepted' }, outcome };
    const first = outcome.errors[0] as VerificationIssue;
    if (first.code === 'DECLINED') return { httpStatus: 200, body: { status: 'declined' }, outcome };
    return { ...refused(first.code, first.message), outcome };
  }

  /**
   * A web-standard handler for POST `responseUri` (Node 18+, Deno, Workers, Hono…):
   * 405 for other methods, 413 for a body over 1 MiB, 400 for a body that is not
   * `application/x-www-form-urlencoded`, otherwise {@link handleResponse}'s answer as JSON.
   *
   * @example
   * ```ts
   * app.post('/openid4vp/response', (c) => oid4vp.handle(c.req.raw));
   * ```
   */
  async handle(request: Request): Promise<Response> {
    if (request.method !== 'POST') {
      const r = refused('MALFORMED', 'only POST is accepted here');
      return json(405, r.body, { allow: 'POST' });
    }
    const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      const r = refused('MALFORMED', 'the response is a form (application/x-www-form-urlencoded)');
      return json(r.httpStatus, r.body);
    }
    const text = await readLimited(request);
    if (text === undefined) {
      const r = refused('LIMIT_EXCEEDED', `a response body is at most ${MAX_BODY_BYTES} bytes`);
      // The rest of the body stays unread: the connection cannot carry another request.
      return json(r.httpStatus, r.body, { connection: 'close' });
    }
    try {
      const { httpStatus, body } = await this.handleResponse(text);
      return json(httpStatus, body);
    } catch (error) {
      // The session store failed (bad input never throws): the wallet may try again.
      const code = error instanceof TradewindError ? error.code : 'STORAGE_ERROR';
      return json(500, { status: 'refused', error: 'server_error', error_description: 'the verifier could not record the response', code });
    }
  }

  async #decide(session: PresentationSessionRecord, fields: Map<string, string>, receivedAt: Date): Promise<PresentationOutcome> {
    const outcome = (errors: VerificationIssue[], rest: Partial<PresentationOutcome> = {}): PresentationOutcome => ({
      status: errors.length === 0 ? 'accepted' : 'refused',
      errors,
      warnings: [],
      credentials: [],
      ...rest,
      receivedAt: receivedAt.toISOString(),
    });
    try {
      const response = parseResponse(fields);
      if (response.kind === 'error') {
        const what = response.error === 'access_denied' ? 'the holder declined' : `the wallet answered ${response.error}`;
        return outcome([
          { code: 'DECLINED', message: `${what}${response.description ? `: ${response.description}` : ''}`, path: '/error' },
        ]);
      }
      const verified = await verifyResponse(this.#verifier, session, response.vpToken, this.#clockGiven ? receivedAt : undefined);
      return outcome(verified.errors, {
        warnings: verified.warnings,
        credentials: verified.credentials,
        ...(verified.holder ? { holder: verified.holder } : {}),
      });
    } catch (error) {
      const path = error instanceof TradewindError ? error.path : undefined;
      return outcome([{ code: codeOf(error), message: (error as Error).message, ...(path ? { path } : {}) }]);
    }
  }
}

function refused(code: VerificationIssue['code'], message: string): HandledResponse {
  return {
    httpStatus: code === 'LIMIT_EXCEEDED' && message.includes('body') ? 413 : 400,
    body: { status: 'refused', error: 'invalid_request', error_description: message, code },
  };
}

function json(status: number, body: JsonObject, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

/**
 * The body as text, or undefined once it passes 1 MiB (read no further). The rest is
 * left unread rather than cancelled: cancelling would close the connection the answer
 * (413) still has to go out on; servers discard what is left.
 */
async function readLimited(request: Request): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.releaseLock();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** 256 random bits, base64url. */
function randomId(): string {
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

function checkResponseUri(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalid('responseUri is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('responseUri is an absolute URL');
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && local)))
    throw invalid('responseUri is an https URL (http only on 127.0.0.1 or localhost)');
  if (url.hash || url.username || url.password) throw invalid('responseUri has no fragment or credentials');
}

function invalid(message: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message);
}
