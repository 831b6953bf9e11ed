// verifyDiProof: one Data Integrity / Linked Data proof (or a proof set) over a JSON-LD
// document. The proof's shape, purpose, challenge and domain, created and expires, the
// verification method (resolved by the caller), the key against the suite, the signature.
import { type JsonObject, parseDateTimeStamp, TradewindError, type VerificationIssue } from '@tradewind/core';
import type { CryptoBackend } from '../crypto/backend.js';
import type { CanonizeOptions } from './canonize.js';
import { methodKey } from './keys.js';
import type { DocumentLoader } from './loader.js';
import { type DiAlgorithm, verifySuiteSignature } from './suites.js';

export type { DiAlgorithm } from './suites.js';

/** A verification method as the caller's resolution found it. */
export interface DiMethod {
  id: string;
  controller: string;
  type: string;
  /** The verification method object as found (keys.ts turns it into a key). */
  method: JsonObject;
  /** Relaxations the resolution used (e.g. 'the DID itself is in assertionMethod'); they become COMPATIBILITY warnings. */
  relaxations?: string[];
}

export interface DiVerifyProofOptions {
  loader: DocumentLoader;
  resolveMethod(verificationMethod: string, relationship: 'assertionMethod' | 'authentication'): Promise<DiMethod>;
  expectedPurpose: 'assertionMethod' | 'authentication';
  /** Presentations: when given, proof.challenge must equal it (NONCE_MISMATCH). */
  challenge?: string;
  /** Presentations: when given, proof.domain must equal or include it (AUDIENCE_MISMATCH). */
  domain?: string;
  now: Date;
  clockSkewSeconds: number;
  /** 'mosip' allows exactly MOSIP's named quirks; undefined = spec-strict. */
  compatibility?: 'mosip';
  allowHighS: boolean;
  canonize?: CanonizeOptions['limits'];
  /** The platform crypto for Ed25519, P-256, P-384 and RSA (default: WebCrypto). */
  crypto?: CryptoBackend;
}

export interface DiProofResult {
  type: string;
  cryptosuite?: string;
  algorithm: DiAlgorithm;
  verificationMethod: string;
  controller: string;
  proofPurpose: string;
  created?: Date;
  expires?: Date;
  challenge?: string;
  domain?: string | string[];
  /** COMPATIBILITY warnings, one per relaxation used. */
  warnings: VerificationIssue[];
}

/** Most proofs in one proof set. */
export const MAX_PROOFS = 4;
/** How far in the future MOSIP's time-zone-shifted `created` may be (the largest UTC offset). */
export const MOSIP_CREATED_SHIFT_MS = 14 * 3600_000;
const PURPOSES = ['assertionMethod', 'authentication'] as const;

/**
 * Verifies the proof, or every proof of a proof set (at most {@link MAX_PROOFS}; at least one
 * with the expected purpose), of a secured document. Throws TradewindError; returns the
 * proof with the expected purpose (the first, in a set).
 */
export async function verifyDiProof(document: JsonObject, options: DiVerifyProofOptions): Promise<DiProofResult> {
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new TradewindError('MALFORMED', 'not a JSON object');
  refuseProtoKeys(document);
  const { proof, ...unsecured } = document;
  if (proof === undefined) throw new TradewindError('MALFORMED', 'the document has no proof', { path: '/proof' });
  const proofs = Array.isArray(proof) ? proof : [proof];
  if (proofs.length === 0) throw new TradewindError('MALFORMED', 'the proof set is empty', { path: '/proof' });
  if (proofs.length > MAX_PROOFS) throw new TradewindError('LIMIT_EXCEEDED', `more than ${MAX_PROOFS} proofs`, { path: '/proof' });
  const pathOf = (i: number) => (Array.isArray(proof) ? `/proof/${i}` : '/proof');
  for (const [i, p] of proofs.entries()) {
    if (!p || typeof p !== 'object' || Array.isArray(p))
      throw new TradewindError('MALFORMED', 'a proof must be a JSON object', { path: pathOf(i) });
    if ((p as JsonObject).previousProof !== undefined) {
      throw new TradewindError('UNSUPPORTED_FORMAT', 'proof chains (previousProof) are not supported', {
        path: `${pathOf(i)}/previousProof`,
      });
    }
  }
  // Cheap checks of every proof before any canonicalisation.
  const shapes = proofs.map((p, i) => proofShape(p as JsonObject, pathOf(i), options));
  const chosen = shapes.findIndex((s) => s.proofPurpose === options.expectedPurpose);
  if (chosen < 0) {
    throw new TradewindError('SIGNATURE_INVALID', `no proof has the proof purpose ${options.expectedPurpose}`, {
      path: Array.isArray(proof) ? '/proof' : '/proof/proofPurpose',
    });
  }
  const results: DiProofResult[] = [];
  for (const [i, shape] of shapes.entries()) results.push(await verifyOne(unsecured, proofs[i] as JsonObject, shape, pathOf(i), options));
  const result = results[chosen] as DiProofResult;
  return { ...result, warnings: results.flatMap((r) => r.warnings) };
}

/**
 * A member named `__proto__` (JSON.parse keeps it as an own property) is invisible to
 * `jsonld`, even in safe mode: it would be carried along unsigned. MALFORMED wherever it is.
 */
function refuseProtoKeys(document: JsonObject): void {
  const stack: Array<[unknown, string, number]> = [[document, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop() as [unknown, string, number];
    if (!value || typeof value !== 'object') continue;
    if (depth > 256) throw new TradewindError('LIMIT_EXCEEDED', 'the document nests too deeply', { path });
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) stack.push([v, `${path}/${i}`, depth + 1]);
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key === '__proto__') throw new TradewindError('MALFORMED', 'a member named __proto__ is not allowed', { path: at });
      stack.push([(value as JsonObject)[key], at, depth + 1]);
    }
  }
}

interface ProofShape {
  type: string;
  proofPurpose: (typeof PURPOSES)[number];
  verificationMethod: string;
  created?: Date;
  expires?: Date;
  challenge?: string;
  domain?: string | string[];
  warnings: VerificationIssue[];
}

function proofShape(proof: JsonObject, path: string, options: DiVerifyProofOptions): ProofShape {
  const malformed = (message: string, member: string) => new TradewindError('MALFORMED', message, { path: `${path}/${member}` });
  if (typeof proof.type !== 'string') throw malformed('proof type must be a string', 'type');
  const purpose = proof.proofPurpose;
  if (typeof purpose !== 'string') throw malformed('proofPurpose must be a string', 'proofPurpose');
  if (!(PURPOSES as readonly string[]).includes(purpose)) {
    throw new TradewindError('UNSUPPORTED_FORMAT', `proof purpose ${JSON.stringify(purpose)} is not supported`, {
      path: `${path}/proofPurpose`,
    });
  }
  if (typeof proof.verificationMethod !== 'string' || proof.verificationMethod.length === 0 || proof.verificationMethod.length > 2048) {
    throw malformed('verificationMethod must be a URL string', 'verificationMethod');
  }
  const shape: ProofShape = {
    type: proof.type,
    proofPurpose: purpose as ProofShape['proofPurpose'],
    verificationMethod: proof.verificationMethod,
    warnings: [],
  };
  const skewMs = options.clockSkewSeconds * 1000;
  const now = options.now.getTime();
  if (proof.created !== undefined) {
    const created = typeof proof.created === 'string' ? parseDateTimeStamp(proof.created) : undefined;
    if (created === undefined) throw malformed('created must be a dateTimeStamp (with a time zone)', 'created');
    shape.created = new Date(created);
    const ahead = created - (now + skewMs);
    if (ahead > 0) {
      const by = `${Math.round(ahead / 60_000)} minutes`;
      if (options.compatibility === 'mosip' && ahead <= MOSIP_CREATED_SHIFT_MS) {
        shape.warnings.push({
          code: 'COMPATIBILITY',
          message: `MOSIP compatibility: proof created ${by} in the future (a time-zone shift of created) accepted`,
          path: `${path}/created`,
        });
      } else {
        throw new TradewindError(
          'NOT_YET_VALID',
          ahead <= MOSIP_CREATED_SHIFT_MS && options.compatibility !== 'mosip'
            ? `the proof was created ${by} in the future; a time-zone shift of created verifies only with MOSIP compatibility, which is not enabled for this issuer`
            : `the proof was created ${by} in the future`,
          { path: `${path}/created` },
        );
      }
    }
  }
  if (proof.expires !== undefined) {
    const expires = typeof proof.expires === 'string' ? parseDateTimeStamp(proof.expires) : undefined;
    if (expires === undefined) throw malformed('expires must be a dateTimeStamp (with a time zone)', 'expires');
    shape.expires = new Date(expires);
    if (expires + skewMs < now) throw new TradewindError('EXPIRED', 'the proof has expired', { path: `${path}/expires` });
  }
  if (proof.challenge !== undefined) {
    if (typeof proof.challenge !== 'string') throw malformed('challenge must be a string', 'challenge');
    shape.challenge = proof.challenge;
  }
  if (proof.domain !== undefined) {
    const d = proof.domain;
    if (typeof d !== 'string' && !(Array.isArray(d) && d.length > 0 && d.every((x) => typeof x === 'string'))) {
      throw malformed('domain must be a string or a non-empty array of strings', 'domain');
    }
    shape.domain = d as string | string[];
  }
  if (shape.proofPurpose === options.expectedPurpose) {
    if (options.challenge !== undefined && shape.challenge !== options.challenge) {
      throw new TradewindError(
        'NONCE_MISMATCH',
        shape.challenge === undefined ? 'the proof has no challenge' : 'the proof challenge is not the expected one',
        { path: `${path}/challenge` },
      );
    }
    if (options.domain !== undefined) {
      const domains = shape.domain === undefined ? [] : Array.isArray(shape.domain) ? shape.domain : [shape.domain];
      if (!domains.includes(options.domain)) {
        throw new TradewindError(
          'AUDIENCE_MISMATCH',
          shape.domain === undefined ? 'the proof has no domain' : 'the proof domain is not the expected one',
          {
            path: `${path}/domain`,
          },
        );
      }
    }
  }
  return shape;
}

async function verifyOne(
  unsecured: JsonObject,
  proof: JsonObject,
  shape: ProofShape,
  path: string,
  options: DiVerifyProofOptions,
): Promise<DiProofResult> {
  const method = await options.resolveMethod(shape.verificationMethod, shape.proofPurpose);
  const key = await methodKey(method.method, `verification method ${method.id}`);
  const mosip = options.compatibility === 'mosip';
  const outcome = await verifySuiteSignature({
    document: unsecured,
    proof,
    key,
    loader: options.loader,
    ...(options.canonize ? { limits: options.canonize } : {}),
    ...(options.crypto ? { crypto: options.crypto } : {}),
    allowHighS: options.allowHighS,
    mosip,
    path,
  });
  const warnings: VerificationIssue[] = [
    ...(method.relaxations ?? []).map((r) => ({
      code: 'COMPATIBILITY' as const,
      message: `MOSIP compatibility: ${r}`,
      path: `${path}/verificationMethod`,
    })),
    ...shape.warnings,
    ...outcome.quirks.map((q) => ({ code: 'COMPATIBILITY' as const, message: `MOSIP compatibility: ${q}`, path })),
  ];
  return {
    type: shape.type,
    ...(typeof proof.cryptosuite === 'string' ? { cryptosuite: proof.cryptosuite } : {}),
    algorithm: outcome.algorithm,
    verificationMethod: shape.verificationMethod,
    controller: method.controller,
    proofPurpose: shape.proofPurpose,
    ...(shape.created ? { created: shape.created } : {}),
    ...(shape.expires ? { expires: shape.expires } : {}),
    ...(shape.challenge !== undefined ? { challenge: shape.challenge } : {}),
    ...(shape.domain !== undefined ? { domain: shape.domain } : {}),
    warnings,
  };
}
