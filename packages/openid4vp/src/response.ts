import { type ErrorCode, type JsonObject, TradewindError } from '@tradewind/core';
import { MAX_QUERIES } from './dcql.js';

/** Largest response body accepted, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most presentations for one credential query. */
export const MAX_PRESENTATIONS_PER_QUERY = 8;

/** One presentation as the wallet sent it: a compact JWT or SD-JWT, or a Data Integrity presentation object. */
export type Presentation = string | JsonObject;

/** A direct_post response body, read. */
export type ParsedResponse =
  | { kind: 'presentations'; state: string; vpToken: Map<string, Presentation[]> }
  | { kind: 'error'; state: string; error: string; description?: string };

/** The form fields of a direct_post response this package reads. */
const FIELDS = new Set(['vp_token', 'state', 'error', 'error_description']);
const STATE = /^[A-Za-z0-9_-]{1,128}$/;
const ERROR = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * Reads the state of a response body before anything else (it finds the session), then
 * the rest. Throws `TradewindError`: LIMIT_EXCEEDED (over 1 MiB), MALFORMED.
 */
export function readForm(body: string | URLSearchParams | Record<string, string>): Map<string, string> {
  let params: URLSearchParams;
  if (typeof body === 'string') {
    if (body.length > MAX_BODY_BYTES || new TextEncoder().encode(body).length > MAX_BODY_BYTES)
      throw new TradewindError('LIMIT_EXCEEDED', `a response body is at most ${MAX_BODY_BYTES} bytes`);
    params = new URLSearchParams(body);
  } else if (body instanceof URLSearchParams) {
    params = body;
  } else if (body !== null && typeof body === 'object') {
    params = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) {
      if (typeof v !== 'string') throw new TradewindError('MALFORMED', `form field ${k} is not a string`, { path: `/${k}` });
      params.append(k, v);
    }
  } else {
    throw new TradewindError('MALFORMED', 'a response is a form body');
  }
  const fields = new Map<string, string>();
  let size = 0;
  for (const [k, v] of params) {
    size += k.length + v.length;
    if (size > MAX_BODY_BYTES) throw new TradewindError('LIMIT_EXCEEDED', `a response body is at most ${MAX_BODY_BYTES} bytes`);
    if (!FIELDS.has(k)) continue;
    if (fields.has(k)) throw new TradewindError('MALFORMED', `form field ${k} given twice`, { path: `/${k}` });
    fields.set(k, v);
  }
  return fields;
}

/** The `state` of a read form; MALFORMED when missing or not a state this package makes. */
export function stateOf(fields: Map<string, string>): string {
  const state = fields.get('state');
  if (state === undefined || state.length === 0) throw new TradewindError('MALFORMED', 'the response has no state', { path: '/state' });
  if (!STATE.test(state)) throw new TradewindError('MALFORMED', 'the state is not one this verifier issues', { path: '/state' });
  return state;
}

/**
 * The response a form carries: a holder's error (`error=access_denied`), or `vp_token`
 * parsed as DCQL presentations (an object of credential query ids to non-empty arrays of
 * presentations), with the limits: at most 16 query ids, 8 presentations each, no
 * duplicate id. Throws `TradewindError` MALFORMED or LIMIT_EXCEEDED.
 */
export function parseResponse(fields: Map<string, string>): ParsedResponse {
  const state = stateOf(fields);
  const error = fields.get('error');
  const vpToken = fields.get('vp_token');
  if (error !== undefined) {
    if (vpToken !== undefined) throw new TradewindError('MALFORMED', 'a response carries vp_token or error, not both', { path: '/error' });
    if (!ERROR.test(error)) throw new TradewindError('MALFORMED', 'error is not an OAuth error code', { path: '/error' });
    const description = fields.get('error_description');
    return { kind: 'error', state, error, ...(description ? { description: description.slice(0, 256) } : {}) };
  }
  if (vpToken === undefined) throw new TradewindError('MALFORMED', 'the response has neither vp_token nor error', { path: '/vp_token' });
  return { kind: 'presentations', state, vpToken: parseVpToken(vpToken) };
}

function parseVpToken(text: string): Map<string, Presentation[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TradewindError('MALFORMED', 'vp_token is not JSON', { path: '/vp_token' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TradewindError('MALFORMED', 'vp_token is a JSON object of credential query ids', { path: '/vp_token' });
  const keys = topLevelKeys(text);
  if (keys.length > MAX_QUERIES)
    throw new TradewindError('LIMIT_EXCEEDED', `vp_token answers at most ${MAX_QUERIES} credential queries`, { path: '/vp_token' });
  if (new Set(keys).size !== keys.length)
    throw new TradewindError('MALFORMED', 'vp_token names a credential query id twice', { path: '/vp_token' });
  const out = new Map<string, Presentation[]>();
  for (const id of keys) {
    const at = `/vp_token/${id}`;
    if (id === '__proto__' || id === 'constructor' || id === 'prototype' || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
      throw new TradewindError('MALFORMED', 'a credential query id is 1 to 64 of A-Z a-z 0-9 _ -', { path: '/vp_token' });
    const entries = (value as Record<string, unknown>)[id];
    if (!Array.isArray(entries) || entries.length === 0)
      throw new TradewindError('MALFORMED', 'each credential query id has a non-empty array of presentations', { path: at });
    if (entries.length > MAX_PRESENTATIONS_PER_QUERY)
      throw new TradewindError('LIMIT_EXCEEDED', `at most ${MAX_PRESENTATIONS_PER_QUERY} presentations per credential query`, { path: at });
    out.set(
      id,
      entries.map((p, i) => {
        if (typeof p === 'string' && p.length > 0) return p;
        if (p !== null && typeof p === 'object' && !Array.isArray(p)) return p as JsonObject;
        throw new TradewindError('MALFORMED', 'a presentation is a string or a JSON object', { path: `${at}/${i}` });
      }),
    );
  }
  return out;
}

/**
 * The keys of the top-level JSON object in `text`, in order and with repeats (JSON.parse
 * keeps only the last of a repeated key, which would hide one answer behind another).
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** The code a refusal reports: a TradewindError's, else MALFORMED. */
export function codeOf(error: unknown): ErrorCode {
  return error instanceof TradewindError ? error.code : 'MALFORMED';
}
