export type { CreateDidOptions, DidMethod, KeyAlgorithm, KeyRotation, ManagedDid, RetiredKey, RotateKeyOptions } from '@tradewind/agent';
export {
  type BatchInput,
  type BatchOptions,
  type BatchProgress,
  type BatchResult,
  type DeliveredCredential,
  MAX_INVALID_LISTED,
} from './batch.js';
export { type BatchInputFormat, type InvalidRecord, MAX_RECORD_BYTES, RESERVED_FIELDS } from './batch-input.js';
export { BatchDeliveryError } from './batch-output.js';
export { type IssueDocumentRequest, MAX_DOCUMENT_BYTES } from './credential-document.js';
export type { IssueFormat, IssueRequest } from './credential-request.js';
export type { IssuanceRecord, LoggedCredential, LogQuery } from './issuance-log.js';
export type { IssuedCredential } from './issue-group.js';
export { Issuer, type OpenIssuerOptions, openIssuer, type StatusChange } from './issuer.js';
export {
  type RecognitionEntryTemplate,
  type RecognitionListRequest,
  recognitionEntriesFor,
  type SigningKey,
} from './recognition-list.js';
export {
  AddIssuanceLogOrder1764900100000,
  AddReemissionSafety1764300200000,
  AddStatusListVersion1764900000000,
  AddTokenStatusLists1765000000000,
  CreateIssuerTables1764300100000,
  ISSUER_MIGRATIONS,
} from './schema.js';
export { SALT_BYTES, type TokenStatusReference } from './sd-jwt-credential.js';
export {
  type HolderBinding,
  MAX_DECOYS,
  PID_TYPES,
  RESERVED_CLAIMS,
  type SdJwtSettings,
  type SdJwtTypeSettings,
} from './sd-jwt-request.js';
export { STATUS_LIST_V1_CONTEXT } from './sign-credential.js';
export type { StatusListCredential } from './status-list-credential.js';
export { type ListPurpose, STATUS_PURPOSES, type StatusPurpose, TOKEN_STATUS } from './status-store.js';
export { STATUS_LIST_TOKEN_MEDIA_TYPE, type StatusListToken } from './token-status-list.js';
export { FORBIDDEN_KEYS, type JsonTextProblem, jsonTextProblem, MAX_RECORD_DEPTH } from './untrusted-json.js';
