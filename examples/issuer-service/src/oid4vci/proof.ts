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
  holderDid: string;
  kid: string;
  nonce: string;
}

/**
 * Checks the header and claims of a proof JWT (typ, alg on the allow-list, no `crit` or
 * `b64`, `kid` a did:key or did:jwk DID URL and no other key reference, `aud` the
 * credential issuer, `iat` recent, a `nonce`); the signature is checked by {@link verifyProofSignature}.
 */
export function readProof(jwt: string, credentialIssuer: string, now: number): ProofClaims {
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
  for (const other of ['jwk', 'x5c', 'trust_chain', 'key_attestation'])
    if (other in header)
      throw new ProofError('invalid_proof', `the proof names its key by kid (a did:key or did:jwk DID URL), not ${other}`);
  if (typeof header.kid !== 'string' || !/^did:(key|jwk):[^#]+#.+$/.test(header.kid))
    throw new ProofError('invalid_proof', 'the proof kid must be a did:key or did:jwk DID URL with a fragment');
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
  const kid = header.kid;
  return { holderDid: kid.slice(0, kid.indexOf('#')), kid, nonce: payload.nonce };
}

/**
 * The `verifyJwt` callback of the OpenID4VCI issuer: the key is the one `kid` names in
 * the holder's did:key or did:jwk document, resolved offline; its curve must match
 * `alg`; the signature is checked with node:crypto.
 */
export function proofVerifier(): (
  signer: { method: string; didUrl?: string; alg: string },
  jwt: { compact: string; header: Record<string, unknown> },
) => Promise<{ verified: true; signerJwk: Record<string, unknown> } | { verified: false }> {
  const resolver = new DidKeyResolver();
  return async (signer, jwt) => {
    if (signer.method !== 'did' || typeof signer.didUrl !== 'string') return { verified: false };
    const did = signer.didUrl.slice(0, signer.didUrl.indexOf('#'));
    if (!did.startsWith('did:key:') && !did.startsWith('did:jwk:')) return { verified: false };
    let jwk: Record<string, unknown>;
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
