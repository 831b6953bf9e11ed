import { parseCompactJws, typesOf, type VerifiableCredential, type VerificationIssue } from '@tradewind/core';
import { fail, listContext, nowOf, type RecognitionSetup, type VerifyContext } from './context.js';
import { detectJwtKind } from './formats/detect.js';
import { type DecodedCredential, decodeJwtVc } from './formats/jwt-vc.js';
import { decodeVcJwt } from './formats/vc-jwt.js';
import { subjectIdOf } from './formats/vcdm.js';
import { checkEnvelopeContent, dataIntegrityDocument, type InputForm, toCompactJws, toIssues } from './input.js';
import { checkIssuedInPast, claimedIssuanceTime } from './issuance-time.js';
import { loadRecognitionLists, type RecognitionState } from './recognition/load-lists.js';
import { admitIssuer, admitStatusListSigner, needsThumbprint, type RecognitionOutcome, recognize } from './recognition/recognize.js';
import { checkAlgorithm, thumbprintOf, verifySigningKey } from './signature.js';
import { checkStatus, requireStatusEntries } from './status.js';
import type { StatusListSource, VerificationCheck, VerificationFailure, VerifiedCredential, VerifiedDiCredential } from './types.js';

/** What the JOSE credential path returns (SD-JWT VCs have their own result shape). */
export type JwtCredentialResult = VerifiedCredential | VerificationFailure;
/** What {@link checkCredential} returns: a JOSE or a Data Integrity credential, or why not. */
export type CredentialCheckResult = VerifiedCredential | VerifiedDiCredential | VerificationFailure;

import { checkWindow } from './validity.js';

export interface CheckOptions {
  /** Send the signature check off the main thread (batch use). */
  parallel?: boolean;
  /** Where this credential sits in a larger input, prefixed to error paths. */
  path?: string;
  /** The envelope it came in was checked already, with the presentation holding it. */
  envelopeChecked?: boolean;
  /** Check credentialStatus (off for status lists themselves). Default true. */
  status?: boolean;
  /** Check the validity window (off for recognition lists, whose freshness is judged at use). Default true. */
  window?: boolean;
  /** Apply the recognition policy (off for the lists and status lists it relies on). Default true. */
  recognition?: boolean;
  /**
   * Status list URLs asked of the provider in this whole call, shared by the credentials
   * of one presentation, so that a presentation cannot make the provider fetch from
   * more than {@link MAX_STATUS_LISTS_PER_CALL} places.
   */
  statusUrls?: Set<string>;
  /**
   * For a status list: the recognition lists whose key rules its signer must meet (a
   * revoked key, or one outside its window, cannot publish status).
   */
  statusListSigner?: RecognitionState;
}

/**
 * Verifies one credential in a prepared context. Never throws: every problem becomes
 * an issue with a code.
 */
export async function checkCredential(ctx: VerifyContext, input: unknown, options: CheckOptions = {}): Promise<CredentialCheckResult> {
  // A Data Integrity credential: its code (JSON-LD processing) loads on first use.
  const dataIntegrity = dataIntegrityDocument(input, ctx);
  if (dataIntegrity) return (await import('./di/verify.js')).checkDiCredential(ctx, dataIntegrity, options);
  return checkJwtCredential(ctx, input, options);
}

async function checkJwtCredential(ctx: VerifyContext, input: unknown, options: CheckOptions): Promise<JwtCredentialResult> {
  const { parallel = false, path = '' } = options;
  let format: 'jwt_vc' | 'vc+jwt' | undefined;
  // The checks that ran, each named before it runs so that a failed one is listed.
  const checks: VerificationCheck[] = ['dataModel'];
  try {
    const form: InputForm = { expected: 'credential', envelopeChecked: options.envelopeChecked === true };
    const token = toCompactJws(input, ctx, form);
    const parsed = parseCompactJws(token, { maxLength: ctx.limits.maxInputLength, maxDepth: ctx.limits.maxDepth });
    // Algorithms are allow-listed before anything else is read: a refused one fails the proof check.
    try {
      checkAlgorithm(parsed);
    } catch (e) {
      checks.push('proof');
      throw e;
    }
    const kind = detectJwtKind(parsed);
    checkEnvelopeContent(form, kind);
    if (kind === 'jwt_vp' || kind === 'vp+jwt') fail('UNSUPPORTED_FORMAT', 'input is a presentation; use verifyPresentation', '/payload');
    format = kind;
    if (!ctx.formats.has(kind)) fail('UNSUPPORTED_FORMAT', `format ${kind} is not accepted here`, '/header/typ');
    const decoded: DecodedCredential = kind === 'jwt_vc' ? decodeJwtVc(parsed) : decodeVcJwt(parsed);
    const issuerPath = kind === 'jwt_vc' ? '/payload/iss' : '/payload/issuer';

    // A per-call or verifier-wide trustedIssuers is a filter: it narrows what the
    // recognition policy accepts and never stands in for it.
    if (ctx.trustedIssuers) checks.push('trustedIssuers');
    if (ctx.trustedIssuers && !ctx.trustedIssuers.has(decoded.issuer)) {
      fail('UNTRUSTED_ISSUER', `issuer ${decoded.issuer} is not trusted`, issuerPath);
    }
    const recognition = ctx.recognition && options.recognition !== false ? await recognitionState(ctx) : undefined;
    if (recognition) {
      checks.push('recognition');
      admitIssuer(recognition, decoded.issuer, issuerPath);
    }
    const rules = recognition ?? options.statusListSigner;
    checks.push('proof');
    const key = await verifySigningKey(ctx, parsed, decoded.issuer, 'assertionMethod', parallel, rules?.resolver ?? ctx.resolver);
    const keyId = key.id;
    const base = kind === 'jwt_vc' ? '/payload/vc' : '/payload';
    const now = nowOf(ctx);
    const claimedAt = claimedIssuanceTime(parsed.payload, decoded.validFrom, '/payload');
    if (options.window !== false) {
      checks.push('validity');
      checkWindow(ctx, decoded.validFrom, decoded.validUntil, 'credential', decoded.windowPaths);
      checkIssuedInPast(claimedAt, now, ctx.skewMs, 'credential', '/payload/iat');
    }
    // Key windows judge the issuance time; without any claimed time, now.
    const issuedAt = claimedAt ?? now;
    const thumbprint = rules && needsThumbprint(rules, decoded.issuer) ? await thumbprintOf(key) : undefined;
    if (options.statusListSigner) {
      admitStatusListSigner(options.statusListSigner, decoded.issuer, keyId, thumbprint, issuedAt, ctx.skewMs);
    }
    let outcome: RecognitionOutcome | undefined;
    if (recognition) {
      const types = typesOf(decoded.credential.type).filter((t) => t !== 'VerifiableCredential');
      outcome = recognize(recognition, types, decoded.issuer, kind, keyId, thumbprint, issuedAt, now, ctx.skewMs);
    }
    // The recognition outcome (policy and list entry) or, for a policy without anchors,
    // its own rules; a maximum age is the strictest of those and the caller's option.
    const statusRequired = outcome ? outcome.statusRequired : ctx.policyStatus.required;
    const statusMaxAgeMs = minDefined(ctx.status.maxAgeMs, outcome ? outcome.statusMaxAgeMs : ctx.policyStatus.maxAgeMs);
    if (options.status !== false && (statusRequired || decoded.credential.credentialStatus !== undefined)) checks.push('status');
    if (statusRequired && options.status !== false) {
      requireStatusEntries(decoded.credential.credentialStatus, `${base}/credentialStatus`);
    }

    const errors: VerificationIssue[] = [];
    const warnings: VerificationIssue[] = [...(outcome?.warnings ?? [])];
    if (options.status !== false && decoded.credential.credentialStatus !== undefined) {
      // Status lists are signed by the credential's issuer: the keys a recognition list
      // carries for it (did:web) verify them too, under the same key rules.
      const status = await checkIssuerStatus(ctx, decoded.credential, decoded.issuer, recognition, {
        maxAgeMs: statusMaxAgeMs,
        required: statusRequired,
        urls: options.statusUrls ?? new Set(),
        parallel,
      });
      for (const issue of status.errors) errors.push(prefixed(issue, `${path}${base}`));
      for (const issue of status.warnings) warnings.push(prefixed(issue, `${path}${base}`));
    }
    if (errors.length > 0) return { verified: false, errors, format: kind, checks };
    const subject = subjectIdOf(decoded.credential);
    return {
      verified: true,
      format: kind,
      credential: decoded.credential,
      issuer: decoded.issuer,
      ...(subject === undefined ? {} : { subject }),
      keyId,
      ...(decoded.validFrom ? { validFrom: decoded.validFrom } : {}),
      ...(decoded.validUntil ? { validUntil: decoded.validUntil } : {}),
      ...(outcome ? { recognition: outcome.recognition } : {}),
      warnings,
      header: parsed.header,
      payload: parsed.payload,
      checks,
    };
  } catch (e) {
    const failure: VerificationFailure = { verified: false, errors: toIssues(e, path), checks };
    if (format) failure.format = format;
    return failure;
  }
}

/**
 * The recognition lists in force at this context's evaluation time, verified once (on
 * first use) and then shared. Which lists are in force depends on that time (a list
 * applies from its validFrom): a call whose time falls outside the span the first choice
 * holds for gets the lists chosen again for its own time, never another call's.
 */
export function recognitionState(ctx: VerifyContext): RecognitionState | Promise<RecognitionState> {
  const setup = ctx.recognition;
  if (!setup) throw new Error('no recognition policy in this context');
  const now = nowOf(ctx);
  const first = setup.states[0];
  if (first && now >= first.inForce.from && now < first.inForce.until) return first;
  return stateAt(ctx, setup, now);
}

async function stateAt(ctx: VerifyContext, setup: RecognitionSetup, now: number): Promise<RecognitionState> {
  for (;;) {
    const found = setup.states.find((s) => now >= s.inForce.from && now < s.inForce.until);
    if (found) return found;
    if (setup.pending) {
      await setup.pending.catch(() => undefined);
      continue;
    }
    const loading = loadRecognitionLists(
      setup.policy,
      setup.sources,
      setup.seen,
      ctx.resolver,
      (list) => checkCredential(listContext(ctx), list, { status: false, window: false, recognition: false }),
      now,
      ctx.skewMs,
    );
    setup.pending = loading;
    try {
      const state = await loading;
      // A few choices are kept (an audit replaying other times); the first one stays.
      if (setup.states.length >= 8) setup.states.splice(1, 1);
      setup.states.push(state);
      return state;
    } finally {
      setup.pending = undefined;
    }
  }
}

export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

export function prefixed(issue: VerificationIssue, prefix: string): VerificationIssue {
  return { ...issue, path: prefix + (issue.path ?? '') };
}

/**
 * Checks a verified credential's status entries against its issuer's status lists. The
 * lists are signed by the credential's issuer: the keys a recognition list carries for it
 * (did:web) verify them too, under the same key rules; each list is verified as the
 * issuer's credential of any format (JWT, or Data Integrity).
 */
export function checkIssuerStatus(
  ctx: VerifyContext,
  credential: VerifiableCredential,
  issuer: string,
  recognition: RecognitionState | undefined,
  how: { maxAgeMs: number | undefined; required: boolean; urls: Set<string>; parallel?: boolean },
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const statusListContext = listContext(ctx, recognition?.resolver);
  return checkStatus(
    ctx,
    credential,
    issuer,
    (list: StatusListSource) =>
      checkCredential(statusListContext, list, {
        ...(how.parallel === undefined ? {} : { parallel: how.parallel }),
        status: false,
        recognition: false,
        ...(recognition ? { statusListSigner: recognition } : {}),
      }),
    how.maxAgeMs,
    how.required,
    recognition,
    how.urls,
  );
}
