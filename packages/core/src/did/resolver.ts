import { type DIDDocument, Resolver, type ResolverRegistry, type VerificationMethod } from 'did-resolver';
import type { PublicJwk } from '../algorithms.js';
import { TradewindError } from '../errors.js';
import { resolveDidKey } from './did-key.js';
import { MAX_MULTIKEY_LENGTH, verificationMethodJwk } from './key-material.js';
import { type DidWebFetcher, didWebResolver, MAX_DID_JWK_LENGTH, MAX_DID_WEB_LENGTH, resolveDidJwk } from './methods.js';

/** Which verification relationship a key must be authorised for. */
export type VerificationRelationship = 'assertionMethod' | 'authentication';

/** A public key found in a DID document and authorised for a relationship. */
export interface ResolvedKey {
  /** Absolute verification method id (`did:…#fragment`). */
  id: string;
  controller: string;
  jwk: PublicJwk;
}

export interface DidResolverOptions {
  /** Enables did:web through this fetcher. Without it did:web is unresolvable. */
  didWebFetcher?: DidWebFetcher;
  /** Allow http:// and private or loopback did:web hosts. Off by default. */
  allowInsecureDidWeb?: boolean;
  /**
   * DID documents known up front (for example the keys a recognition list carries for
   * did:web issuers). They take precedence over any other resolution.
   */
  documents?: Iterable<DIDDocument>;
  /** How many resolved DIDs to keep; the oldest are dropped first. Default 10,000. */
  cacheSize?: number;
  /** How long a did:web document is cached, in milliseconds. Default 5 minutes. */
  didWebTtlMs?: number;
}

/**
 * Longest DID resolved, per method, checked before any parsing or decoding (base58 is
 * quadratic, and a presentation's holder DID is resolved before any signature check).
 * A did:key is its key; a did:jwk a JWK (a few hundred characters); did:web a URL.
 */
export const MAX_DID_LENGTH = {
  key: 'did:key:'.length + MAX_MULTIKEY_LENGTH,
  jwk: MAX_DID_JWK_LENGTH,
  web: MAX_DID_WEB_LENGTH,
  other: 2048,
} as const;

function maxLengthOf(did: string): number {
  if (did.startsWith('did:key:')) return MAX_DID_LENGTH.key;
  if (did.startsWith('did:jwk:')) return MAX_DID_LENGTH.jwk;
  if (did.startsWith('did:web:')) return MAX_DID_LENGTH.web;
  return MAX_DID_LENGTH.other;
}

// did = "did:" method-name ":" method-specific-id; idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
const DID_SYNTAX = /^did:[a-z0-9]+:(?:(?:[\w.-]|%[0-9A-Fa-f]{2})*:)*(?:[\w.-]|%[0-9A-Fa-f]{2})+$/;

interface CacheEntry {
  doc: DIDDocument;
  expires: number;
  keys: Map<VerificationRelationship, ResolvedKey[]>;
}

/**
 * Offline DID resolution for verification: did:key (Ed25519, P-256) and did:jwk
 * locally, did:web only through an injected fetcher, plus any documents supplied up
 * front. Resolved documents and their keys are cached.
 *
 * @example
 * ```ts
 * const dids = new DidKeyResolver();
 * const [key] = await dids.keysFor('did:key:z6Mk…', 'assertionMethod');
 * ```
 */
export class DidKeyResolver {
  readonly #resolver: Resolver;
  readonly #static = new Map<string, DIDDocument>();
  readonly #cache = new Map<string, CacheEntry>();
  readonly #cacheSize: number;
  readonly #webTtl: number;

  readonly #options: DidResolverOptions;

  constructor(options: DidResolverOptions = {}) {
    // Options often come from configuration: a string "false" must not switch the
    // private-host filter off, and a string size must not unbound the cache.
    if (options.allowInsecureDidWeb !== undefined && typeof options.allowInsecureDidWeb !== 'boolean') {
      throw new TypeError('allowInsecureDidWeb must be a boolean');
    }
    for (const name of ['cacheSize', 'didWebTtlMs'] as const) {
      const value = options[name];
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
        throw new TypeError(`${name} must be a non-negative integer`);
    }
    this.#options = options;
    const registry: ResolverRegistry = { key: resolveDidKey, jwk: resolveDidJwk };
    if (options.didWebFetcher) {
      registry.web = didWebResolver({ fetcher: options.didWebFetcher, allowInsecure: options.allowInsecureDidWeb === true });
    }
    this.#resolver = new Resolver(registry, { cache: false });
    for (const doc of options.documents ?? []) this.#static.set(doc.id, doc);
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#webTtl = options.didWebTtlMs ?? 5 * 60_000;
  }

  /**
   * A resolver that knows these documents on top of everything this one resolves
   * (same did:web fetcher and settings), with a cache of its own, so that keys supplied
   * for one purpose (a recognition list's) never leak into other verifications.
   */
  withDocuments(documents: Iterable<DIDDocument>): DidKeyResolver {
    return new DidKeyResolver({ ...this.#options, documents: [...this.#static.values(), ...documents] });
  }

  /** Resolves a DID to its document. Throws `DID_UNRESOLVABLE`. */
  async resolve(did: string): Promise<DIDDocument> {
    return (await this.#entry(did)).doc;
  }

  /** Every key of `did` authorised for `relationship`. Throws `DID_UNRESOLVABLE` or `KEY_NOT_FOUND`. */
  async keysFor(did: string, relationship: VerificationRelationship): Promise<ResolvedKey[]> {
    const entry = await this.#entry(did);
    let keys = entry.keys.get(relationship);
    if (!keys) {
      keys = await authorisedKeys(entry.doc, relationship);
      entry.keys.set(relationship, keys);
    }
    return keys;
  }

  /**
   * The key a JOSE `kid` names, which must belong to `did` and be authorised for
   * `relationship`. Without a kid, the DID must have exactly one such key.
   */
  async keyFor(did: string, kid: string | undefined, relationship: VerificationRelationship): Promise<ResolvedKey> {
    if (kid !== undefined) {
      const hash = kid.indexOf('#');
      if (hash < 0) {
        throw new TradewindError('KEY_NOT_FOUND', `kid ${kid} is not a DID URL with a fragment`, { path: '/header/kid' });
      }
      if (hash > 0 && kid.slice(0, hash) !== did) {
        throw new TradewindError('KEY_NOT_FOUND', `kid ${kid} belongs to another DID than ${did}`, { path: '/header/kid' });
      }
    }
    const keys = await this.keysFor(did, relationship);
    if (kid === undefined) {
      if (keys.length === 1) return keys[0] as ResolvedKey;
      const why = keys.length === 0 ? `: ${await this.#whyUnusable(did, relationship)}` : ' and the token names none';
      throw new TradewindError('KEY_NOT_FOUND', `${did} has ${keys.length} keys for ${relationship}${why}`, { path: '/header/kid' });
    }
    const id = kid.startsWith('#') ? did + kid : kid;
    const key = keys.find((k) => k.id === id);
    if (!key) {
      throw new TradewindError('KEY_NOT_FOUND', await this.#whyUnusable(did, relationship, id), { path: '/header/kid' });
    }
    return key;
  }

  /** Why `did` has no usable key `id` (or none at all) for `relationship`, for error messages. */
  async #whyUnusable(did: string, relationship: VerificationRelationship, id?: string): Promise<string> {
    const doc = (await this.#entry(did)).doc;
    const absolute = (ref: string) => (ref.startsWith('#') ? doc.id + ref : ref);
    const all = Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [];
    // A fetched document is untrusted: a few methods are described, in linear time.
    const methods = all.filter((vm) => vm && (id === undefined || absolute(String(vm.id)) === id)).slice(0, 3);
    if (methods.length === 0) {
      return id === undefined ? `${did} has no verification methods` : `${id} is not a key of ${did} authorised for ${relationship}`;
    }
    const uses = new Map<string, string[]>();
    for (const r of RELATIONSHIPS) {
      const refs = doc[r];
      for (const ref of Array.isArray(refs) ? refs : []) {
        const refId = absolute(typeof ref === 'string' ? ref : String(ref?.id));
        uses.set(refId, [...(uses.get(refId) ?? []), r]);
      }
    }
    const reasons: string[] = [];
    for (const vm of methods) {
      const vmId = absolute(String(vm.id));
      const crv = (vm.publicKeyJwk as { crv?: unknown } | undefined)?.crv;
      const kind = typeof crv === 'string' ? crv : String(vm.type);
      const rels = uses.get(vmId) ?? [];
      const problem = await verificationMethodJwk(vm as unknown as Record<string, unknown>).then(
        () => undefined,
        (e: Error) => e.message,
      );
      if (problem === undefined) reasons.push(`${vmId} is authorised for ${rels.join(', ') || 'nothing'}, not ${relationship}`);
      else if (rels.length > 0 && rels.every((r) => r === 'keyAgreement')) {
        reasons.push(`${vmId} is a ${kind} key agreement key (keyAgreement), not a signing key`);
      } else if (kind === 'Ed25519' || kind === 'P-256') reasons.push(problem);
      else reasons.push(`${problem} (${kind}; Tradewind verifies with Ed25519 and P-256 keys)`);
    }
    return reasons.join('; ');
  }

  async #entry(did: string): Promise<CacheEntry> {
    const cached = this.#cache.get(did);
    if (cached && cached.expires > Date.now()) return cached;
    const known = this.#static.get(did);
    let doc: DIDDocument;
    let expires = Number.POSITIVE_INFINITY;
    if (known) doc = known;
    else {
      const max = maxLengthOf(did);
      if (did.length > max) {
        throw new TradewindError(
          'DID_UNRESOLVABLE',
          `${did.slice(0, 40)}… is ${did.length} characters, over the ${max} allowed for its method`,
        );
      }
      // DID syntax (DID Core §3.1): a DID URL (path, query, fragment) names a resource, not
      // a subject; as an issuer or holder it would be a second name for the same DID.
      if (!DID_SYNTAX.test(did)) {
        throw new TradewindError(
          'DID_UNRESOLVABLE',
          `${JSON.stringify(did.slice(0, 80))} is not a DID (did:method:id; no path, query, fragment or characters outside DID syntax)`,
        );
      }
      const result = await this.#resolver.resolve(did).catch((e: unknown) => ({
        didDocument: null,
        didResolutionMetadata: { error: 'internalError', message: (e as Error).message },
      }));
      if (!result.didDocument) {
        const meta = result.didResolutionMetadata;
        throw new TradewindError(
          'DID_UNRESOLVABLE',
          `cannot resolve ${did.slice(0, 120)}: ${meta.error ?? 'no document'}${meta.message ? ` (${meta.message})` : ''}`,
        );
      }
      doc = result.didDocument;
      checkDocumentSize(doc, did);
      if (did.startsWith('did:web:')) expires = Date.now() + this.#webTtl;
    }
    const entry: CacheEntry = { doc, expires, keys: new Map() };
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(did, entry);
    return entry;
  }
}

const RELATIONSHIPS = ['assertionMethod', 'authentication', 'keyAgreement', 'capabilityInvocation', 'capabilityDelegation'] as const;

/**
 * Most verification methods, and most entries of one verification relationship, a
 * resolved DID document may list. An issuer has a handful of keys; a did:web host that
 * serves 100,000 would otherwise cost half a second of key parsing per verification.
 */
export const MAX_DOCUMENT_METHODS = 256;

function checkDocumentSize(doc: DIDDocument, did: string): void {
  for (const member of ['verificationMethod', ...RELATIONSHIPS] as const) {
    const list = (doc as unknown as Record<string, unknown>)[member];
    if (Array.isArray(list) && list.length > MAX_DOCUMENT_METHODS) {
      throw new TradewindError(
        'DID_UNRESOLVABLE',
        `the DID document of ${did.slice(0, 120)} lists ${list.length} ${member} entries, more than the ${MAX_DOCUMENT_METHODS} read`,
      );
    }
  }
}

// A fetched did:web document is untrusted JSON: members of the wrong shape hold no keys.
const listOf = <T>(value: unknown): T[] => (Array.isArray(value) ? value : []);
const isMethod = (vm: unknown): vm is VerificationMethod =>
  typeof vm === 'object' && vm !== null && typeof (vm as VerificationMethod).id === 'string';

async function authorisedKeys(doc: DIDDocument, relationship: VerificationRelationship): Promise<ResolvedKey[]> {
  const methods = new Map<string, VerificationMethod>();
  const absolute = (id: string) => (id.startsWith('#') ? doc.id + id : id);
  for (const vm of listOf<unknown>(doc.verificationMethod)) if (isMethod(vm)) methods.set(absolute(vm.id), vm);
  const keys: ResolvedKey[] = [];
  for (const ref of listOf<unknown>(doc[relationship])) {
    const vm = typeof ref === 'string' ? methods.get(absolute(ref)) : ref;
    if (!isMethod(vm)) continue;
    let jwk: PublicJwk;
    try {
      jwk = await verificationMethodJwk(vm as unknown as Record<string, unknown>);
    } catch {
      continue; // a key type we do not verify with (X25519, secp256k1, ...)
    }
    keys.push({ id: absolute(vm.id), controller: typeof vm.controller === 'string' ? vm.controller : doc.id, jwk });
  }
  return keys;
}
