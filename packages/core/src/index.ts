export type { DIDDocument } from 'did-resolver';
export * from './algorithms.js';
export { base64Decode, base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from './base64url.js';
export type { DataModelOptions, DataModelVersion } from './data-model/run.js';
export { dataModelVersion, validateCredential } from './data-model/validate-credential.js';
export { validateEnvelope, validatePresentation } from './data-model/validate-presentation.js';
export { MAX_NUMERIC_DATE, numericDateMs, parseDateTimeStamp } from './datetime.js';
export { jwkToMultikey, multikeyToJwk, verificationMethodJwk } from './did/key-material.js';
export { type DidWebFetcher, didWebUrl, isLoopbackOrPrivate } from './did/methods.js';
export {
  DidKeyResolver,
  type DidResolverOptions,
  MAX_DID_LENGTH,
  type ResolvedKey,
  type VerificationRelationship,
} from './did/resolver.js';
export {
  ENVELOPED_CREDENTIAL_TYPE,
  ENVELOPED_PRESENTATION_TYPE,
  type EnvelopedVerifiableCredential,
  type EnvelopedVerifiablePresentation,
  type EnvelopeMediaType,
  envelopeCredential,
  envelopePresentation,
  isEnvelopeLike,
  type UnwrappedEnvelope,
  unwrapEnvelope,
} from './envelope.js';
export * from './errors.js';
export { jwkThumbprint, jwkThumbprintInput } from './jwk-thumbprint.js';
export { DEFAULT_JWS_LIMITS, type JwsLimits, looksLikeCompactJws, nestingDepth, type ParsedJws, parseCompactJws } from './jws.js';
export { checkFetchUrl, type FetchUrlOptions, isPublicHost } from './public-host.js';
export {
  ASSURANCE_LEVELS,
  type AssuranceLevel,
  isHttpsIssuer,
  MAX_CERTIFICATE_BYTES,
  MAX_PINNED_CERTIFICATES,
  meetsAssurance,
  type PinnedContextEntry,
  parseRecognitionList,
  parseRecognitionListSubject,
  RECOGNITION_LIST_TYPE,
  type RecognitionEntry,
  type RecognitionListSubject,
  type RecognizedCertificates,
  type RecognizedKey,
} from './recognition-list.js';
export {
  type DiOnlyEcPublicJwk,
  isDataIntegrityOnlyJwk,
  MAX_LIST_RSA_BITS,
  MIN_LIST_RSA_BITS,
  type RecognizedJwk,
  type RsaPublicJwk,
  toRecognizedJwk,
} from './recognized-jwk.js';
export {
  createStatusBitstring,
  DEFAULT_STATUS_LIST_MAX_BYTES,
  getStatusBit,
  MIN_STATUS_LIST_LENGTH,
  setStatusBit,
} from './status-list.js';
export * from './types.js';
