/**
 * RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document: `jsonld` 9 turns it into
 * an RDF dataset, `rdf-canonize` 5 labels and sorts it. Nothing here is hand-written RDF.
 *
 * Expansion is nearly all of the cost, so two caches sit in front of `jsonld`, both per
 * document loader (a loader serves one fixed document per URL, so nothing cached for one
 * loader can reach another):
 * - resolved contexts, the cache `jsonld` itself keeps process-wide by URL alone, here
 *   kept per loader so two loaders with different documents for one URL never mix;
 * - datasets by document shape (see {@link shapeOf}): the dataset of one credential,
 *   with its plain string values swapped for those of another of the same shape.
 */
import { type JsonObject, TradewindError } from '@tradewind/core';
import jsonld from 'jsonld';
import ContextResolver from 'jsonld/lib/ContextResolver.js';
import { canonize } from 'rdf-canonize';
import type { DocumentLoader, RemoteDocument } from './loader.js';

export interface CanonizeLimits {
  /** Distinct context URLs one document may load (16). */
  maxContexts?: number;
  /** Quads in the dataset (10,000). */
  maxQuads?: number;
  /** Wall-clock time for expansion and canonicalization (2,000 ms). */
  maxMilliseconds?: number;
}

export interface CanonizeOptions {
  /**
   * Where contexts come from (`createDocumentLoader`). Results are cached per loader,
   * so a loader must serve one fixed document per URL (those of createDocumentLoader do).
   */
  loader: DocumentLoader;
  /**
   * true (strict, default): `jsonld`'s safe mode, so undefined terms, relative type IRIs and
   * the like are MALFORMED. false: they are dropped silently (MOSIP compatibility only).
   */
  safe?: boolean;
  limits?: CanonizeLimits;
}

const DEFAULT_LIMITS: Required<CanonizeLimits> = { maxContexts: 16, maxQuads: 10_000, maxMilliseconds: 2_000 };
/** Nesting accepted (jsonld recurses once per level); the verifier's own JSON bound (32) is well below. */
const MAX_DEPTH = 100;
/** Shapes per loader and mode, datasets per shape, and resolved contexts (URL or inline, scoped ones included) per loader, kept. */
const MAX_SHAPES = 64;
const MAX_TEMPLATES_PER_SHAPE = 16;
const MAX_RESOLVED_CONTEXTS = 256;
/** Quads above which canonicalization runs under an abort timer. */
const LARGE_DATASET = 500;

interface Term {
  readonly termType: string;
  readonly value: string;
  readonly datatype?: Term;
  readonly language?: string;
}
interface Quad {
  readonly subject: Term;
  readonly predicate: Term;
  readonly object: Term;
  readonly graph: Term;
}

/**
 * The RDFC-1.0 canonical N-Quads of a JSON-LD document.
 *
 * @example
 * ```ts
 * const nquads = await canonizeRdfc(credentialWithoutProof, { loader: createDocumentLoader() });
 * ```
 */
export async function canonizeRdfc(document: JsonObject, options: CanonizeOptions): Promise<string> {
  const run = new Run(options);
  const dataset = await datasetOf(document, run);
  return run.canonize(dataset);
}

/**
 * The same without the shape cache: `jsonld.toRDF` of exactly this document, then
 * RDFC-1.0. The differential tests compare the two.
 */
export async function canonizeRdfcUncached(document: JsonObject, options: CanonizeOptions): Promise<string> {
  const run = new Run(options);
  return run.canonize(await run.toRdf(document));
}

/** Per-loader caches. */
interface LoaderState {
  readonly resolved: BoundedMap<unknown>;
  readonly shapes: { readonly safe: BoundedMap<ShapeEntry>; readonly lax: BoundedMap<ShapeEntry> };
}
const states = new WeakMap<DocumentLoader, LoaderState>();

function stateOf(loader: DocumentLoader): LoaderState {
  let state = states.get(loader);
  if (!state) {
    state = {
      resolved: new BoundedMap(MAX_RESOLVED_CONTEXTS),
      shapes: { safe: new BoundedMap(MAX_SHAPES), lax: new BoundedMap(MAX_SHAPES) },
    };
    states.set(loader, state);
  }
  return state;
}

/** One canonicalization: its options, limits, clock and the context URLs it loaded. */
class Run {
  readonly safe: boolean;
  readonly limits: Required<CanonizeLimits>;
  readonly state: LoaderState;
  private readonly loader: DocumentLoader;
  private readonly started = Date.now();

  constructor(options: CanonizeOptions) {
    if (typeof options?.loader !== 'function') throw new TradewindError('INVALID_ARGUMENT', 'canonizeRdfc needs a document loader');
    this.loader = options.loader;
    this.safe = options.safe !== false;
    this.limits = { ...DEFAULT_LIMITS };
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof CanonizeLimits)[]) {
      const value = options.limits?.[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !(value > 0))
        throw new TradewindError('INVALID_ARGUMENT', `limits.${key} must be a positive number`);
      this.limits[key] = value;
    }
    this.state = stateOf(this.loader);
  }

  checkTime(): void {
    if (Date.now() - this.started > this.limits.maxMilliseconds) {
      throw new TradewindError('LIMIT_EXCEEDED', `JSON-LD processing took longer than ${this.limits.maxMilliseconds} ms`);
    }
  }

  checkContexts(count: number): void {
    if (count > this.limits.maxContexts) {
      throw new TradewindError('LIMIT_EXCEEDED', `JSON-LD document loads more than ${this.limits.maxContexts} contexts`);
    }
  }

  checkQuads(count: number): void {
    if (count > this.limits.maxQuads) {
      throw new TradewindError('LIMIT_EXCEEDED', `JSON-LD document makes more than ${this.limits.maxQuads} RDF statements`);
    }
  }

  /** `jsonld.toRDF` through the loader and this loader's context cache; returns the dataset and the context URLs it loaded. */
  /**
   * `jsonld.toRDF` through the loader and this loader's context cache. With `warnings`,
   * jsonld runs without safe mode and every warning it raises is collected instead (safe
   * mode is nothing but a handler that throws on some of them, so a run that raises none
   * is the safe run).
   */
  async toRdfCounted(document: object, warnings?: JsonLdEvent[]): Promise<{ dataset: Quad[]; contexts: number }> {
    const urls = new Set<string>();
    const note = (key: string) => {
      // Inline contexts are cached under their JSON text; only URLs count.
      if (key.startsWith('{') || urls.has(key)) return;
      urls.add(key);
      this.checkContexts(urls.size);
      this.checkTime();
    };
    const { resolved } = this.state;
    const sharedCache = {
      get: (key: string) => {
        note(key);
        return resolved.get(key);
      },
      set: (key: string, value: unknown) => resolved.set(key, value),
    };
    const documentLoader = async (url: string): Promise<RemoteDocument & { tag: 'static' }> => {
      note(url);
      // 'static': jsonld keeps the resolved context, in this loader's cache only.
      return { ...(await this.loader(url)), tag: 'static' };
    };
    let dataset: unknown;
    try {
      dataset = await jsonld.toRDF(document, {
        documentLoader,
        produceGeneralizedRdf: false,
        contextResolver: new ContextResolver({ sharedCache }),
        ...(warnings
          ? {
              safe: false,
              eventHandler: ({ event, next }: { event: JsonLdEvent & { level?: string }; next: () => void }) => {
                if (event.level === 'warning') warnings.push(event);
                next();
              },
            }
          : { safe: this.safe }),
      });
    } catch (e) {
      throw jsonldError(e);
    }
    if (!Array.isArray(dataset)) throw new TradewindError('MALFORMED', 'JSON-LD processing produced no RDF dataset');
    this.checkQuads(dataset.length);
    this.checkTime();
    return { dataset: dataset as Quad[], contexts: urls.size };
  }

  async toRdf(document: object): Promise<Quad[]> {
    return (await this.toRdfCounted(document)).dataset;
  }

  async canonize(dataset: readonly Quad[]): Promise<string> {
    this.checkTime();
    const remaining = Math.max(1, this.limits.maxMilliseconds - (Date.now() - this.started));
    try {
      return await canonize(dataset, {
        algorithm: 'RDFC-1.0',
        // O(n) deep iterations over blank nodes: what legitimate credentials need, and
        // a "poison" graph fails fast instead of running for minutes.
        maxWorkFactor: 1,
        // A timer costs more than canonicalising a credential of a few dozen statements;
        // large datasets get one.
        ...(dataset.length > LARGE_DATASET ? { signal: AbortSignal.timeout(remaining) } : {}),
      });
    } catch (e) {
      this.checkTime();
      const message = e instanceof Error ? e.message : String(e);
      if (/deep iterations|abort|timeout/i.test(message)) {
        throw new TradewindError('LIMIT_EXCEEDED', `RDF canonicalization gave up: ${message}`);
      }
      throw new TradewindError('MALFORMED', `RDF canonicalization failed: ${message}`);
    }
  }
}

/** A TradewindError for whatever `jsonld` threw; ours (a loader's, a limit) pass through. */
function jsonldError(e: unknown): TradewindError {
  for (let cause = e, i = 0; cause && i < 8; i++) {
    if (cause instanceof TradewindError) return cause;
    const c = cause as { cause?: unknown; details?: { cause?: unknown } };
    cause = c.cause ?? c.details?.cause;
  }
  const error = e as { name?: string; message?: string; details?: { code?: string; event?: JsonLdEvent; max?: number } };
  // jsonld's own bound on contexts naming contexts (10 deep); a cycle is MALFORMED below.
  if (error.name === 'jsonld.ContextUrlError' && typeof error.details?.max === 'number') {
    return new TradewindError('LIMIT_EXCEEDED', `JSON-LD contexts nest more than ${error.details.max} URLs deep`);
  }
  const event = error.details?.event;
  if (error.name === 'jsonld.ValidationError' && event) {
    const d = event.details ?? {};
    if (event.code === 'invalid property' && typeof d.property === 'string') {
      return new TradewindError('MALFORMED', `undefined JSON-LD term "${d.property}" (not in any @context)`);
    }
    const what = [d.property, d.type, d.id, d.subject, d.predicate, d.object, d.value].find((v) => typeof v === 'string');
    return new TradewindError('MALFORMED', `JSON-LD safe mode: ${event.code}${what === undefined ? '' : ` "${short(what)}"`}`);
  }
  const code = error.details?.code;
  return new TradewindError('MALFORMED', `invalid JSON-LD: ${short(error.message ?? String(e))}${code ? ` (${code})` : ''}`);
}

interface JsonLdEvent {
  code: string;
  details?: Record<string, unknown>;
}

function short(text: unknown): string {
  const s = String(text);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

// ---------------------------------------------------------------------------------------
// Datasets by shape.
//
// The shape of a document is its JSON with every *candidate* string replaced by a slot:
// strings that are values of a key not starting with '@' (or of @value), outside any
// @context. Keys, numbers, booleans, null, @context subtrees and the values of other keyword
// keys (@id, @type, @language, @index, ...) are part of the shape itself.
//
// For a shape, a dataset is built once with each *free* slot holding a unique placeholder,
// and kept as a template when every placeholder comes out exactly once, verbatim, as the
// lexical value of a literal, and nowhere else (not in an IRI, a blank node, a datatype, a
// language, a JSON literal, a double). A slot that fails this is not free: its value
// becomes part of the template's key (that is where `id`, `type` and every @id/@vocab-typed
// term end up), and the template is built again. Another document of the same shape and
// the same values in the non-free slots then gets the template with its own strings in the
// placeholders' places.
//
// Why that is the dataset jsonld would make: expansion turns a string under a term into a
// value object whose @type/@language/@direction come from the term and the context, never
// from the string (IRI-typed terms aside, and those slots are never free), and toRDF copies
// a string @value verbatim into the literal (xsd:double and @json aside, both of which
// change the placeholder and so are never free). Nothing in either looks at a plain
// literal's text; the node map's de-duplication of equal values is the one place it
// matters, so a template whose filled-in dataset has two equal quads is not used (the
// document is processed in full instead). The placeholders mix case, spaces at both ends
// and a non-ASCII letter so that a transformation of any kind shows.
// ---------------------------------------------------------------------------------------

interface Shape {
  readonly key: string;
  /** The candidate strings, in walk order, and the key each is under. */
  readonly values: readonly string[];
  readonly keys: readonly string[];
}

const IRI_KEYS = new Set(['id', 'type']);
const LOOKS_LIKE_IRI = /^[a-z][a-z0-9+.-]*:\S*$/i;

interface Template {
  readonly quads: readonly Quad[];
  /** [quad index, slot index] for each placeholder literal. */
  readonly positions: ReadonlyArray<readonly [number, number]>;
  readonly contexts: number;
}

interface ShapeEntry {
  /** Which slots are (still believed) free. */
  readonly free: boolean[];
  readonly templates: BoundedMap<Template>;
  /** Set when a placeholder made jsonld fail where the real document did not. */
  disabled: boolean;
  /** Templates built and used: a shape whose templates are not used again (each credential
   *  with its own id) stops building them, but for one document in {@link RETRY_EVERY}. */
  builds: number;
  hits: number;
  skipped: number;
}

const RETRY_EVERY = 32;

async function datasetOf(document: JsonObject, run: Run): Promise<readonly Quad[]> {
  const shape = shapeOf(document);
  if (!shape) return run.toRdf(document);
  const shapes = run.safe ? run.state.shapes.safe : run.state.shapes.lax;
  let entry = shapes.get(shape.key);
  if (!entry) {
    // A first guess, only to save rounds: `id`, `type` and IRI-looking strings are rarely
    // plain literals. Whatever the guess, only what buildTemplate checks is trusted.
    const free = shape.values.map((v, i) => !(IRI_KEYS.has(shape.keys[i] as string) || LOOKS_LIKE_IRI.test(v)));
    entry = { free, templates: new BoundedMap(MAX_TEMPLATES_PER_SHAPE), disabled: false, builds: 0, hits: 0, skipped: 0 };
    shapes.set(shape.key, entry);
  }
  // Building a template costs a little more than processing the document, and pays only
  // when the template is used again.
  if (entry.builds >= 16 && entry.hits * 4 < entry.builds && ++entry.skipped % RETRY_EVERY !== 0) return run.toRdf(document);
  for (let round = 0; round < 4 && !entry.disabled; round++) {
    const free = [...entry.free];
    const key = templateKey(free, shape.values);
    let template = entry.templates.get(key);
    if (!template) {
      const built = await buildTemplate(document, shape, free, run);
      if ('real' in built) {
        entry.disabled = true;
        return built.real;
      }
      if (Array.isArray(built)) {
        for (const i of built) entry.free[i] = false;
        continue;
      }
      template = built;
      entry.templates.set(key, template);
      entry.builds++;
    } else entry.hits++;
    run.checkContexts(template.contexts);
    run.checkQuads(template.quads.length);
    run.checkTime();
    const dataset = fillIn(template, shape.values);
    if (dataset) return dataset;
    break;
  }
  return run.toRdf(document);
}

/** The template's key: which slots are free, and the strings of those that are not. */
function templateKey(free: readonly boolean[], values: readonly string[]): string {
  const fixed: (string | 0)[] = [];
  for (let i = 0; i < values.length; i++) fixed.push(free[i] ? 0 : (values[i] as string));
  return JSON.stringify(fixed);
}

/**
 * Builds the template for `document` with the `free` slots as placeholders. Returns the
 * slots that turned out not to be free, or the real document's dataset when the
 * placeholders made jsonld fail and the document itself does not (the shape is then not
 * cached).
 */
async function buildTemplate(
  document: JsonObject,
  shape: Shape,
  free: readonly boolean[],
  run: Run,
): Promise<Template | number[] | { real: Quad[] }> {
  // Unguessable (a secret of this process and a counter), so no document can hold one.
  const marker = `tW slot ${SECRET}-${(builds++).toString(36)} `;
  const placeholder = (i: number) => ` ${marker}${i} é `;
  const placeholders = new Map<string, number>();
  free.forEach((isFree, i) => {
    if (isFree) placeholders.set(placeholder(i), i);
  });
  let slot = 0;
  const probe = rebuild(document, (value) => {
    const i = slot++;
    return free[i] ? placeholder(i) : value;
  });
  let result: { dataset: Quad[]; contexts: number };
  const warnings: JsonLdEvent[] = [];
  try {
    result = await run.toRdfCounted(probe as JsonObject, warnings);
  } catch {
    // The real document decides: its error is the one to report, and if it has none the
    // placeholders caused the failure and this shape is not cached.
    return { real: await run.toRdf(document) };
  }
  // A dataset jsonld made with a term missing (it happens with odd containers in lax mode)
  // is not one to reason about: the real document is processed as it is.
  if (!result.dataset.every(wellFormed)) return { real: await run.toRdf(document) };
  const count = new Array<number>(shape.values.length).fill(0);
  const bad = new Set<number>();
  // A warning about a placeholder (a relative IRI, a dropped value) names a slot that is
  // not free; one about the document itself would fail it in safe mode, or may be one a
  // safe run lets pass: either way the real document decides, without a template.
  for (const warning of warnings) {
    const named = slotsNamed(warning.details, marker);
    if (named.size === 0 && run.safe) return { real: await run.toRdf(document) };
    for (const i of named) bad.add(i);
  }
  const positions: [number, number][] = [];
  const scan = (text: string | undefined, literalOf?: number) => {
    if (text === undefined) return;
    let at = text.indexOf(marker);
    if (at < 0) return;
    const exact = literalOf === undefined ? undefined : placeholders.get(text);
    if (exact !== undefined) {
      count[exact] = (count[exact] ?? 0) + 1;
      positions.push([literalOf as number, exact]);
      return;
    }
    // Anywhere else (in an IRI, a language, a rewritten literal): that slot is not free.
    while (at >= 0) {
      const digits = /^\d+/.exec(text.slice(at + marker.length));
      bad.add(digits ? Number(digits[0]) : -1);
      at = text.indexOf(marker, at + marker.length);
    }
  };
  result.dataset.forEach((quad, q) => {
    scan(quad.subject.value);
    scan(quad.predicate.value);
    scan(quad.graph.value);
    scan(quad.object.value, quad.object.termType === 'Literal' ? q : undefined);
    scan(quad.object.datatype?.value);
    scan(quad.object.language);
  });
  free.forEach((isFree, i) => {
    if (isFree && count[i] !== 1) bad.add(i);
  });
  if (bad.has(-1)) return { real: await run.toRdf(document) };
  if (bad.size > 0) return [...bad];
  // A copy of its own: nothing the template holds is shared with jsonld's objects.
  return { quads: result.dataset.map(copyQuad), positions, contexts: result.contexts };
}

/** The slots whose placeholders occur in a jsonld event's details (-1: one unreadable). */
function slotsNamed(details: unknown, marker: string): Set<number> {
  const found = new Set<number>();
  const seen = new Set<object>();
  const walk = (value: unknown, depth: number) => {
    if (typeof value === 'string') {
      for (let at = value.indexOf(marker); at >= 0; at = value.indexOf(marker, at + marker.length)) {
        const digits = /^\d+/.exec(value.slice(at + marker.length));
        found.add(digits ? Number(digits[0]) : -1);
      }
    } else if (value !== null && typeof value === 'object' && depth < 8 && !seen.has(value)) {
      seen.add(value);
      for (const v of Object.values(value)) walk(v, depth + 1);
    }
  };
  walk(details, 0);
  return found;
}

function copyTerm(t: Term): Term {
  const copy: { termType: string; value: string; datatype?: Term; language?: string } = { termType: t.termType, value: t.value };
  if (t.datatype) copy.datatype = copyTerm(t.datatype);
  if (t.language !== undefined) copy.language = t.language;
  return copy;
}

function copyQuad(q: Quad): Quad {
  return { subject: copyTerm(q.subject), predicate: copyTerm(q.predicate), object: copyTerm(q.object), graph: copyTerm(q.graph) };
}

function wellFormed(quad: Quad): boolean {
  const ok = (t: Term | undefined) => typeof t === 'object' && t !== null && typeof t.termType === 'string' && typeof t.value === 'string';
  return ok(quad?.subject) && ok(quad.predicate) && ok(quad.object) && ok(quad.graph);
}

/** The template's dataset with this document's strings; undefined if two quads coincide. */
function fillIn(template: Template, values: readonly string[]): Quad[] | undefined {
  if (template.positions.length === 0) return template.quads as Quad[];
  const quads = template.quads.slice();
  for (const [q, i] of template.positions) {
    const quad = quads[q] as Quad;
    quads[q] = { ...quad, object: { ...quad.object, value: values[i] as string } };
  }
  // Only a literal can newly equal another statement; the separator cannot occur in IRIs
  // and is compared along with lengths, so keys are unambiguous.
  const seen = new Set<string>();
  for (const { subject: s, predicate: p, object: o, graph: g } of quads) {
    if (o.termType !== 'Literal') continue;
    const parts = [s.termType, s.value, p.value, o.value, o.datatype?.value ?? '', o.language ?? '', g.termType, g.value];
    const key = parts.map((x) => `${x.length}:${x}`).join('');
    if (seen.has(key)) return undefined;
    seen.add(key);
  }
  return quads;
}

/**
 * The shape of a JSON document, or undefined when it is not plain JSON (a non-finite
 * number, undefined, a class instance) and so is processed without the cache.
 * LIMIT_EXCEEDED when it nests deeper than {@link MAX_DEPTH} levels.
 */
export function shapeOf(document: JsonObject): Shape | undefined {
  const values: string[] = [];
  const keys: string[] = [];
  let out = '';
  const walk = (value: unknown, key: string, depth: number): boolean => {
    if (depth > MAX_DEPTH) throw new TradewindError('LIMIT_EXCEEDED', `JSON-LD document nests deeper than ${MAX_DEPTH} levels`);
    if (typeof value === 'string') {
      if (isKeywordKey(key)) out += JSON.stringify(value);
      else {
        values.push(value);
        keys.push(key);
        out += '$';
      }
      return true;
    }
    if (Array.isArray(value)) {
      out += '[';
      for (let i = 0; i < value.length; i++) {
        if (!walk(value[i], key, depth + 1)) return false;
        out += ',';
      }
      out += ']';
      return true;
    }
    if (value !== null && typeof value === 'object') {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      out += '{';
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        out += `${JSON.stringify(k)}:`;
        if (k === '@context') {
          const text = plainJson(v, depth + 1);
          if (text === undefined) return false;
          out += text;
        } else if (!walk(v, k, depth + 1)) return false;
        out += ',';
      }
      out += '}';
      return true;
    }
    const text = scalar(value);
    if (text === undefined) return false;
    out += text;
    return true;
  };
  if (!walk(document, '', 0)) return undefined;
  return { key: out, values, keys };
}

/** A key whose string values are part of the shape: a keyword other than @value. */
function isKeywordKey(key: string): boolean {
  return key.startsWith('@') && key !== '@value';
}

/** JSON text of a plain JSON value, or undefined for anything JSON.stringify would bend. */
function plainJson(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const v of value) {
      const t = plainJson(v, depth + 1);
      if (t === undefined) return undefined;
      items.push(t);
    }
    return `[${items.join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return undefined;
    const items: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const t = plainJson(v, depth + 1);
      if (t === undefined) return undefined;
      items.push(`${JSON.stringify(k)}:${t}`);
    }
    return `{${items.join(',')}}`;
  }
  return scalar(value);
}

function scalar(value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  return undefined;
}

/** A copy of `document` with each candidate string (in {@link shapeOf}'s order) replaced. */
function rebuild(value: unknown, replace: (value: string) => string, key = ''): unknown {
  if (typeof value === 'string') return isKeywordKey(key) ? value : replace(value);
  if (Array.isArray(value)) return value.map((v) => rebuild(v, replace, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const copy = k === '@context' ? structuredClone(v) : rebuild(v, replace, k);
      // defineProperty: a "__proto__" key stays a key.
      Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

const SECRET = (() => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
})();
let builds = 0;

/** A Map that forgets its least recently used entry beyond `max`. */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return this;
  }
}
