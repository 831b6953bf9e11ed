import type { VerificationIssue } from '@tradewind/core';
import { createContext, type VerifyContext } from './context.js';
import type { CryptoBackend } from './crypto/backend.js';
import { checkSdJwtCredential, checkSdJwtPresentation, sdJwtText } from './sd-jwt/verify.js';
import type { CredentialVerificationResult, PresentationVerificationResult, VerifyOptions, VerifyPresentationOptions } from './types.js';
import { checkCredential, recognitionState } from './verify-credential.js';
import { checkPresentation } from './verify-presentation.js';

/** Options of a batch verification. */
export interface BatchOptions {
  /** Signature checks in flight at once. Default 256. */
  concurrency?: number;
}

/**
 * A verifier configured once (trusted issuers, resolver, limits) whose DID and key
 * caches are shared by all its calls. Build one per policy and reuse it.
 */
export interface Verifier {
  /** Verifies one credential. Per-call options (for example `now`) override the verifier's. */
  verifyCredential(input: unknown, options?: VerifyOptions): Promise<CredentialVerificationResult>;
  /** Verifies one presentation and every credential in it. */
  verifyPresentation(input: unknown, options?: VerifyPresentationOptions): Promise<PresentationVerificationResult>;
  /**
   * Verifies many credentials concurrently, signature checks running off the main
   * thread; results come back in input order.
   */
  verifyCredentials(inputs: readonly unknown[], options?: VerifyOptions & BatchOptions): Promise<CredentialVerificationResult[]>;
  /**
   * The recognition lists in force (verified on first call): each list's anchor,
   * sequence and next update, why any list was refused, and the highest sequence per
   * anchor to persist as `seenSequences`. Undefined without a recognition policy.
   */
  recognitionStatus(): Promise<RecognitionReport | undefined>;
}

/** What a verifier knows of its recognition lists. */
export interface RecognitionReport {
  lists: Array<{ anchor: string; sequence: number; nextUpdate: Date; name?: string; issuers: number }>;
  /** Refused lists, with TRUST_LIST_INVALID and the reason. */
  problems: VerificationIssue[];
  sequences: Record<string, number>;
}

export function makeVerifier(options: VerifyOptions, backend: CryptoBackend): Verifier {
  const base = createContext(options, backend);
  const presentationDefaults = options as VerifyPresentationOptions;
  const contextFor = (o?: VerifyOptions): VerifyContext => (o === undefined || isEmpty(o) ? base : createContext(o, backend, base));
  return {
    verifyCredential: async (input, o) => {
      const ctx = contextFor(o);
      const sdJwt = sdJwtText(input, ctx.limits.maxInputLength);
      return sdJwt === undefined ? checkCredential(ctx, input) : checkSdJwtCredential(ctx, sdJwt);
    },
    verifyPresentation: async (input, o) => {
      const allowEmpty = o?.allowEmpty ?? presentationDefaults.allowEmpty ?? false;
      // A string "false" from configuration must not accept empty presentations.
      if (typeof allowEmpty !== 'boolean') throw new TypeError('allowEmpty must be a boolean');
      const binding = { nonce: o?.nonce ?? presentationDefaults.nonce, audience: o?.audience ?? presentationDefaults.audience };
      // An SD-JWT VC is presented on its own, bound to the holder by its key-binding JWT.
      const ctx = contextFor(o);
      const sdJwt = sdJwtText(input, ctx.limits.maxInputLength);
      if (sdJwt !== undefined) return checkSdJwtPresentation(ctx, sdJwt, binding, false);
      return checkPresentation(ctx, input, { ...binding, allowEmpty }, false);
    },
    async recognitionStatus() {
      if (!base.recognition) return undefined;
      const state = await recognitionState(base);
      return {
        lists: state.lists.map((l) => ({
          anchor: l.anchor,
          sequence: l.sequence,
          nextUpdate: l.nextUpdate,
          ...(l.name ? { name: l.name } : {}),
          issuers: l.entries.length,
        })),
        problems: state.problems,
        sequences: state.sequences,
      };
    },
    async verifyCredentials(inputs, o) {
      if (!Array.isArray(inputs)) throw new TypeError('verifyCredentials takes an array of inputs');
      const { concurrency = 256, ...rest } = o ?? {};
      const ctx = contextFor(rest);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be a positive integer');
      const results = new Array<CredentialVerificationResult>(inputs.length);
      let next = 0;
      // Parsing and rejecting run on this thread as promise continuations, which never
      // let timers or I/O in: 1,000 inputs of 256 KiB kept the event loop for most of a
      // second. After each slice of work, every worker waits for one shared macrotask.
      let sliceStart = Date.now();
      let pause: Promise<void> | undefined;
      const worker = async () => {
        while (next < inputs.length) {
          if (Date.now() - sliceStart >= BATCH_SLICE_MS) {
            pause ??= nextMacrotask().then(() => {
              pause = undefined;
              sliceStart = Date.now();
            });
            await pause;
            continue;
          }
          const i = next++;
          const sdJwt = sdJwtText(inputs[i], ctx.limits.maxInputLength);
          results[i] =
            sdJwt === undefined
              ? await checkCredential(ctx, inputs[i], { parallel: true })
              : await checkSdJwtCredential(ctx, sdJwt, { parallel: true });
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
      return results;
    },
  };
}

/** Longest run of batch work between two turns of the event loop, in milliseconds. */
const BATCH_SLICE_MS = 10;

const nextMacrotask = (): Promise<void> =>
  new Promise((resolve) => {
    const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });

/** Per-call members of a presentation's options that bind the exchange and shape no context. */
const BINDING_OPTIONS = new Set(['nonce', 'audience', 'allowEmpty']);

/** Whether options change nothing a context holds (so the verifier's own context serves). */
function isEmpty(o: object): boolean {
  for (const k in o) if ((o as Record<string, unknown>)[k] !== undefined && !BINDING_OPTIONS.has(k)) return false;
  return true;
}
