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
  return gated(async () => {
    const run = new Run(options);
    const dataset = await datasetOf(document, run);
    return run.canonize(dataset);
  });
}

/**
 * Canonicalizations running at once in this process. JSON-LD processing is work on this
 * thread: more in flight adds no speed, and would stretch each one's time (its clock
 * measures time since it started, the others' turns included), so that a batch of
 * hundreds of credentials on a busy machine crossed maxMilliseconds. A run's clock starts
 * when it gets its turn.
 */
const MAX_RUNS_AT_ONCE = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function gated<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/**
 * The same without the shape cache: `jsonld.toRDF` of exactly this document, then
 * RDFC-1.0. The differential tests compare the two.
 */
export async function canonizeRdfcUncached(document: JsonObject, options: CanonizeOptions): Promise<string> {
  return gated(async () => {
    const run = new Run(options);
    return run.canonize(await run.toRdf(document));
  });
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

  /**
   * Every name the document's contexts could define: each key of each context it reaches
   * (inline, by URL, @import, and the type- and property-scoped ones inside them, at any
   * depth), a superset of its terms. Undefined when a context cannot be loaded here or
   * they are too many: the real run then has the say.
   */
  async contextTerms(document: JsonObject): Promise<Set<string> | undefined> {
    const terms = new Set<string>();
    const loaded = new Set<string>();
    const pending: unknown[] = [];
    const inDocument = (value: unknown, depth: number) => {
      if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
      if (Array.isArray(value)) for (const v of value) inDocument(v, depth + 1);
      else
        for (const [k, v] of Object.entries(value)) {
          if (k === '@context') pending.push(v);
          else inDocument(v, depth + 1);
        }
    };
    inDocument(document, 0);
    // A context value: URLs in it are loaded; every key of every object in it is a name.
    const inContext = async (value: unknown, depth: number): Promise<boolean> => {
      if (depth > MAX_DEPTH) return false;
      if (typeof value === 'string') {
        if (loaded.has(value)) return true;
        loaded.add(value);
        if (loaded.size > this.limits.maxContexts) return false;
        let remote: RemoteDocument;
        try {
          remote = await this.loader(value);
        } catch {
          return false;
        }
        return inNames(remote?.document, depth + 1);
      }
      if (Array.isArray(value)) {
        for (const v of value) if (!(await inContext(v, depth + 1))) return false;
        return true;
      }
      return inNames(value, depth + 1);
    };
    const inNames = async (value: unknown, depth: number): Promise<boolean> => {
      if (depth > MAX_DEPTH) return false;
      if (value === null || typeof value !== 'object') return true;
      if (Array.isArray(value)) {
        for (const v of value) if (!(await inNames(v, depth + 1))) return false;
        return true;
      }
      for (const [k, v] of Object.entries(value)) {
        terms.add(k);
        const ok = k === '@context' || k === '@import' ? await inContext(v, depth + 1) : await inNames(v, depth + 1);
        if (!ok) return false;
      }
      return true;
    };
    for (const value of pending) if (!(await inContext(value, 0))) return undefined;
    return terms;
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
//
// IRI-valued strings (an id, the issuer, a link) are slots too when jsonld can only expand
// them to themselves ({@link iriFree}: absolute, no whitespace, not `_:`, and neither the
// value nor its prefix a name in any context the document reaches, so no term and no
// compact IRI, and @vocab and @base leave an absolute IRI alone). Their placeholder keeps
// the value's scheme and must come out only as named nodes equal to it. jsonld merges
// nodes of one IRI (or refuses them, e.g. under two @index values), so a filled-in IRI
// that is also another slot's or any other named node of the dataset makes the cache step
// aside, as do two equal quads.
// ---------------------------------------------------------------------------------------

interface Shape {
  readonly key: string;
  /** The candidate strings, in walk order, and the key each is under. */
  readonly values: readonly string[];
  readonly keys: readonly string[];
}

const IRI_KEYS = new Set(['id', 'type']);
const LOOKS_LIKE_IRI = /^[a-z][a-z0-9+.-]*:\S*$/i;
/** jsonld's test for an absolute IRI (its scheme characters, stricter), with no whitespace at all. */
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/;

/**
 * How a slot is filled: `literal`, the lexical value of exactly one literal; `iri`, one or
 * more named nodes equal to it; `fixed`, not at all (its value is part of the template's key).
 */
type Mode = 'literal' | 'iri' | 'fixed';

interface Template {
  readonly quads: readonly Quad[];
  /** [quad index, part (0 subject, 1 predicate, 2 object), slot index] for each placeholder. */
  readonly positions: ReadonlyArray<readonly [number, 0 | 1 | 2, number]>;
  /** Whether any placeholder is a named node. */
  readonly iris: boolean;
  /** Every named node of the dataset that is not a placeholder (graph names included). */
  readonly named: ReadonlySet<string>;
  readonly contexts: number;
}

interface ShapeEntry {
  /** What each slot is (still believed) to be. */
  readonly mode: Mode[];
  /** The names the shape's contexts could define ({@link Run.contextTerms}); null: unknown. */
  terms: Set<string> | null | undefined;
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

/**
 * Whether an IRI-valued string can be a placeholder's: jsonld expands it (against @vocab or
 * @base alike) to itself, because it is absolute, not a blank node, and neither it nor its
 * prefix is a name any context of the document could define (so no term and no compact IRI).
 */
function iriFree(value: string, terms: Set<string> | null | undefined): boolean {
  if (!terms || !ABSOLUTE_IRI.test(value) || value.startsWith('_:')) return false;
  return !terms.has(value) && !terms.has(value.slice(0, value.indexOf(':')));
}

function schemeOf(value: string): string {
  return value.slice(0, value.indexOf(':'));
}

async function datasetOf(document: JsonObject, run: Run): Promise<readonly Quad[]> {
  const shape = shapeOf(document);
  if (!shape) return run.toRdf(document);
  const shapes = run.safe ? run.state.shapes.safe : run.state.shapes.lax;
  let entry = shapes.get(shape.key);
  if (!entry) {
    // A first guess, only to save rounds: `id`, `type` and IRI-looking strings are rarely
    // plain literals. Whatever the guess, only what buildTemplate checks is trusted.
    const mode = shape.values.map((v, i): Mode => (IRI_KEYS.has(shape.keys[i] as string) || LOOKS_LIKE_IRI.test(v) ? 'iri' : 'literal'));
    entry = { mode, terms: undefined, templates: new BoundedMap(MAX_TEMPLATES_PER_SHAPE), disabled: false, builds: 0, hits: 0, skipped: 0 };
    shapes.set(shape.key, entry);
  }
  // Building a template costs a little more than processing the document, and pays only
  // when the template is used again.
  if (entry.builds >= 16 && entry.hits * 4 < entry.builds && ++entry.skipped % RETRY_EVERY !== 0) return run.toRdf(document);
  // The shape holds its contexts, so their names are the same for every document of it.
  if (entry.terms === undefined && entry.mode.includes('iri')) entry.terms = (await run.contextTerms(document)) ?? null;
  for (let round = 0; round < 4 && !entry.disabled; round++) {
    const terms = entry.terms;
    // An IRI slot whose value here does not qualify keeps it in the key.
    const modes = entry.mode.map((m, i): Mode => (m === 'iri' && !iriFree(shape.values[i] as string, terms) ? 'fixed' : m));
    const key = templateKey(modes, shape.values);
    let template = entry.templates.get(key);
    if (!template) {
      const built = await buildTemplate(document, shape, modes, run);
      if ('real' in built) {
        entry.disabled = true;
        return built.real;
      }
      if (Array.isArray(built)) {
        // An IRI-looking string may still be a plain literal; one neither is fixed.
        for (const i of built) entry.mode[i] = entry.mode[i] === 'iri' && modes[i] === 'iri' ? 'literal' : 'fixed';
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

/** The template's key: each slot's mode, the scheme of IRI slots, the strings of fixed ones. */
function templateKey(modes: readonly Mode[], values: readonly string[]): string {
  const fixed: (string | 0 | [string])[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    fixed.push(modes[i] === 'literal' ? 0 : modes[i] === 'iri' ? [schemeOf(value)] : value);
  }
  return JSON.stringify(fixed);
}

/**
 * Builds the template for `document` with the literal and IRI slots as placeholders.
 * Returns the slots that turned out to be neither, or the real document's dataset when
 * the placeholders made jsonld fail and the document itself does not (the shape is then
 * not cached).
 */
async function buildTemplate(
  document: JsonObject,
  shape: Shape,
  modes: readonly Mode[],
  run: Run,
): Promise<Template | number[] | { real: Quad[] }> {
  // Unguessable (a secret of this process and a counter), so no document can hold one.
  // Literal placeholders mix case, spaces at both ends and a non-ASCII letter; IRI ones
  // keep the real value's scheme and have no space.
  const core = `${SECRET}-${(builds++).toString(36)}`;
  const placeholder = (i: number) =>
    modes[i] === 'iri' ? `${schemeOf(shape.values[i] as string)}:tWslot${core}.${i}` : ` tW slot ${core} ${i} é `;
  const placeholders = new Map<string, number>();
  modes.forEach((mode, i) => {
    if (mode !== 'fixed') placeholders.set(placeholder(i), i);
  });
  let slot = 0;
  const probe = rebuild(document, (value) => {
    const i = slot++;
    return modes[i] === 'fixed' ? value : placeholder(i);
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
    const named = slotsNamed(warning.details, core);
    if (named.size === 0 && run.safe) return { real: await run.toRdf(document) };
    for (const i of named) bad.add(i);
  }
  const positions: [number, 0 | 1 | 2, number][] = [];
  const named = new Set<string>();
  // Anywhere but where its mode allows (in an IRI, a language, a rewritten literal, a
  // blank node, a graph name, a datatype): that slot is neither.
  const elsewhere = (text: string | undefined) => {
    if (text?.includes(core)) for (const i of slotsIn(text, core)) bad.add(i);
  };
  const term = (t: Term, q: number, part: 0 | 1 | 2) => {
    if (!t.value.includes(core)) {
      if (t.termType === 'NamedNode') named.add(t.value);
      return;
    }
    const i = placeholders.get(t.value);
    const fits = i !== undefined && (modes[i] === 'iri' ? t.termType === 'NamedNode' : part === 2 && t.termType === 'Literal');
    if (!fits) return elsewhere(t.value);
    count[i] = (count[i] ?? 0) + 1;
    positions.push([q, part, i]);
  };
  result.dataset.forEach((quad, q) => {
    term(quad.subject, q, 0);
    term(quad.predicate, q, 1);
    term(quad.object, q, 2);
    if (quad.graph.termType === 'NamedNode' && !quad.graph.value.includes(core)) named.add(quad.graph.value);
    elsewhere(quad.graph.value);
    elsewhere(quad.object.datatype?.value);
    elsewhere(quad.object.language);
  });
  modes.forEach((mode, i) => {
    if (mode === 'literal' && count[i] !== 1) bad.add(i);
    if (mode === 'iri' && !((count[i] as number) >= 1)) bad.add(i);
  });
  if (bad.has(-1)) return { real: await run.toRdf(document) };
  if (bad.size > 0) return [...bad];
  // A copy of its own: nothing the template holds is shared with jsonld's objects.
  return {
    quads: result.dataset.map(copyQuad),
    positions,
    iris: modes.includes('iri'),
    named,
    contexts: result.contexts,
  };
}

/** The slots whose placeholders occur in `text` (-1: one unreadable). */
function slotsIn(text: string, core: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(core); at >= 0; at = text.indexOf(core, at + core.length)) {
    const digits = /^[ .](\d+)/.exec(text.slice(at + core.length));
    found.push(digits ? Number(digits[1]) : -1);
  }
  return found;
}

/** The slots whose placeholders occur in a jsonld event's details (-1: one unreadable). */
function slotsNamed(details: unknown, core: string): Set<number> {
  const found = new Set<number>();
  const seen = new Set<object>();
  const walk = (value: unknown, depth: number) => {
    if (typeof value === 'string') {
      for (const i of slotsIn(value, core)) found.add(i);
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

const PARTS = ['subject', 'predicate', 'object'] as const;

/**
 * The template's dataset with this document's strings; undefined when jsonld might have
 * made another: two quads coincide, or an IRI value is also another slot's or a named
 * node of the template (jsonld would merge such nodes, or refuse them, e.g. for
 * conflicting @index values).
 */
function fillIn(template: Template, values: readonly string[]): Quad[] | undefined {
  if (template.positions.length === 0) return template.quads as Quad[];
  const quads = template.quads.slice();
  const iris = new Map<string, number>();
  for (const [q, part, i] of template.positions) {
    const value = values[i] as string;
    const quad = quads[q] as Quad;
    const name = PARTS[part];
    if (quad[name].termType === 'NamedNode') {
      if (template.named.has(value) || (iris.get(value) ?? i) !== i) return undefined;
      iris.set(value, i);
    }
    quads[q] = { ...quad, [name]: { ...quad[name], value } };
  }
  // Only a literal can newly equal another statement, unless IRIs were filled in too; the
  // separator cannot occur in IRIs and is compared along with lengths, so keys are unambiguous.
  const seen = new Set<string>();
  for (const { subject: s, predicate: p, object: o, graph: g } of quads) {
    if (!template.iris && o.termType !== 'Literal') continue;
    const parts = [s.termType, s.value, p.value, o.termType, o.value, o.datatype?.value ?? '', o.language ?? '', g.termType, g.value];
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
