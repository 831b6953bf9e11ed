// Data Integrity (`di`) credentials and presentations: the same checks as the JOSE path
// (data model, validity, trusted issuers, recognition, status, holder binding), with the
// proof verified by verifyDiProof. Loaded on demand (a dynamic import), so that a
// JWT-only verifier never loads JSON-LD processing.
import {
  asArray,
  issuerId,
  type JsonObject,
  jwkThumbprint,
  toRecognizedJwk,
  typesOf,
  type VerifiableCredential,
  type VerifiablePresentation,
  type VerificationIssue,
  validateCredential,
  validatePresentation,
} from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from '../context.js';
import { subjectIdOf } from '../formats/vcdm.js';
import { failAll, toIssues } from '../input.js';
import type { RecognitionState } from '../recognition/load-lists.js';
import { admitIssuer, admitStatusListSigner, needsThumbprint, type RecognitionOutcome, recognize } from '../recognition/recognize.js';
import { requireStatusEntries } from '../status.js';
import type {
  DataIntegrityProofSummary,
  VerificationCheck,
  VerificationFailure,
  VerifiedDiCredential,
  VerifiedDiPresentation,
} from '../types.js';
import { checkWindow, parseDateTime, strictest } from '../validity.js';
import { type CheckOptions, checkIssuerStatus, minDefined, prefixed, recognitionState } from '../verify-credential.js';
import { type Binding, checkEmbeddedCredentials, refuseEmbeddedSdJwt } from '../verify-presentation.js';
import { methodKey } from './keys.js';
import { createDocumentLoader, type DocumentLoader, type PinnedContext } from './loader.js';
import { methodResolver } from './methods.js';
import { type DiMethod, type DiProofResult, MAX_PROOFS, verifyDiProof } from './proof.js';
import { QUIRK_UNSAFE, suiteOf } from './suites.js';

/**
 * Verifies a Data Integrity credential in a prepared context. Never throws: every
 * problem becomes an issue with a code. Status lists it names may themselves be
 * Data Integrity credentials (or JWTs): each is verified as its issuer's.
 */
export async function checkDiCredential(
  ctx: VerifyContext,
  doc: JsonObject,
  options: CheckOptions = {},
): Promise<VerifiedDiCredential | VerificationFailure> {
  const { path = '' } = options;
  const checks: VerificationCheck[] = ['dataModel'];
  try {
    if (!ctx.formats.has('di')) fail('UNSUPPORTED_FORMAT', 'format di is not accepted here', '/proof');
    knownSuites(doc);
    boundJsonLdWork(doc);
    if (typesOf(doc.type).includes('VerifiablePresentation')) {
      fail('UNSUPPORTED_FORMAT', 'input is a presentation; use verifyPresentation', '/type');
    }
    const issues = validateCredential(doc, {});
    if (issues.length > 0) failAll(issues);
    const issuer = issuerId(doc.issuer);
    if (!issuer) return fail('MALFORMED', 'issuer is missing or has no id', '/issuer');
    const window = credentialWindow(doc);

    if (ctx.trustedIssuers) checks.push('trustedIssuers');
    if (ctx.trustedIssuers && !ctx.trustedIssuers.has(issuer)) fail('UNTRUSTED_ISSUER', `issuer ${issuer} is not trusted`, '/issuer');
    const recognition = ctx.recognition && options.recognition !== false ? await recognitionState(ctx) : undefined;
    if (recognition) {
      checks.push('recognition');
      admitIssuer(recognition, issuer, '/issuer');
    }
    const rules = recognition ?? options.statusListSigner;

    // The mode is the issuer's, chosen from the issuer the credential names before its
    // proof is read; the proof's method must then be that issuer's (methodResolver).
    checks.push('proof');
    const compatibility = compatibilityOf(ctx, rules, issuer);
    const resolved = new Map<string, DiMethod>();
    const resolve = methodResolver({
      documents: ctx.dataIntegrity.documents,
      resolver: rules?.resolver ?? ctx.resolver,
      controller: issuer,
      compatibility,
    });
    const loader = loaderFor(ctx, rules, issuer);
    const proof = await verifyDiProof(doc, {
      loader,
      resolveMethod: async (vm, relationship) => {
        const method = await resolve(vm, relationship);
        resolved.set(method.id, method);
        return method;
      },
      expectedPurpose: 'assertionMethod',
      now: new Date(nowOf(ctx)),
      clockSkewSeconds: ctx.skewMs / 1000,
      ...(compatibility ? { compatibility } : {}),
      allowHighS: ctx.allowHighS || !ctx.dataIntegrity.requireLowS,
      crypto: ctx.backend,
    });
    const keyId = proof.verificationMethod;
    if (proof.controller !== issuer) {
      fail('KEY_NOT_FOUND', `the proof is by ${proof.controller}, not by the issuer ${issuer}`, '/proof/verificationMethod');
    }
    const now = nowOf(ctx);
    if (options.window !== false) {
      checks.push('validity');
      checkWindow(ctx, window.validFrom, window.validUntil, 'credential', window.paths);
    }
    // Key windows judge the issuance time: the latest the credential claims (validFrom,
    // issuanceDate, the proof's created), as for JWTs; without any, now.
    const claimed = latestTime(window.validFrom?.getTime(), proof.created?.getTime());
    const issuedAt = claimed ?? now;
    const thumbprint = rules && needsThumbprint(rules, issuer) ? await methodThumbprint(resolved.get(keyId)) : undefined;
    if (options.statusListSigner) admitStatusListSigner(options.statusListSigner, issuer, keyId, thumbprint, issuedAt, ctx.skewMs);
    let outcome: RecognitionOutcome | undefined;
    if (recognition) {
      const types = typesOf(doc.type).filter((t) => t !== 'VerifiableCredential');
      outcome = recognize(recognition, types, issuer, 'di', keyId, thumbprint, issuedAt, now, ctx.skewMs, '/type');
    }
    const statusRequired = outcome ? outcome.statusRequired : ctx.policyStatus.required;
    const statusMaxAgeMs = minDefined(ctx.status.maxAgeMs, outcome ? outcome.statusMaxAgeMs : ctx.policyStatus.maxAgeMs);
    if (options.status !== false && (statusRequired || doc.credentialStatus !== undefined)) checks.push('status');
    if (statusRequired && options.status !== false) requireStatusEntries(doc.credentialStatus, '/credentialStatus');

    // Under MOSIP compatibility the signature may cover a document with undefined terms
    // dropped: those members are not signed, so the result leaves them out, by name.
    let credential = doc;
    let proofWarnings = proof.warnings;
    if (proof.warnings.some((w) => w.message.includes(QUIRK_UNSAFE))) {
      const names = await droppedTerms(doc, loader);
      credential = withoutMembers(doc, names);
      const list = [...names].map((n) => JSON.stringify(n)).join(', ');
      proofWarnings = proof.warnings.map((w) =>
        w.message.includes(QUIRK_UNSAFE)
          ? { ...w, message: `${w.message}: ${list}, not covered by the signature and left out of the verified credential` }
          : w,
      );
    }
    const errors: VerificationIssue[] = [];
    const warnings: VerificationIssue[] = [...(outcome?.warnings ?? []), ...proofWarnings.map((w) => prefixed(w, path))];
    if (options.status !== false && doc.credentialStatus !== undefined) {
      // Status lists are the issuer's: DI-signed or JWT, verified as the credential's
      // issuer under the same recognition key rules.
      const status = await checkIssuerStatus(ctx, doc as VerifiableCredential, issuer, recognition, {
        maxAgeMs: statusMaxAgeMs,
        required: statusRequired,
        urls: options.statusUrls ?? new Set(),
      });
      for (const issue of status.errors) errors.push(prefixed(issue, path));
      for (const issue of status.warnings) warnings.push(prefixed(issue, path));
    }
    if (errors.length > 0) return { verified: false, errors, format: 'di', checks };
    const subject = subjectIdOf(doc);
    return {
      verified: true,
      format: 'di',
      credential: credential as VerifiableCredential,
      issuer,
      ...(subject === undefined ? {} : { subject }),
      keyId,
      ...(window.validFrom ? { validFrom: window.validFrom } : {}),
      ...(window.validUntil ? { validUntil: window.validUntil } : {}),
      ...(outcome ? { recognition: outcome.recognition } : {}),
      warnings,
      proof: summary(proof),
      checks,
    };
  } catch (e) {
    return { verified: false, errors: toIssues(e, path), format: 'di', checks };
  }
}

/**
 * Verifies a Data Integrity presentation: the holder's `authentication` proof (its
 * `challenge` the expected nonce, its `domain` the expected audience), every credential
 * in it in full (Data Integrity ones, and JOSE ones in EnvelopedVerifiableCredentials),
 * and under holderBinding `subject` that each one is about the holder. Never throws.
 */
export async function checkDiPresentation(
  ctx: VerifyContext,
  doc: JsonObject,
  binding: Binding,
  parallel: boolean,
): Promise<VerifiedDiPresentation | VerificationFailure> {
  const checks: VerificationCheck[] = ['dataModel'];
  try {
    if (!ctx.formats.has('di')) fail('UNSUPPORTED_FORMAT', 'format di is not accepted here', '/proof');
    knownSuites(doc);
    boundJsonLdWork(doc);
    if (!typesOf(doc.type).includes('VerifiablePresentation')) {
      fail('UNSUPPORTED_FORMAT', 'input is a credential; use verifyCredential', '/type');
    }
    const embedded = asArray(doc.verifiableCredential);
    if (embedded.length === 0 && !binding.allowEmpty) {
      fail(
        'MALFORMED',
        'presentation carries no credentials (pass allowEmpty: true to accept a presentation that only authenticates its holder)',
        '/verifiableCredential',
      );
    }
    if (embedded.length > ctx.limits.maxCredentials) {
      fail(
        'LIMIT_EXCEEDED',
        `presentation carries ${embedded.length} credentials, over the limit of ${ctx.limits.maxCredentials}`,
        '/verifiableCredential',
      );
    }
    refuseEmbeddedSdJwt(embedded, '/verifiableCredential');
    const issues = validatePresentation(doc, {});
    if (issues.length > 0) failAll(issues);
    const named = doc.holder === undefined ? undefined : issuerId(doc.holder);
    if (doc.holder !== undefined && named === undefined) fail('MALFORMED', 'holder has no id', '/holder');

    checks.push('proof');
    if (binding.nonce !== undefined) checks.push('nonce');
    if (binding.audience !== undefined) checks.push('audience');
    const compatibility = named === undefined ? undefined : ctx.dataIntegrity.compatibility.get(named);
    const proof = await verifyDiProof(doc, {
      loader: loaderFor(ctx, undefined, ''),
      resolveMethod: methodResolver({
        documents: ctx.dataIntegrity.documents,
        resolver: ctx.resolver,
        controller: named,
        compatibility,
      }),
      expectedPurpose: 'authentication',
      ...(binding.nonce === undefined ? {} : { challenge: binding.nonce }),
      ...(binding.audience === undefined ? {} : { domain: binding.audience }),
      now: new Date(nowOf(ctx)),
      clockSkewSeconds: ctx.skewMs / 1000,
      ...(compatibility ? { compatibility } : {}),
      allowHighS: ctx.allowHighS || !ctx.dataIntegrity.requireLowS,
      crypto: ctx.backend,
    });
    // Without a holder member, the presentation is its signer's.
    const holder = named ?? proof.controller;
    if (proof.controller !== holder) {
      fail('KEY_NOT_FOUND', `the proof is by ${proof.controller}, not by the holder ${holder}`, '/proof/verificationMethod');
    }

    const errors: VerificationIssue[] = [];
    const credentials = await checkEmbeddedCredentials(ctx, embedded, { parallel, base: '', holder }, checks, errors);
    if (errors.length > 0) return { verified: false, errors, format: 'di', checks };
    const audience = proof.domain === undefined ? undefined : asArray(proof.domain).map(String);
    return {
      verified: true,
      format: 'di',
      presentation: doc as VerifiablePresentation,
      holder,
      keyId: proof.verificationMethod,
      ...(proof.challenge === undefined ? {} : { nonce: proof.challenge }),
      ...(audience === undefined ? {} : { audience }),
      credentials,
      warnings: [...proof.warnings, ...credentials.flatMap((c) => c.warnings)],
      proof: summary(proof),
      checks,
    };
  } catch (e) {
    return { verified: false, errors: toIssues(e), format: 'di', checks };
  }
}

/**
 * A proof of a type (or cryptosuite) this verifier does not know is UNSUPPORTED_FORMAT,
 * said before anything else: the document may be fine, just secured another way.
 */
/** Longest array of a Data Integrity document, in values. */
export const MAX_DI_ARRAY = 1_000;
/** Most values (members and array items, at any depth) in a Data Integrity document. */
export const MAX_DI_VALUES = 20_000;

/**
 * Bounds the JSON-LD work before any starts: jsonld 9 turns a long array into statements
 * in time quadratic in its length (8,000 values took 16 s), and its time limit can only be
 * checked between its steps. Honest credentials hold tens of values; a presentation of
 * the largest number of credentials a few thousand. LIMIT_EXCEEDED.
 */
function boundJsonLdWork(doc: JsonObject): void {
  let values = 0;
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (value.length > MAX_DI_ARRAY) {
        fail('LIMIT_EXCEEDED', `an array of ${value.length} values, over the limit of ${MAX_DI_ARRAY} for Data Integrity documents`, path);
      }
      values += value.length;
      for (let i = 0; i < value.length; i++) walk(value[i], `${path}/${i}`);
    } else {
      const entries = Object.entries(value);
      values += entries.length;
      for (const [k, v] of entries) walk(v, `${path}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
    if (values > MAX_DI_VALUES) {
      fail('LIMIT_EXCEEDED', `over ${MAX_DI_VALUES} values in one Data Integrity document`, path || '/');
    }
  };
  walk(doc, '');
}

function knownSuites(doc: JsonObject): void {
  const proofs = Array.isArray(doc.proof) ? doc.proof : [doc.proof];
  proofs.slice(0, MAX_PROOFS).forEach((p, i) => {
    suiteOf(p as JsonObject, Array.isArray(doc.proof) ? `/proof/${i}` : '/proof');
  });
}

/** What a result says of the proof that verified. */
function summary(proof: DiProofResult): DataIntegrityProofSummary {
  return {
    type: proof.type,
    ...(proof.cryptosuite === undefined ? {} : { cryptosuite: proof.cryptosuite }),
    ...(proof.created === undefined ? {} : { created: proof.created }),
    proofPurpose: proof.proofPurpose,
    verificationMethod: proof.verificationMethod,
  };
}

/**
 * The credential's validity window: validFrom/validUntil (VCDM 2.0) and
 * issuanceDate/expirationDate (1.1), the strictest of each kind with the member that sets it.
 */
function credentialWindow(doc: JsonObject): { validFrom: Date | undefined; validUntil: Date | undefined; paths: [string, string] } {
  const start = strictest(
    'start',
    [
      [parseDateTime(doc.validFrom, '/validFrom'), '/validFrom'],
      [parseDateTime(doc.issuanceDate, '/issuanceDate'), '/issuanceDate'],
    ],
    '/validFrom',
  );
  const end = strictest(
    'end',
    [
      [parseDateTime(doc.validUntil, '/validUntil'), '/validUntil'],
      [parseDateTime(doc.expirationDate, '/expirationDate'), '/expirationDate'],
    ],
    '/validUntil',
  );
  return { validFrom: start.date, validUntil: end.date, paths: [start.path, end.path] };
}

function latestTime(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * The issuer's compatibility mode: the caller's map (options.dataIntegrity.compatibility),
 * else a recognition list entry of that issuer that says `compatibility: 'mosip'`.
 */
function compatibilityOf(ctx: VerifyContext, rules: RecognitionState | undefined, issuer: string): 'mosip' | undefined {
  const given = ctx.dataIntegrity.compatibility.get(issuer);
  if (given) return given;
  return rules?.byIssuer.get(issuer)?.some((p) => p.entry.compatibility === 'mosip') ? 'mosip' : undefined;
}

// Loaders per context material and recognition state: building one per call would lose
// the caches of processed contexts that make repeated verification fast.
const loaders = new WeakMap<object, WeakMap<object, Map<string, DocumentLoader>>>();
const NO_RULES = {};

/**
 * The document loader for a credential of `issuer`: the bundled contexts, the caller's
 * (options.dataIntegrity.contexts), and the contexts the recognition lists pin for
 * that issuer.
 */
function loaderFor(ctx: VerifyContext, rules: RecognitionState | undefined, issuer: string): DocumentLoader {
  let byRules = loaders.get(ctx.dataIntegrity);
  if (!byRules) {
    byRules = new WeakMap();
    loaders.set(ctx.dataIntegrity, byRules);
  }
  const key = rules ?? NO_RULES;
  let byIssuer = byRules.get(key);
  if (!byIssuer) {
    byIssuer = new Map();
    byRules.set(key, byIssuer);
  }
  const pinned: PinnedContext[] = [];
  for (const period of rules?.byIssuer.get(issuer) ?? []) {
    for (const c of period.entry.contexts ?? [])
      pinned.push({ url: c.url, sha256: c.sha256, ...(c.document ? { document: c.document } : {}) });
  }
  const cacheKey = pinned.length === 0 ? '' : issuer;
  let loader = byIssuer.get(cacheKey);
  if (!loader) {
    loader = createDocumentLoader({
      ...(ctx.dataIntegrity.contexts ? { contexts: ctx.dataIntegrity.contexts } : {}),
      ...(pinned.length > 0 ? { pinned } : {}),
    });
    // Issuers without pinned contexts share one loader; a few hundred with pins are kept.
    if (byIssuer.size < 512) byIssuer.set(cacheKey, loader);
  }
  return loader;
}

/**
 * The RFC 7638 thumbprint of the key a method holds (Ed25519, P-256, P-384, secp256k1,
 * RSA: every kind a recognition list can name), from its canonical JWK, so that a key
 * given as PEM, multibase or hex has the thumbprint of the same key listed as a JWK.
 */
async function methodThumbprint(method: DiMethod | undefined): Promise<string | undefined> {
  if (!method) return undefined;
  try {
    return await jwkThumbprint(toRecognizedJwk((await methodKey(method.method)).jwk));
  } catch {
    return undefined;
  }
}

/**
 * The member names JSON-LD expansion drops from `doc` (its proof aside) because no
 * context defines them. Anything else expansion would drop (a relative IRI, a
 * free-floating value) is not a MOSIP quirk: MALFORMED.
 */
async function droppedTerms(doc: JsonObject, loader: DocumentLoader): Promise<Set<string>> {
  const { default: jsonld } = await import('jsonld');
  const { proof: _proof, ...unsigned } = doc;
  const names = new Set<string>();
  const other: string[] = [];
  await jsonld.expand(
    unsigned as never,
    {
      documentLoader: loader as never,
      safe: false,
      eventHandler: ({ event, next }: { event: { code?: string; details?: { property?: unknown } }; next: () => void }) => {
        if (event.code === 'invalid property' && typeof event.details?.property === 'string') names.add(event.details.property);
        else other.push(String(event.code));
        next();
      },
    } as never,
  );
  if (other.length > 0) {
    fail(
      'MALFORMED',
      `JSON-LD expansion drops more than undefined terms (${[...new Set(other)].join(', ')}), which no compatibility mode accepts`,
      '/',
    );
  }
  return names;
}

/** A copy of `value` without members of these names, at any depth (the proof kept as it is). */
function withoutMembers(doc: JsonObject, names: ReadonlySet<string>): JsonObject {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!names.has(k)) out[k] = k === '@context' ? v : strip(v);
    return out;
  };
  const { proof, ...rest } = doc;
  return { ...(strip(rest) as JsonObject), proof } as JsonObject;
}
