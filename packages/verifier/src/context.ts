import {
  base64Decode,
  type CredentialFormat,
  checkFetchUrl,
  DidKeyResolver,
  isJsonObject,
  type JsonObject,
  parseDateTimeStamp,
  type ResolvedKey,
  TradewindError,
} from '@tradewind/core';
import type { CryptoBackend } from './crypto/backend.js';
import type { RecognitionState } from './recognition/load-lists.js';
import { parsePolicy, type RecognitionPolicy } from './recognition/policy.js';
import type {
  DataIntegrityOptions,
  HolderBinding,
  InputLimits,
  SdJwtOptions,
  StatusListProvider,
  StatusListSource,
  StatusOptions,
  VerifyOptions,
} from './types.js';

export const DEFAULT_LIMITS: Required<InputLimits> = {
  maxInputLength: 256 * 1024,
  maxDepth: 32,
  maxCredentials: 64,
  maxListLength: 16 * 1024 * 1024,
};
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 86_400;
const ALL_FORMATS: CredentialFormat[] = ['jwt_vc', 'vc+jwt', 'dc+sd-jwt', 'di'];

/**
 * What one verification call needs, resolved once from the options. A verifier built
 * with `createVerifier` keeps one of these (and its key cache) for all its calls.
 */
export interface VerifyContext {
  backend: CryptoBackend;
  resolver: DidKeyResolver;
  keys: WeakMap<ResolvedKey, unknown>;
  trustedIssuers: Set<string> | undefined;
  formats: Set<CredentialFormat>;
  limits: Required<InputLimits>;
  skewMs: number;
  /** ES256 signatures in high-S form are accepted (options.allowHighS). */
  allowHighS: boolean;
  /** Evaluation time in ms since the epoch, or undefined for "now at each call". */
  fixedNow: number | undefined;
  status: StatusContext;
  /**
   * Status rules of a policy without anchors (its trusted issuers stand for the lists):
   * with anchors, the recognition outcome carries them instead.
   */
  policyStatus: PolicyStatusRules;
  /** Recognition lists and policy, verified on first use; undefined without a recognition policy. */
  recognition: RecognitionSetup | undefined;
  /** holderBinding as an option said it (per call, else the verifier's), if it did. */
  holderBinding: HolderBinding | undefined;
  /** holderBinding as the policy in force says it, if it does. */
  policyHolderBinding: HolderBinding | undefined;
  /** SD-JWT VC settings (options.sdJwt with their defaults). */
  sdJwt: Required<SdJwtOptions>;
  /** Certificates the caller anchors `x5c` chains with (options.trustedCertificates), as DER. */
  trustedCertificates: readonly Uint8Array[];
  /** Data Integrity material (options.dataIntegrity), checked for shape; the DI code reads it. */
  dataIntegrity: DataIntegritySettings;
}

/** options.dataIntegrity, checked: contexts as given, documents by id, compatibility per issuer. */
export interface DataIntegritySettings {
  contexts: Map<string, JsonObject | string> | undefined;
  documents: ReadonlyMap<string, JsonObject>;
  compatibility: ReadonlyMap<string, 'mosip'>;
  requireLowS: boolean;
}

const NO_DATA_INTEGRITY: DataIntegritySettings = {
  contexts: undefined,
  documents: new Map(),
  compatibility: new Map(),
  requireLowS: false,
};

/**
 * options.dataIntegrity as settings: a per-call value replaces the verifier's wholesale
 * (material is given, not merged). TypeError for shapes that are programmer errors.
 */
function dataIntegritySettings(options: DataIntegrityOptions | undefined, base: DataIntegritySettings | undefined): DataIntegritySettings {
  if (options === undefined) return base ?? NO_DATA_INTEGRITY;
  if (!isJsonObject(options as unknown)) throw new TypeError('dataIntegrity must be an object');
  let contexts: Map<string, JsonObject | string> | undefined;
  if (options.contexts !== undefined) {
    const entries =
      options.contexts instanceof Map
        ? [...options.contexts]
        : isJsonObject(options.contexts as unknown)
          ? Object.entries(options.contexts)
          : undefined;
    if (!entries) throw new TypeError('dataIntegrity.contexts must map context URLs to JSON objects or JSON text');
    for (const [url, doc] of entries) {
      if (typeof url !== 'string' || !(typeof doc === 'string' || isJsonObject(doc))) {
        throw new TypeError('dataIntegrity.contexts must map context URLs to JSON objects or JSON text');
      }
    }
    contexts = new Map(entries);
  }
  const documents = new Map<string, JsonObject>();
  if (options.documents !== undefined) {
    if (!Array.isArray(options.documents)) throw new TypeError('dataIntegrity.documents must be an array of documents with an id');
    for (const doc of options.documents) {
      if (!isJsonObject(doc) || typeof doc.id !== 'string' || doc.id.length === 0) {
        throw new TypeError('dataIntegrity.documents must be an array of documents with an id');
      }
      if (documents.has(doc.id)) throw new TypeError(`dataIntegrity.documents holds ${doc.id} twice`);
      documents.set(doc.id, doc);
    }
  }
  const compatibility = new Map<string, 'mosip'>();
  if (options.compatibility !== undefined) {
    if (!isJsonObject(options.compatibility as unknown)) throw new TypeError('dataIntegrity.compatibility must map issuer ids to "mosip"');
    for (const [issuer, mode] of Object.entries(options.compatibility)) {
      // A typo must not switch a mode on, or off without a word.
      if (mode !== 'mosip') throw new TypeError(`dataIntegrity.compatibility[${JSON.stringify(issuer)}] must be 'mosip'`);
      if (issuer === '*' || issuer === '')
        throw new TypeError('dataIntegrity.compatibility is per issuer: name an issuer id, not a wildcard');
      compatibility.set(issuer, mode);
    }
  }
  if (options.requireLowS !== undefined && typeof options.requireLowS !== 'boolean') {
    throw new TypeError('dataIntegrity.requireLowS must be a boolean');
  }
  return { contexts, documents, compatibility, requireLowS: options.requireLowS === true };
}

/** The holder binding in force: the option (per call, else the verifier's), else the policy's, else `subject`. */
export function holderBindingOf(ctx: VerifyContext): HolderBinding {
  return ctx.holderBinding ?? ctx.policyHolderBinding ?? 'subject';
}

export interface RecognitionSetup {
  policy: RecognitionPolicy;
  sources: readonly StatusListSource[];
  seen: Readonly<Record<string, number>>;
  /** The lists chosen for the evaluation times seen so far (see recognitionState). */
  states: RecognitionState[];
  /** A choice being made: other calls wait for it before making their own. */
  pending?: Promise<RecognitionState> | undefined;
}

export interface PolicyStatusRules {
  required: boolean;
  maxAgeMs: number | undefined;
}

export interface StatusContext {
  provider: StatusListProvider | undefined;
  onUnavailable: 'reject' | 'warn';
  maxAgeMs: number | undefined;
  maxListBytes: number;
  /** Decoded lists by URL; an entry is reused only while the provider returns the same source. */
  cache: Map<string, DecodedStatusList>;
}

/** What the verifier keeps of a status list credential it has checked and decoded. */
export interface DecodedStatusList {
  source: StatusListSource;
  issuer: string;
  purpose: string;
  bits: Uint8Array;
  validFrom: Date | undefined;
  validUntil: Date | undefined;
  /** What its age runs from: validFrom, else the JWT `iat`. */
  issuedAt: Date | undefined;
  /** When it was verified (without `issuedAt`, the time its signer's key window was judged at). */
  judgedAt: number;
  /** The recognition lists in force its signer was judged under (a RecognitionState), if any. */
  rules: object | undefined;
}

/** Builds a context; throws a TypeError for options that are programmer errors. */
export function createContext(options: VerifyOptions, backend: CryptoBackend, base?: VerifyContext): VerifyContext {
  const policy = options.policy === undefined ? undefined : parsePolicy(options.policy);
  if (policy) options = withPolicy(options, policy);
  const limits = { ...(base?.limits ?? DEFAULT_LIMITS), ...definedOnly(options.limits ?? {}) };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v <= 0) throw new TypeError(`limits.${k} must be a positive integer`);
  }
  const skew = options.clockSkewSeconds ?? (base ? base.skewMs / 1000 : DEFAULT_CLOCK_SKEW_SECONDS);
  // A skew of days would quietly switch expiry and key windows off: a day is the most.
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    throw new TypeError(`clockSkewSeconds must be a number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  // A string "false" from configuration must not accept high-S signatures.
  if (options.allowHighS != null && typeof options.allowHighS !== 'boolean') throw new TypeError('allowHighS must be a boolean');
  let fixedNow = base?.fixedNow;
  if (options.now !== undefined) {
    // A string is read as strictly as the dates in credentials: with its offset, never in
    // the machine's local time zone.
    fixedNow = typeof options.now === 'string' ? (parseDateTimeStamp(options.now) ?? Number.NaN) : new Date(options.now).getTime();
    if (Number.isNaN(fixedNow)) throw new TypeError(`now is not a valid date-time with an offset: ${String(options.now)}`);
  }
  const formats = options.formats ?? (base ? [...base.formats] : ALL_FORMATS);
  for (const f of formats) {
    if (!ALL_FORMATS.includes(f)) throw new TypeError(`format ${f} is not supported by this verifier`);
  }
  let resolver = base?.resolver;
  if (options.didResolver instanceof DidKeyResolver) resolver = options.didResolver;
  else if (options.didResolver || !resolver) resolver = new DidKeyResolver(options.didResolver ?? {});
  const recognition = recognitionSetup(options, policy, base?.recognition);
  const holderBinding = options.holderBinding;
  // A typo ("subjects", "off") must not switch the binding off or be ignored.
  if (holderBinding !== undefined && holderBinding !== 'subject' && holderBinding !== 'none') {
    throw new TypeError("holderBinding must be 'subject' or 'none'");
  }
  return {
    backend,
    resolver,
    keys: base && resolver === base.resolver ? base.keys : new WeakMap(),
    trustedIssuers: narrowed(base?.trustedIssuers, options.trustedIssuers),
    formats: new Set(formats),
    limits,
    skewMs: skew * 1000,
    allowHighS: options.allowHighS ?? base?.allowHighS ?? false,
    fixedNow,
    // Decoded status lists were judged under the recognition lists in force (their
    // signers' key windows): another policy starts a cache of its own.
    status: statusContext(options.status, base?.status, recognition !== base?.recognition),
    policyStatus: policy ? localStatusRules(policy) : (base?.policyStatus ?? NO_STATUS_RULES),
    recognition,
    holderBinding: holderBinding ?? base?.holderBinding,
    policyHolderBinding: policy ? policy.holderBinding : base?.policyHolderBinding,
    sdJwt: sdJwtSettings(options.sdJwt, base?.sdJwt),
    trustedCertificates:
      options.trustedCertificates === undefined ? (base?.trustedCertificates ?? []) : certificatesOf(options.trustedCertificates),
    dataIntegrity: dataIntegritySettings(options.dataIntegrity, base?.dataIntegrity),
  };
}

/** options.trustedCertificates: each base64 DER or PEM (one certificate per string). */
function certificatesOf(certificates: readonly string[]): Uint8Array[] {
  if (!Array.isArray(certificates)) throw new TypeError('trustedCertificates must be an array of base64 DER or PEM certificates');
  return certificates.map((c, i) => {
    const text = typeof c === 'string' ? c.trim() : '';
    const pem = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----$/.exec(text);
    const der = base64Decode(pem ? (pem[1] as string).replace(/\s+/g, '') : text);
    // A DER certificate is a SEQUENCE (0x30); the backend parses the rest when a chain needs it.
    if (!der || der.length === 0 || der[0] !== 0x30) {
      throw new TypeError(`trustedCertificates[${i}] is not a base64 DER or PEM certificate`);
    }
    return der;
  });
}

const DEFAULT_SD_JWT: Required<SdJwtOptions> = { keyBindingMaxAgeSeconds: 300, acceptVcSdJwt: true };

function sdJwtSettings(options: SdJwtOptions | undefined, base: Required<SdJwtOptions> | undefined): Required<SdJwtOptions> {
  if (!options) return base ?? DEFAULT_SD_JWT;
  const maxAge = options.keyBindingMaxAgeSeconds ?? base?.keyBindingMaxAgeSeconds ?? DEFAULT_SD_JWT.keyBindingMaxAgeSeconds;
  // A key-binding JWT a day old is a replay, not a presentation: a day is the most.
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0 || maxAge > MAX_CLOCK_SKEW_SECONDS) {
    throw new TypeError(`sdJwt.keyBindingMaxAgeSeconds must be a number above 0 and at most ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  const acceptVcSdJwt = options.acceptVcSdJwt ?? base?.acceptVcSdJwt ?? DEFAULT_SD_JWT.acceptVcSdJwt;
  // A string "false" from configuration must not switch it on.
  if (typeof acceptVcSdJwt !== 'boolean') throw new TypeError('sdJwt.acceptVcSdJwt must be a boolean');
  return { keyBindingMaxAgeSeconds: maxAge, acceptVcSdJwt };
}

/**
 * Trusted issuers only ever narrow: a per-call set is intersected with the verifier's,
 * never substituted for it, and (see checkCredential) applied on top of any policy.
 */
function narrowed(current: Set<string> | undefined, extra: Iterable<string> | undefined): Set<string> | undefined {
  if (extra === undefined) return current;
  // A string is iterable too: its characters would become the trusted issuers.
  if (typeof extra === 'string' || typeof (extra as Iterable<string>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('trustedIssuers must be an array or another iterable of DID strings');
  }
  const set = new Set(extra);
  for (const issuer of set) if (typeof issuer !== 'string') throw new TypeError('trustedIssuers must hold DID strings only');
  if (current === undefined) return set;
  for (const issuer of set) if (!current.has(issuer)) set.delete(issuer);
  return set;
}

const NO_STATUS_RULES: PolicyStatusRules = { required: false, maxAgeMs: undefined };

/**
 * The status rules a policy without anchors imposes on the issuers it trusts: they hold
 * whatever the options say (a caller's maximum age can only make them stricter).
 */
function localStatusRules(policy: RecognitionPolicy): PolicyStatusRules {
  if (policy.anchors) return NO_STATUS_RULES;
  const maxAge = policy.status?.maxAgeSeconds;
  if (policy.status?.required !== true && maxAge === undefined) return NO_STATUS_RULES;
  return { required: policy.status?.required === true, maxAgeMs: maxAge === undefined ? undefined : maxAge * 1000 };
}

/** A policy's formats and status rules as plain options; explicit options win. */
function withPolicy(options: VerifyOptions, policy: RecognitionPolicy): VerifyOptions {
  const status = { ...options.status };
  if (policy.status?.onUnavailable && status.onUnavailable === undefined) status.onUnavailable = policy.status.onUnavailable;
  if (policy.status?.maxAgeSeconds !== undefined && status.maxAgeSeconds === undefined) status.maxAgeSeconds = policy.status.maxAgeSeconds;
  const merged: VerifyOptions = { ...options, status };
  if (policy.formats && !options.formats) merged.formats = policy.formats;
  // Without anchors, a policy is the foundation's plain list of trusted issuers; the
  // option of that name narrows it.
  if (!policy.anchors && policy.trustedIssuers) {
    const narrowing = options.trustedIssuers === undefined ? undefined : new Set(options.trustedIssuers);
    merged.trustedIssuers = narrowing ? policy.trustedIssuers.filter((i) => narrowing.has(i)) : policy.trustedIssuers;
  }
  return merged;
}

function recognitionSetup(
  options: VerifyOptions,
  policy: RecognitionPolicy | undefined,
  base: RecognitionSetup | undefined,
): RecognitionSetup | undefined {
  if (!policy?.anchors) {
    if (options.recognitionLists?.length) throw new TypeError('recognitionLists need a policy that names its anchors');
    return policy ? undefined : base;
  }
  return {
    policy,
    sources: options.recognitionLists ?? [],
    seen: options.seenSequences ?? {},
    states: [],
  };
}

function statusContext(options: StatusOptions | undefined, base: StatusContext | undefined, freshCache: boolean): StatusContext {
  const cache = base && !freshCache ? base.cache : new Map();
  if (!options) {
    if (base) return base.cache === cache ? base : { ...base, cache };
    return { provider: undefined, onUnavailable: 'reject', maxAgeMs: undefined, maxListBytes: 2 * 1024 * 1024, cache };
  }
  const { lists } = options;
  const provider = options.provider && (options.allowInsecureUrls === true ? options.provider : guardedProvider(options.provider));
  if (options.onUnavailable !== undefined && options.onUnavailable !== 'reject' && options.onUnavailable !== 'warn') {
    throw new TypeError("status.onUnavailable must be 'reject' or 'warn'");
  }
  const maxAge = options.maxAgeSeconds;
  if (maxAge !== undefined && (!Number.isFinite(maxAge) || maxAge < 0))
    throw new TypeError('status.maxAgeSeconds must be a non-negative number');
  const map = lists instanceof Map ? lists : lists ? new Map(Object.entries(lists)) : undefined;
  let combined: StatusListProvider | undefined = provider ?? base?.provider;
  if (map) {
    const fallback = combined;
    combined = { get: (url) => map.get(url) ?? fallback?.get(url) };
  }
  return {
    provider: combined,
    onUnavailable: options.onUnavailable ?? base?.onUnavailable ?? 'reject',
    maxAgeMs: maxAge === undefined ? base?.maxAgeMs : maxAge * 1000,
    maxListBytes: options.maxListBytes ?? base?.maxListBytes ?? 2 * 1024 * 1024,
    cache,
  };
}

/**
 * A caller's provider (often a fetcher) sees only public https URLs without dot
 * segments: the rule did:web follows (core's checkFetchUrl). A credential names its status list URL, so without it an
 * attacker could make a verifier fetch from its own intranet. Lists given in memory
 * (`lists`) are looked up by exact URL and need no filter.
 */
function guardedProvider(provider: StatusListProvider): StatusListProvider {
  return {
    get(url) {
      checkFetchUrl(url, { code: 'STATUS_UNAVAILABLE' });
      return provider.get(url);
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const listContexts = new WeakMap<VerifyContext, WeakMap<DidKeyResolver, VerifyContext>>();

/**
 * The context for the lists a verification relies on (recognition and status lists),
 * which may be large and are judged by their own rules. Memoised: it sits on the hot path.
 */
export function listContext(ctx: VerifyContext, resolver = ctx.resolver): VerifyContext {
  let byResolver = listContexts.get(ctx);
  if (!byResolver) {
    byResolver = new WeakMap();
    listContexts.set(ctx, byResolver);
  }
  let list = byResolver.get(resolver);
  if (!list) {
    list = {
      ...ctx,
      resolver,
      trustedIssuers: undefined,
      recognition: undefined,
      policyStatus: NO_STATUS_RULES,
      formats: new Set(['vc+jwt', 'jwt_vc', 'di']),
      limits: { ...ctx.limits, maxInputLength: Math.max(ctx.limits.maxInputLength, ctx.limits.maxListLength) },
    };
    byResolver.set(resolver, list);
  }
  return list;
}

export function nowOf(ctx: VerifyContext): number {
  return ctx.fixedNow ?? Date.now();
}

export function fail(code: TradewindError['code'], message: string, path?: string): never {
  throw new TradewindError(code, message, path === undefined ? undefined : { path });
}
