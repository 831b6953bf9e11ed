// Enveloped credentials and presentations (VCDM 2.0 §4.13, VC-JOSE-COSE §3): a JSON
// object that carries a secured credential or presentation as a data: URL in its id.
import { TradewindError } from './errors.js';
import { looksLikeCompactJws } from './jws.js';
import { isJsonObject, typesOf, VCDM_2_CONTEXT } from './types.js';

export const ENVELOPED_CREDENTIAL_TYPE = 'EnvelopedVerifiableCredential';
export const ENVELOPED_PRESENTATION_TYPE = 'EnvelopedVerifiablePresentation';

/**
 * Media types an envelope's data: URL may name. `vc+jwt` and `vp+jwt` are the
 * VC-JOSE-COSE ones; `jwt` is what earlier producers (and VCDM 1.1 JWT credentials,
 * which are not `vc+jwt`) use, and is read for either kind.
 */
export type EnvelopeMediaType = 'vc+jwt' | 'vp+jwt' | 'jwt';

export interface EnvelopedVerifiableCredential {
  '@context': string[];
  type: typeof ENVELOPED_CREDENTIAL_TYPE;
  /** `data:application/vc+jwt,<compact JWS>` (or `application/jwt` for a VCDM 1.1 JWT credential). */
  id: string;
}

export interface EnvelopedVerifiablePresentation {
  '@context': string[];
  type: typeof ENVELOPED_PRESENTATION_TYPE;
  /** `data:application/vp+jwt,<compact JWS>`. */
  id: string;
}

/** What an envelope carries. */
export interface UnwrappedEnvelope {
  kind: 'credential' | 'presentation';
  /** The media type of the data: URL, without `application/` (`vc+jwt`, `vp+jwt` or `jwt`). */
  mediaType: EnvelopeMediaType;
  /** The compact JWS. */
  jws: string;
}

const MEDIA_TYPES: Record<string, EnvelopeMediaType> = {
  'application/vc+jwt': 'vc+jwt',
  'application/vp+jwt': 'vp+jwt',
  'application/jwt': 'jwt',
};

/**
 * Wraps a compact JWS credential in an `EnvelopedVerifiableCredential`. The media type
 * is `vc+jwt` (VC-JOSE-COSE) by default; a VCDM 1.1 JWT credential (`jwt_vc`) is not a
 * `vc+jwt` and travels as `jwt`. Throws `INVALID_ARGUMENT` when `jwt` is not a compact JWS.
 *
 * @example
 * ```ts
 * const envelope = envelopeCredential(vcJwt);
 * // { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiableCredential', id: 'data:application/vc+jwt,eyJ…' }
 * ```
 */
export function envelopeCredential(jwt: string, mediaType: 'vc+jwt' | 'jwt' = 'vc+jwt'): EnvelopedVerifiableCredential {
  if (mediaType !== 'vc+jwt' && mediaType !== 'jwt') {
    throw new TradewindError('INVALID_ARGUMENT', 'the media type of an enveloped credential is vc+jwt or jwt');
  }
  return { '@context': [VCDM_2_CONTEXT], type: ENVELOPED_CREDENTIAL_TYPE, id: dataUrl(jwt, mediaType) };
}

/**
 * Wraps a compact JWS presentation (`vp+jwt`) in an `EnvelopedVerifiablePresentation`.
 * Throws `INVALID_ARGUMENT` when `jwt` is not a compact JWS.
 *
 * @example
 * ```ts
 * const envelope = envelopePresentation(vpJwt); // id: 'data:application/vp+jwt,eyJ…'
 * ```
 */
export function envelopePresentation(jwt: string): EnvelopedVerifiablePresentation {
  return { '@context': [VCDM_2_CONTEXT], type: ENVELOPED_PRESENTATION_TYPE, id: dataUrl(jwt, 'vp+jwt') };
}

function dataUrl(jwt: string, mediaType: EnvelopeMediaType): string {
  if (typeof jwt !== 'string' || !looksLikeCompactJws(jwt)) {
    throw new TradewindError('INVALID_ARGUMENT', 'only a compact JWS (three base64url segments) can be enveloped');
  }
  return `data:application/${mediaType},${jwt}`;
}

/**
 * True when `value` looks like an envelope (its type names one, or its id is a data:
 * URL), so that a malformed one is reported as such rather than as "not a credential".
 */
export function isEnvelopeLike(value: unknown): boolean {
  try {
    if (!isJsonObject(value)) return false;
    const types = typesOf(value.type);
    if (types.includes(ENVELOPED_CREDENTIAL_TYPE) || types.includes(ENVELOPED_PRESENTATION_TYPE)) return true;
    return typeof value.id === 'string' && value.id.startsWith('data:') && value.proof === undefined;
  } catch {
    // A getter or proxy trap that throws: whatever this is, it cannot be read as an envelope.
    return false;
  }
}

/**
 * Checks an `EnvelopedVerifiableCredential` or `EnvelopedVerifiablePresentation` and
 * returns what it carries. Its `@context` must start with the VCDM 2.0 context, its
 * `type` must be the envelope type, and its `id` a data: URL of a supported media type
 * (`application/vc+jwt`, `application/vp+jwt`, or the older `application/jwt`) holding a
 * compact JWS; a `vp+jwt` in a credential envelope (or `vc+jwt` in a presentation
 * envelope) is refused. Whether the JWS itself is what the media type says (its `typ`)
 * is for the verifier to judge once it has parsed it.
 *
 * Throws `TradewindError` `MALFORMED` (or `UNSUPPORTED_FORMAT` for a media type that is
 * well-formed but not read here, such as `application/dc+sd-jwt`) with the `path` of the
 * offending member.
 *
 * @example
 * ```ts
 * const { kind, mediaType, jws } = unwrapEnvelope(body.verifiableCredential[0]);
 * // kind 'credential', mediaType 'vc+jwt', jws 'eyJ…'
 * ```
 */
export function unwrapEnvelope(value: unknown): UnwrappedEnvelope {
  try {
    return unwrap(value);
  } catch (e) {
    if (e instanceof TradewindError) throw e;
    // A getter or proxy trap threw (or a revoked proxy was passed): typed, like every other refusal.
    return bad('the envelope could not be read (a getter or proxy threw)', '/');
  }
}

function unwrap(value: unknown): UnwrappedEnvelope {
  if (!isJsonObject(value)) bad('an envelope is a JSON object', '/');
  const types = typesOf(value.type);
  const credential = types.includes(ENVELOPED_CREDENTIAL_TYPE);
  const presentation = types.includes(ENVELOPED_PRESENTATION_TYPE);
  if (credential === presentation) {
    bad(
      credential
        ? 'type names both EnvelopedVerifiableCredential and EnvelopedVerifiablePresentation'
        : 'type of an envelope must be EnvelopedVerifiableCredential or EnvelopedVerifiablePresentation',
      '/type',
    );
  }
  const context = value['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  if (first !== VCDM_2_CONTEXT) bad(`@context of an envelope must start with ${VCDM_2_CONTEXT}`, '/@context');
  const id = value.id;
  if (typeof id !== 'string' || !id.startsWith('data:')) bad('id of an envelope must be a data: URL', '/id');
  const comma = id.indexOf(',');
  const declared = comma < 0 ? '' : id.slice(5, comma);
  const mediaType = MEDIA_TYPES[declared.toLowerCase()];
  if (mediaType === undefined) {
    if (/^[a-z]+\/[a-z0-9.+-]+$/i.test(declared)) {
      throw new TradewindError('UNSUPPORTED_FORMAT', `enveloped media type ${declared.slice(0, 60)} is not supported`, { path: '/id' });
    }
    bad('id of an envelope must be a data: URL of application/vc+jwt, application/vp+jwt or application/jwt', '/id');
  }
  const kind = credential ? 'credential' : 'presentation';
  if ((kind === 'credential' && mediaType === 'vp+jwt') || (kind === 'presentation' && mediaType === 'vc+jwt')) {
    bad(`an Enveloped${kind === 'credential' ? 'VerifiableCredential' : 'VerifiablePresentation'} cannot carry ${declared}`, '/id');
  }
  const jws = id.slice(comma + 1);
  if (!looksLikeCompactJws(jws)) bad(`the data: URL does not hold a compact JWS`, '/id');
  return { kind, mediaType, jws };
}

function bad(message: string, path: string): never {
  throw new TradewindError('MALFORMED', message, { path });
}
