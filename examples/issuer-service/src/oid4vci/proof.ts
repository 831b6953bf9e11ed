import { createPublicKey, verify } from 'node:crypto';
import { DidKeyResolver, isJsonObject, parseCompactJws, TradewindError } from '@tradewind/core';
import { SIGNING_ALGS } from './metadata.js';

/** Oldest `iat` accepted in a proof, seconds before now; and how far ahead a clock may be. */
export const PROOF_MAX_AGE_SECONDS = 300;
export const PROOF_CLOCK_SKEW_SECONDS = 60;
const PROOF_TYP = 'openid4vci-proof+jwt';

export class ProofError extends Error {
  constructor(
    readonly error: 'invalid_proof' | 'invalid_nonce',
    message: string,
  ) {
    super(message);
  }
}

/** What a proof JWT says before its signature is checked, with the rules OpenID4VCI 1.0 Appendix F.1 sets on it. */
export interface ProofClaims {
  /** The holder DID its `kid` names; undefined for a proof with a `jwk` header. */
  holderDid?: string;
  /** The DID URL of its key; undefined for a proof with a `jwk` header. */
  kid?: string;
  /** Its `jwk` header (a public key), when it names its key so. */
  jwk?: PublicKeyJwk;
  nonce: string;
}

/** A public Ed25519 or P-256 key as a proof's `jwk` header gives it (only the key members kept). */
export interface PublicKeyJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
}

/** Which key references a proof may use: a did:key / did:jwk `kid` always; a `jwk` header where the credential binds a key (dc+sd-jwt). */
export interface ProofRules {
  allowJwk?: boolean;
}

/**
 * Checks the header and claims of a proof JWT (typ, alg on the allow-list, no `crit` or
 * `b64`, `kid` a did:key or did:jwk DID URL and no other key reference, `aud` the
 * credential issuer, `iat` recent, a `nonce`); the signature is checked by {@link verifyProofSignature}.
 */
export function readProof(jwt: string, credentialIssuer: string, now: number, rules: ProofRules = {}): ProofClaims {
  let parsed: ReturnType<typeof parseCompactJws>;
  try {
    parsed = parseCompactJws(jwt, { maxLength: 16 * 1024, maxDepth: 8 });
  } catch (e) {
    throw new ProofError('invalid_proof', `the proof is not a JWT: ${(e as Error).message}`);
  }
  const { header, payload } = parsed;
  if (header.typ !== PROOF_TYP) throw new ProofError('invalid_proof', `the proof's typ must be ${PROOF_TYP}`);
  if (typeof header.alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(header.alg))
    throw new ProofError('invalid_proof', `the proof's alg must be one of ${SIGNING_ALGS.join(', ')}`);
  // RFC 7515 §4.1.11: a JWS whose critical extensions the recipient does not understand is
  // invalid; this service understands none (as the verifier does for credentials).
  if ('crit' in header)
    throw new ProofError('invalid_proof', 'the proof names critical header extensions (crit), which this service does not support');
  // RFC 7797: an unencoded payload would be signed as other bytes than those read here.
  if ('b64' in header) throw new ProofError('invalid_proof', 'the proof has a b64 header: its payload must be base64url-encoded');
  const byJwk = rules.allowJwk === true && 'jwk' in header;
  for (const other of byJwk ? ['x5c', 'trust_chain', 'key_attestation'] : ['jwk', 'x5c', 'trust_chain', 'key_attestation'])
    if (other in header)
      throw new ProofError(
        'invalid_proof',
        rules.allowJwk
          ? `the proof names its key by a jwk header or by kid (a did:key or did:jwk DID URL), not ${other}`
          : `the proof names its key by kid (a did:key or did:jwk DID URL), not ${other}`,
      );
  let jwk: PublicKeyJwk | undefined;
  if (byJwk) {
    // OpenID4VCI 1.0 Appendix F.1: kid must not be present beside jwk.
    if ('kid' in header)
      throw new ProofError('invalid_proof', 'the proof has both a jwk and a kid header: it names its key by one of them');
    jwk = publicJwk(header.jwk, header.alg);
  } else if (typeof header.kid !== 'string' || !/^did:(key|jwk):[^#]+#.+$/.test(header.kid))
    throw new ProofError(
      'invalid_proof',
      rules.allowJwk
        ? 'the proof names its key by a jwk header or by kid, a did:key or did:jwk DID URL with a fragment'
        : 'the proof kid must be a did:key or did:jwk DID URL with a fragment',
    );
  const aud = payload.aud;
  if (!(aud === credentialIssuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === credentialIssuer)))
    throw new ProofError('invalid_proof', `the proof aud must be the credential issuer ${credentialIssuer}`);
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) throw new ProofError('invalid_proof', 'the proof has no iat');
  const seconds = now / 1000;
  if (payload.iat > seconds + PROOF_CLOCK_SKEW_SECONDS) throw new ProofError('invalid_proof', 'the proof iat is in the future');
  if (payload.iat < seconds - PROOF_MAX_AGE_SECONDS)
    throw new ProofError('invalid_proof', `the proof iat is more than ${PROOF_MAX_AGE_SECONDS} seconds old`);
  if (typeof payload.exp === 'number' && payload.exp <= seconds) throw new ProofError('invalid_proof', 'the proof has expired');
  // Pre-authorized code flow with anonymous access: the wallet has no client id, so no iss.
  if (payload.iss !== undefined && typeof payload.iss !== 'string') throw new ProofError('invalid_proof', 'the proof iss is not a string');
  if (typeof payload.nonce !== 'string' || payload.nonce.length === 0)
    throw new ProofError('invalid_nonce', 'the proof has no nonce: get a c_nonce from the nonce endpoint');
  if (jwk) return { jwk, nonce: payload.nonce };
  const kid = header.kid as string;
  return { holderDid: kid.slice(0, kid.indexOf('#')), kid, nonce: payload.nonce };
}

/**
 * A proof's `jwk` header as a public key: an Ed25519 (`OKP`) key for EdDSA or a P-256
 * (`EC`) key for ES256, with no private member (`d`) and well-formed coordinates.
 */
function publicJwk(value: unknown, alg: unknown): PublicKeyJwk {
  if (!isJsonObject(value)) throw new ProofError('invalid_proof', 'the proof jwk header must be a JSON Web Key object');
  const jwk = value as Record<string, unknown>;
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk)
    throw new ProofError('invalid_proof', 'the proof jwk header holds private key material: send the public key only');
  const coordinate = (name: string, bytes: number) => {
    const v = jwk[name];
    if (typeof v !== 'string' || !/^[A-Za-z0-9_-]+$/.test(v) || Buffer.from(v, 'base64url').length !== bytes)
      throw new ProofError('invalid_proof', `the proof jwk ${name} is not a base64url ${bytes}-byte coordinate`);
    return v;
  };
  if (alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: coordinate('x', 32) };
  if (alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256')
    return { kty: 'EC', crv: 'P-256', x: coordinate('x', 32), y: coordinate('y', 32) };
  throw new ProofError('invalid_proof', `the proof alg ${String(alg)} does not match its jwk (${String(jwk.kty)} ${String(jwk.crv)})`);
}

/**
 * The `verifyJwt` callback of the OpenID4VCI issuer: the key is the one `kid` names in
 * the holder's did:key or did:jwk document, resolved offline; its curve must match
 * `alg`; the signature is checked with node:crypto.
 */
export function proofVerifier(): (
  signer: { method: string; didUrl?: string; publicJwk?: unknown; alg: string },
  jwt: { compact: string; header: Record<string, unknown> },
) => Promise<{ verified: true; signerJwk: Record<string, unknown> } | { verified: false }> {
  const resolver = new DidKeyResolver();
  return async (signer, jwt) => {
    let jwk: Record<string, unknown>;
    if (signer.method === 'jwk') {
      // Only proofs readProof let through with a jwk header get here (dc+sd-jwt); the key was checked there.
      jwk = publicJwk(signer.publicJwk, signer.alg) as unknown as Record<string, unknown>;
      return verifyProofSignature(jwt.compact, signer.alg, jwk) ? { verified: true, signerJwk: jwk } : { verified: false };
    }
    if (signer.method !== 'did' || typeof signer.didUrl !== 'string') return { verified: false };
    const did = signer.didUrl.slice(0, signer.didUrl.indexOf('#'));
    if (!did.startsWith('did:key:') && !did.startsWith('did:jwk:')) return { verified: false };
    try {
      jwk = (await resolver.keyFor(did, signer.didUrl, 'authentication')).jwk as unknown as Record<string, unknown>;
    } catch (e) {
      if (e instanceof TradewindError) throw new ProofError('invalid_proof', `the proof key cannot be resolved: ${e.message}`);
      throw e;
    }
    const expectedCurve = signer.alg === 'EdDSA' ? 'Ed25519' : signer.alg === 'ES256' ? 'P-256' : undefined;
    if (expectedCurve === undefined || jwk.crv !== expectedCurve)
      throw new ProofError('invalid_proof', `the proof alg ${signer.alg} does not match the ${String(jwk.crv)} key its kid names`);
    if (!verifyProofSignature(jwt.compact, signer.alg, jwk)) return { verified: false };
    return { verified: true, signerJwk: jwk };
  };
}

/** Checks a compact JWS signature with a public JWK (EdDSA over Ed25519, ES256 over P-256, raw r||s). */
export function verifyProofSignature(compact: string, alg: string, jwk: Record<string, unknown>): boolean {
  const dot = compact.lastIndexOf('.');
  const data = Buffer.from(compact.slice(0, dot), 'ascii');
  const signature = Buffer.from(compact.slice(dot + 1), 'base64url');
  const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y === undefined ? {} : { y: jwk.y }) };
  if (!isJsonObject(pub)) return false;
  try {
    const key = createPublicKey({ key: pub as never, format: 'jwk' });
    if (alg === 'EdDSA') return verify(null, data, key, signature);
    if (alg === 'ES256') return signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
  return false;
}
