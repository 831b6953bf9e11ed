/**
 * The JSON-LD document loader of the Data Integrity path. It never touches the network:
 * a context comes from the bundled set (`contexts.ts`), from the caller, or from a pin
 * carrying its document inline; any other URL is MALFORMED
 * `context not available offline: <URL>`.
 */
import { isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import { BUNDLED } from './contexts.js';
import { jcs } from './jcs.js';

export { BUNDLED_CONTEXTS } from './contexts.js';

/** What a document loader returns (the shape `jsonld` expects). */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: JsonObject;
}

/** Loads a JSON-LD context by URL, offline. */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/** A context pinned by hash, e.g. by a recognition list entry. */
export interface PinnedContext {
  url: string;
  /** Hex SHA-256 of the document's JCS (RFC 8785) form. */
  sha256: string;
  /** The document itself, when the pin carries it. */
  document?: JsonObject;
}

export interface DocumentLoaderOptions {
  /**
   * Extra contexts by URL (JSON object or JSON text). They do not override a bundled URL:
   * one with different content is MALFORMED when loaded.
   */
  contexts?: Record<string, JsonObject | string> | Map<string, JsonObject | string>;
  /** A context for each of these URLs must hash to `sha256` (else MALFORMED); `document` may be inline. */
  pinned?: readonly PinnedContext[];
}

/** Largest context accepted as JSON text from a caller. */
const MAX_CONTEXT_TEXT = 1024 * 1024;

const defaultLoader = makeLoader(new Map(), new Map());
const loaders = new WeakMap<DocumentLoaderOptions, DocumentLoader>();

/**
 * A document loader over the bundled contexts plus `options`. URLs are compared exactly.
 * Every call returns a fresh deep copy, so nothing a caller (or `jsonld`) does to a
 * returned document reaches the next call. Loaders are cached per options object.
 *
 * @example
 * ```ts
 * const loader = createDocumentLoader({
 *   contexts: { 'https://id.gov.example/contexts/v1': contextJson },
 *   pinned: [{ url: 'https://id.gov.example/contexts/v1', sha256: 'c0ffee…' }],
 * });
 * const { document } = await loader('https://www.w3.org/ns/credentials/v2');
 * ```
 */
export function createDocumentLoader(options?: DocumentLoaderOptions): DocumentLoader {
  if (!options || (options.contexts === undefined && options.pinned === undefined)) return defaultLoader;
  const cached = loaders.get(options);
  if (cached) return cached;
  // Copied now: the caller's objects may change after the loader was made.
  const extra = new Map<string, JsonObject | string>();
  for (const [url, value] of options.contexts instanceof Map ? options.contexts : Object.entries(options.contexts ?? {})) {
    extra.set(url, typeof value === 'string' ? value : snapshot(value));
  }
  const pins = new Map<string, PinnedContext[]>();
  for (const pin of options.pinned ?? []) {
    if (typeof pin?.url !== 'string' || typeof pin.sha256 !== 'string') {
      throw new TradewindError('MALFORMED', 'a pinned context needs a string url and sha256');
    }
    const copy = { url: pin.url, sha256: pin.sha256, ...(pin.document === undefined ? {} : { document: snapshot(pin.document) }) };
    pins.set(pin.url, [...(pins.get(pin.url) ?? []), copy]);
  }
  const loader = makeLoader(extra, pins);
  loaders.set(options, loader);
  return loader;
}

/**
 * Hex SHA-256 of a document's JCS (RFC 8785) form: the digest a {@link PinnedContext} names.
 * WebCrypto, so the same in Node and browsers.
 */
export async function contextDigest(document: JsonObject): Promise<string> {
  const bytes = new TextEncoder().encode(jcs(document));
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function makeLoader(extra: ReadonlyMap<string, JsonObject | string>, pins: ReadonlyMap<string, PinnedContext[]>): DocumentLoader {
  // One resolution per URL: a document checked once (content, pins) is the one served.
  const resolved = new Map<string, Promise<JsonObject>>();
  return async (url: string): Promise<RemoteDocument> => {
    if (typeof url !== 'string') throw new TradewindError('MALFORMED', 'a JSON-LD context URL must be a string');
    // Unknown URLs are not remembered: a stream of documents naming made-up contexts
    // must not grow a long-lived loader.
    if (!BUNDLED.has(url) && !extra.has(url) && !pins.has(url)) {
      throw new TradewindError('MALFORMED', `context not available offline: ${url}`);
    }
    let document = resolved.get(url);
    if (!document) {
      document = resolve(url, extra, pins);
      resolved.set(url, document);
    }
    return { contextUrl: null, documentUrl: url, document: structuredClone(await document) };
  };
}

async function resolve(
  url: string,
  extra: ReadonlyMap<string, JsonObject | string>,
  pins: ReadonlyMap<string, PinnedContext[]>,
): Promise<JsonObject> {
  const bundled = BUNDLED.get(url)?.document;
  const given = extra.has(url) ? parseContext(url, extra.get(url)) : undefined;
  const urlPins = pins.get(url) ?? [];
  const inline = urlPins.filter((p) => p.document !== undefined).map((p) => parseContext(url, p.document));
  const candidates = [bundled, given, ...inline].filter((d): d is JsonObject => d !== undefined);
  const [document] = candidates;
  if (!document) throw new TradewindError('MALFORMED', `context not available offline: ${url}`);
  if (candidates.length > 1) {
    const text = jcs(document);
    if (candidates.some((c) => jcs(c) !== text)) {
      throw new TradewindError('MALFORMED', `context ${url} is given with two different contents`);
    }
  }
  if (urlPins.length > 0) {
    const digest = await contextDigest(document);
    for (const pin of urlPins) {
      if (pin.sha256.toLowerCase() !== digest) {
        throw new TradewindError('MALFORMED', `context ${url} does not match its pinned SHA-256 (${pin.sha256}, got ${digest})`);
      }
    }
  }
  return document;
}

function parseContext(url: string, value: unknown): JsonObject {
  let document = value;
  if (typeof value === 'string') {
    if (value.length > MAX_CONTEXT_TEXT) {
      throw new TradewindError('LIMIT_EXCEEDED', `context ${url} is longer than ${MAX_CONTEXT_TEXT} characters`);
    }
    try {
      document = JSON.parse(value);
    } catch {
      throw new TradewindError('MALFORMED', `context ${url} is not JSON`);
    }
  }
  if (!isJsonObject(document) || !('@context' in document)) {
    throw new TradewindError('MALFORMED', `context ${url} is not a JSON-LD context document (an object with @context)`);
  }
  return deepFreeze(document);
}

/** A private copy of a caller's value; what cannot be copied is refused when loaded. */
function snapshot(value: JsonObject): JsonObject {
  try {
    return structuredClone(value);
  } catch {
    return [] as unknown as JsonObject;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
