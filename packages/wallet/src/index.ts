export { type AcceptOfferOptions, didWebOfIssuer, MAX_OFFER_URI_LENGTH, OfferError, type OfferStep } from './accept-offer.js';
export { BACKUP_MAGIC, BACKUP_VERSION, type BackupKdf, DEFAULT_BACKUP_KDF } from './backup/container.js';
export type { StatusReference, StoredCredential } from './credential-record.js';
export type { DisclosedClaim, PresentationCandidate, PresentationMatch, QueryMatch } from './openid4vp/match.js';
export { MAX_REQUEST_URI_LENGTH, type ParsedPresentationRequest, type ParsePresentationRequestOptions } from './openid4vp/request.js';
export { chooseCandidates, type PresentationResponse, type PresentedCredential, type RespondOptions } from './openid4vp/respond.js';
export type { PresentationFormat, PresentationRequest } from './presentation.js';
export { CredentialRejectedError, type RejectedCredential } from './rejection.js';
export type { DisclosableClaim, ShownClaim } from './sd-jwt/disclosures.js';
export type { SdJwtPresentation, SdJwtPresentationRequest, WithheldClaim } from './sd-jwt/present.js';
export type { CredentialQuery } from './store/query.js';
export {
  type CheckedCredential,
  type HolderDid,
  type OpenWalletOptions,
  openWallet,
  type Received,
  type RestoreSummary,
  restoreWallet,
  Wallet,
} from './wallet.js';
