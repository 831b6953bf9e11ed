import { createHash } from 'node:crypto';
import { Oauth2Error, Oauth2ServerErrorResponseError } from '@openid4vc/oauth2';
import { type Openid4vpAuthorizationRequest, resolveOpenid4vpAuthorizationRequest } from '@openid4vc/openid4vp';
import { isJsonObject, type JsonObject, nestingDepth, TradewindError } from '@tradewind/core';
import { DcqlQuery } from 'dcql';
import { describe, reading, readOptions } from '../arguments.js';
import { readBoundedBody } from '../http/bounded-body.js';
import { withInsecureUrls } from '../http/insecure-urls.js';
import { checkVerifierUrl } from './destination.js';

/** Longest request URI read (a request by value carries its DCQL query and client metadata). */
export const MAX_REQUEST_URI_LENGTH = 32 * 1024;
/** Deepest JSON nesting read in a request's JSON parameters. */
const MAX_JSON_DEPTH = 32;
/** Largest request object read from a `request_uri`, bytes. */
const MAX_REQUEST_OBJECT_BYTES = 256 * 1024;
/**
 * Bounds on a DCQL query this wallet runs: matching costs grow with queries × claims ×
 * path length (and faster than linearly with the length), so a request could otherwise
 * keep the wallet busy for minutes.
 */
const DCQL_LIMITS = { credentialQueries: 64, claimsPerQuery: 64, claimSets: 16, pathSegments: 32, credentialSets: 16, options: 16 };
/** The only client identifier prefix this wallet answers (OpenID4VP 1.0 §5.9.3): unsigned requests by value. */
const REDIRECT_URI_PREFIX = 'redirect_uri:';
/** Schemes a request URI may come in: the OpenID4VP one, HAIP's, or a verifier's web link. */
const SCHEMES: ReadonlySet<string> = new Set(['openid4vp:', 'haip:', 'https:', 'http:']);
/** Parameters whose value is JSON text in a request URI. */
const JSON_PARAMS = ['dcql_query', 'client_metadata', 'presentation_definition', 'transaction_data', 'verifier_info'];

/** An OpenID4VP 1.0 request, read and checked by {@link Wallet.parsePresentationRequest}. */
export interface ParsedPresentationRequest {
  /** `redirect_uri:` + `responseUri`: the audience of every presentation sent for it. */
  clientId: string;
  /** Where the answer is posted (`direct_post`). */
  responseUri: string;
  /** The verifier's `client_name` (its own words, not verified by anyone). */
  verifierName?: string;
  /** The verifier's challenge: the `nonce` of every presentation. */
  nonce: string;
  /** Echoed in the answer, so the verifier finds its session. */
  state?: string;
  /** The DCQL query, parsed and validated by `dcql`. */
  dcql: DcqlQuery;
  /** The request parameters as received (JSON parameters parsed). */
  payload: JsonObject;
}

/** Options of {@link parsePresentationRequest}. */
export interface ParsePresentationRequestOptions {
  /** The fetch a `request_uri` is read with (default the global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Accept an http:// `response_uri` or `request_uri` on any host (tests only). Default: http on 127.0.0.1 / localhost only. */
  allowInsecureHttp?: boolean;
  /** Time allowed for fetching a `request_uri`, milliseconds. Default 15,000. */
  timeoutMs?: number;
}

/**
 * Reads an OpenID4VP 1.0 request (`openid4vp://?…`, `haip://?…` or `https://…?…` with the
 * request parameters in the query) under this wallet's profile: `response_type=vp_token`,
 * `response_mode=direct_post`, a `nonce`, a DCQL query, and the client identifier prefix
 * `redirect_uri:` naming the `response_uri` exactly. A request by reference (`request_uri`)
 * is fetched and checked by `@openid4vc/openid4vp`'s resolver; a signed one is refused, as
 * this profile has no verifier keys to trust.
 *
 * Refusals: `REQUEST_UNKNOWN` (not an OpenID4VP request at all), `MALFORMED` (a broken
 * one, or one outside the profile — the message says which parameter), `LIMIT_EXCEEDED`
 * (a URI over {@link MAX_REQUEST_URI_LENGTH} characters, a request object over 256 KiB, or a DCQL
 * query over 64 credential queries, 64 claims per query or 32 segments per claims path), `UNREACHABLE` (a `request_uri`
 * that cannot be read), `INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const request = await parsePresentationRequest('openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fbank.example.bb%2Fopenid4vp%2Fresponse&…')
 * request.verifierName // 'Bank of Bridgetown'
 * ```
 */
export async function parsePresentationRequest(uri: string, given?: ParsePresentationRequestOptions): Promise<ParsedPresentationRequest> {
  const options = readOptions<ParsePresentationRequestOptions>(given, 'parsePresentationRequest options');
  const insecure = options.allowInsecureHttp ?? false;
  if (typeof insecure !== 'boolean') throw new TradewindError('INVALID_ARGUMENT', 'allowInsecureHttp must be a boolean');
  if (typeof uri !== 'string' || uri.trim().length === 0)
    throw new TradewindError('INVALID_ARGUMENT', 'parsePresentationRequest needs a request URI');
  if (uri.length > MAX_REQUEST_URI_LENGTH)
    throw new TradewindError('LIMIT_EXCEEDED', `the request URI is longer than ${MAX_REQUEST_URI_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new TradewindError('REQUEST_UNKNOWN', 'this is not an OpenID4VP request: not a URI');
  }
  if (!SCHEMES.has(url.protocol))
    throw new TradewindError('REQUEST_UNKNOWN', `this is not an OpenID4VP request: ${describe(url.protocol)} URIs are not requests`);
  const params = url.searchParams;
  if (!params.has('client_id') && !params.has('request_uri') && !params.has('response_type'))
    throw new TradewindError('REQUEST_UNKNOWN', 'this is not an OpenID4VP request: it has no client_id, request_uri or response_type');
  const payload: Record<string, unknown> = Object.create(null);
  for (const key of new Set(params.keys())) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype')
      throw new TradewindError('MALFORMED', `the request has a parameter named ${key}`);
    const values = params.getAll(key);
    if (values.length > 1) throw new TradewindError('MALFORMED', `the request gives ${key} more than once`);
    const value = values[0] as string;
    payload[key] = JSON_PARAMS.includes(key) ? parseJsonParam(key, value) : value;
  }
  const resolved =
    typeof payload.request_uri === 'string' || payload.request !== undefined ? await byReference(payload, options, insecure) : payload;
  return checkedRequest(resolved, insecure);
}

/** A request parameter holding JSON text, parsed; `MALFORMED` when it is not JSON. */
function parseJsonParam(key: string, value: string): unknown {
  if (nestingDepth(value) > MAX_JSON_DEPTH) throw new TradewindError('MALFORMED', `the request's ${key} is nested too deeply`);
  try {
    return JSON.parse(value);
  } catch {
    throw new TradewindError('MALFORMED', `the request's ${key} is not JSON`);
  }
}

/**
 * The request a `request_uri` (or `request`) points to, through the library's resolver:
 * fetched with GET under the wallet's URL rules, the request object's signature checked by
 * the callback — which refuses every signer, as this wallet's profile has no verifier keys.
 */
async function byReference(
  payload: Record<string, unknown>,
  options: ParsePresentationRequestOptions,
  insecure: boolean,
): Promise<Record<string, unknown>> {
  const baseFetch = options.fetch ?? globalThis.fetch;
  if (typeof baseFetch !== 'function') throw new TradewindError('INVALID_ARGUMENT', 'fetch must be a function');
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new TradewindError('INVALID_ARGUMENT', 'timeoutMs must be a positive integer');
  const requestUri = payload.request_uri === undefined ? undefined : checkVerifierUrl(payload.request_uri, 'request_uri', insecure);
  let unreachable: unknown;
  const scopedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const target = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (requestUri === undefined || target.href !== requestUri.href) throw new Error('the request names another URL to fetch');
    try {
      const response = await baseFetch(target, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      const text = await boundedText(response, MAX_REQUEST_OBJECT_BYTES);
      return new Response(text, { status: response.status, headers: response.headers });
    } catch (e) {
      unreachable = e;
      throw e;
    }
  };
  try {
    const result = await withInsecureUrls(requestUri?.protocol === 'http:', () =>
      resolveOpenid4vpAuthorizationRequest({
        authorizationRequestPayload: payload as never,
        callbacks: {
          fetch: scopedFetch as never,
          hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
          verifyJwt: async (signer) => {
            throw new TradewindError(
              'MALFORMED',
              `the request is signed (${describe(signer.method)}): this wallet answers unsigned redirect_uri: requests only`,
            );
          },
          decryptJwe: async () => {
            throw new TradewindError(
              'MALFORMED',
              'the request object is encrypted: this wallet answers unsigned, unencrypted requests only',
            );
          },
        },
      }),
    );
    return { ...(result.authorizationRequestPayload as Record<string, unknown>) };
  } catch (e) {
    if (e instanceof TradewindError) throw e;
    if (unreachable !== undefined)
      throw new TradewindError('UNREACHABLE', `the request_uri could not be read: ${firstLine(unreachable)}`, { cause: e });
    if (hasCause(e, (c) => c instanceof TradewindError)) throw findCause(e, (c) => c instanceof TradewindError) as TradewindError;
    const status = /status code '(\d+)'/.exec(libraryMessage(e))?.[1];
    if (status !== undefined) throw new TradewindError('UNREACHABLE', `the request_uri answered ${status}`, { cause: e });
    throw new TradewindError('MALFORMED', `the request by reference is not valid: ${libraryMessage(e)}`, { cause: e });
  }
}

/** The request, checked against the profile and by the library's validation of the client identifier; DCQL parsed by `dcql`. */
async function checkedRequest(raw: Record<string, unknown>, insecure: boolean): Promise<ParsedPresentationRequest> {
  if (raw.response_type !== 'vp_token')
    throw new TradewindError('MALFORMED', `the request's response_type is ${describe(raw.response_type ?? 'missing')}, not vp_token`);
  if (raw.response_mode !== 'direct_post')
    throw new TradewindError(
      'MALFORMED',
      `the request's response_mode is ${describe(raw.response_mode ?? 'missing')}: this wallet answers direct_post requests only`,
    );
  if (typeof raw.nonce !== 'string' || raw.nonce.length === 0) throw new TradewindError('MALFORMED', 'the request has no nonce');
  if (raw.nonce.length > 512) throw new TradewindError('MALFORMED', 'the request nonce is longer than 512 characters');
  if (raw.state !== undefined && (typeof raw.state !== 'string' || raw.state.length === 0 || raw.state.length > 512))
    throw new TradewindError('MALFORMED', 'the request state is not a string of 1 to 512 characters');
  const responseUri = checkVerifierUrl(raw.response_uri, 'response_uri', insecure).href;
  const clientId = raw.client_id;
  if (typeof clientId !== 'string' || clientId.length === 0) throw new TradewindError('MALFORMED', 'the request has no client_id');
  if (!clientId.startsWith(REDIRECT_URI_PREFIX)) {
    const prefix = /^([a-z0-9_-]+):/i.exec(clientId)?.[1];
    throw new TradewindError(
      'MALFORMED',
      prefix === undefined || prefix === 'https' || prefix === 'http'
        ? 'the request client_id has no client identifier prefix: this wallet answers redirect_uri: requests only'
        : `the request client_id prefix ${prefix}: is not supported: this wallet answers redirect_uri: requests only`,
    );
  }
  if (clientId.slice(REDIRECT_URI_PREFIX.length) !== raw.response_uri)
    throw new TradewindError('MALFORMED', 'the request client_id is redirect_uri: with another URL than its response_uri');
  if (raw.dcql_query === undefined)
    throw new TradewindError('MALFORMED', 'the request has no dcql_query (presentation_definition and scope are not answered)');
  if (raw.presentation_definition !== undefined || raw.scope !== undefined)
    throw new TradewindError('MALFORMED', 'the request gives dcql_query together with presentation_definition or scope');
  if (raw.transaction_data !== undefined)
    throw new TradewindError('MALFORMED', 'the request carries transaction_data, which this wallet does not sign');
  if (raw.client_metadata !== undefined && !isJsonObject(raw.client_metadata))
    throw new TradewindError('MALFORMED', 'the request client_metadata is not a JSON object');
  // The library's own checks of the request and its client identifier (redirect_uri: = response_uri, unsigned).
  try {
    await withInsecureUrls(responseUri.startsWith('http:'), () =>
      resolveOpenid4vpAuthorizationRequest({
        authorizationRequestPayload: raw as unknown as Openid4vpAuthorizationRequest,
        callbacks: {
          fetch: (() => Promise.reject(new Error('nothing is fetched for a request by value'))) as never,
          hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
          verifyJwt: () => Promise.reject(new Error('nothing is signed in a request by value')),
          decryptJwe: () => Promise.reject(new Error('nothing is encrypted in a request by value')),
        },
      }),
    );
  } catch (e) {
    throw new TradewindError('MALFORMED', `the request is not a valid OpenID4VP 1.0 request: ${libraryMessage(e)}`, { cause: e });
  }
  let dcql: DcqlQuery;
  try {
    dcql = DcqlQuery.parse(raw.dcql_query as DcqlQuery.Input);
    DcqlQuery.validate(dcql);
  } catch (e) {
    throw new TradewindError('MALFORMED', `the request's dcql_query is not a valid DCQL query: ${firstLine(e)}`, { cause: e });
  }
  checkDcqlSize(dcql);
  const name = isJsonObject(raw.client_metadata) ? raw.client_metadata.client_name : undefined;
  const payload = reading('the request', () => JSON.parse(JSON.stringify(raw)) as JsonObject);
  return {
    clientId,
    responseUri: raw.response_uri as string,
    ...(typeof name === 'string' && name.length > 0 ? { verifierName: name.slice(0, 200) } : {}),
    nonce: raw.nonce,
    ...(typeof raw.state === 'string' ? { state: raw.state } : {}),
    dcql,
    payload,
  };
}

/** `LIMIT_EXCEEDED` for a DCQL query over {@link DCQL_LIMITS}. */
function checkDcqlSize(dcql: DcqlQuery): void {
  const over = (what: string, limit: number) =>
    new TradewindError('LIMIT_EXCEEDED', `the request's dcql_query has more than ${limit} ${what}`);
  if (dcql.credentials.length > DCQL_LIMITS.credentialQueries) throw over('credential queries', DCQL_LIMITS.credentialQueries);
  for (const q of dcql.credentials) {
    const claims = (q.claims ?? []) as ReadonlyArray<{ path?: readonly unknown[] }>;
    if (claims.length > DCQL_LIMITS.claimsPerQuery) throw over('claims in a credential query', DCQL_LIMITS.claimsPerQuery);
    if (claims.some((c) => (c.path?.length ?? 0) > DCQL_LIMITS.pathSegments))
      throw over('segments in a claims path', DCQL_LIMITS.pathSegments);
    if ((q.claim_sets?.length ?? 0) > DCQL_LIMITS.claimSets) throw over('claim sets in a credential query', DCQL_LIMITS.claimSets);
  }
  const sets = dcql.credential_sets ?? [];
  if (sets.length > DCQL_LIMITS.credentialSets) throw over('credential sets', DCQL_LIMITS.credentialSets);
  if (sets.some((set) => set.options.length > DCQL_LIMITS.options)) throw over('options in a credential set', DCQL_LIMITS.options);
}

/**
 * A response body as text, read no further than `limit` bytes: a request object larger
 * than that (or streamed without end) throws once the limit is passed.
 */
async function boundedText(response: Response, limit: number): Promise<string> {
  const bytes = await readBoundedBody(response, limit, () => new Error(`the request object is larger than ${limit} bytes`));
  return Buffer.from(bytes).toString('utf8');
}

/** The OAuth error description a library error carries, else its message's first line. */
function libraryMessage(e: unknown): string {
  if (e instanceof Oauth2ServerErrorResponseError) return e.errorResponse.error_description ?? e.errorResponse.error;
  if (e instanceof Oauth2Error) return firstLine(e);
  return firstLine(e);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}

function findCause(e: unknown, test: (c: unknown) => boolean): unknown {
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 8; depth++) {
    if (test(c)) return c;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

function hasCause(e: unknown, test: (c: unknown) => boolean): boolean {
  return findCause(e, test) !== undefined;
}
