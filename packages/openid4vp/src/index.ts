export { type DcqlFormat, dcqlQueryOf, type QueryTarget } from './dcql.js';
export { type AcceptedFormat, type CredentialNeed, credentialNeedsFromPolicy, type NeedsFromPolicyInput } from './needs.js';
export type { RequestPayload } from './request.js';
export { MAX_BODY_BYTES, MAX_PRESENTATIONS_PER_QUERY } from './response.js';
export {
  MemorySessionStore,
  type MemorySessionStoreOptions,
  type PresentationOutcome,
  type PresentationSessionRecord,
  type PresentedCredentialSummary,
  type SessionStore,
} from './sessions.js';
export {
  type HandledResponse,
  type Openid4vpVerifierOptions,
  type PresentationRequestSession,
  PresentationVerifier,
  type SessionView,
} from './verifier.js';
