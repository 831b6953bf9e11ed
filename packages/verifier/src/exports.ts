// Everything both entry points export besides the four bound functions.
export {
  type EnvelopedVerifiableCredential,
  type EnvelopedVerifiablePresentation,
  type EnvelopeMediaType,
  ERROR_CODES,
  type ErrorCode,
  envelopeCredential,
  envelopePresentation,
  TradewindError,
  type UnwrappedEnvelope,
  unwrapEnvelope,
  type VerificationIssue,
} from '@tradewind/core';
export type { VerifierApi } from './api.js';
export { type AcceptRule, parsePolicy, type RecognitionPolicy } from './recognition/policy.js';
export type { Recognition } from './recognition/recognize.js';
export type * from './types.js';
export type { BatchOptions, RecognitionReport, Verifier } from './verifier.js';
