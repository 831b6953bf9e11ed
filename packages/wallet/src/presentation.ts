import type { ManagedDid } from '@tradewind/agent';
import {
  envelopeCredential,
  isJsonObject,
  type JsonObject,
  looksLikeCompactJws,
  TradewindError,
  VCDM_1_CONTEXT,
  VCDM_2_CONTEXT,
} from '@tradewind/core';
import { describe } from './arguments.js';
import type { StoredCredential } from './credential-record.js';

/**
 * `jwt_vp`: VCDM 1.1 VP-JWT as did-jwt-vc makes it. `vp+jwt`: VCDM 2.0 presentation
 * secured with JOSE. `di`: a presentation secured with a Data Integrity proof
 * (`eddsa-rdfc-2022`, or `ecdsa-rdfc-2019` for a P-256 holder), returned as a JSON object.
 */
export type PresentationFormat = 'jwt_vp' | 'vp+jwt' | 'di';

/** What {@link Wallet.present} signs. */
export interface PresentationRequest {
  /** Wallet ids (or stored credentials) to present; all must be about the same holder DID of this wallet. */
  credentials: ReadonlyArray<string | StoredCredential>;
  /** The verifier the presentation is for (`aud`). Required: a presentation is never addressed to anyone. */
  audience: string;
  /** The verifier's challenge, echoed as `nonce`. Required. */
  nonce: string;
  /**
   * `jwt_vp` (`jwt_vc` is accepted as its alias), `vp+jwt` (alias `vc+jwt`) or `di`.
   * Default: `jwt_vp` when every credential is `jwt_vc`, otherwise `vp+jwt`. A Data
   * Integrity credential goes into a JWT presentation as its JSON object, unchanged.
   */
  format?: PresentationFormat | 'jwt_vc' | 'vc+jwt';
  /** Seconds the presentation stays valid. Default 300. */
  expiresInSeconds?: number;
  /** Signing time (tests, audits). Default now. */
  now?: Date;
}

/** The JOSE header and payload of a presentation, ready to sign. */
export interface UnsignedPresentation {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Resolves the aliases and the default of `format`. */
export function presentationFormat(format: PresentationRequest['format'], credentials: readonly StoredCredential[]): PresentationFormat {
  if (format === undefined) return credentials.every((c) => c.format === 'jwt_vc') ? 'jwt_vp' : 'vp+jwt';
  if (format === 'jwt_vp' || format === 'jwt_vc') return 'jwt_vp';
  if (format === 'vp+jwt' || format === 'vc+jwt') return 'vp+jwt';
  if (format === 'di') return 'di';
  throw new TradewindError('INVALID_ARGUMENT', `presentation format must be jwt_vp, vp+jwt or di, not ${describe(format)}`);
}

/**
 * Builds the presentation. Time claims are whole seconds; `nbf` = `iat` so a verifier
 * whose clock is slightly behind still accepts it within its skew.
 */
export function buildPresentation(
  format: Exclude<PresentationFormat, 'di'>,
  holder: ManagedDid,
  credentials: readonly StoredCredential[],
  request: PresentationRequest,
): UnsignedPresentation {
  const now = request.now ?? new Date();
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
  const iat = Math.floor(now.getTime() / 1000);
  const ttl = request.expiresInSeconds ?? 300;
  // At most a year: a presentation answers one request, and exp stays a sane NumericDate.
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 366 * 86_400)
    throw new TradewindError('INVALID_ARGUMENT', 'expiresInSeconds must be a whole number of seconds from 1 to 31622400 (a year)');
  const embedded = credentials.map(embeddedOf);
  if (format === 'jwt_vp') {
    return {
      header: { alg: holder.alg, typ: 'JWT', kid: holder.verificationMethod },
      payload: {
        vp: { '@context': [VCDM_1_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: embedded },
        iss: holder.did,
        aud: request.audience,
        nonce: request.nonce,
        iat,
        nbf: iat,
        exp: iat + ttl,
      },
    };
  }
  return {
    header: { alg: holder.alg, typ: 'vp+jwt', kid: holder.verificationMethod },
    payload: {
      '@context': [VCDM_2_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      // VC-JOSE-COSE names vc+jwt; a VCDM 1.1 JWT is not one, so it travels as a plain JWT.
      verifiableCredential: credentials.map((c, i) => {
        const e = embedded[i] as string | JsonObject;
        return typeof e === 'string' ? envelopeCredential(e, c.format === 'vc+jwt' ? 'vc+jwt' : 'jwt') : e;
      }),
      iss: holder.did,
      aud: request.audience,
      nonce: request.nonce,
      iat,
      nbf: iat,
      exp: iat + ttl,
    },
  };
}

/** What a JWT presentation carries for a credential: its compact JWT, or a Data Integrity credential's JSON object as held. */
function embeddedOf(c: StoredCredential): string | JsonObject {
  if (c.format === 'di' && isJsonObject(c.credential)) return c.credential;
  if (!looksLikeCompactJws(c.raw))
    throw new TradewindError('UNSUPPORTED_FORMAT', `credential ${c.id} is not a JWT and cannot go into a JWT presentation`);
  return c.raw;
}

/**
 * The one holder DID all credentials are bound to (their subject). Presenting
 * credentials of different subjects together would let a verifier link people who
 * are not the holder, so it is refused.
 */
export function boundHolder(credentials: readonly StoredCredential[]): string {
  const subjects = new Set(credentials.map((c) => c.subject));
  const [subject] = subjects;
  if (subjects.size !== 1 || subject === undefined) {
    throw new TradewindError(
      'HOLDER_BINDING',
      subjects.has(undefined)
        ? 'a credential without a subject id cannot be bound to a holder'
        : 'the credentials are about different subjects',
    );
  }
  return subject;
}
