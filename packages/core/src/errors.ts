/**
 * Stable error codes shared by every Tradewind package. Callers branch on `code`,
 * never on message text. New codes may be added; existing ones never change meaning.
 */
export const ERROR_CODES = [
  'MALFORMED',
  'UNSUPPORTED_FORMAT',
  'UNSUPPORTED_ALGORITHM',
  'SIGNATURE_INVALID',
  'KEY_NOT_FOUND',
  'DID_UNRESOLVABLE',
  'EXPIRED',
  'NOT_YET_VALID',
  'REVOKED',
  'SUSPENDED',
  'STATUS_UNAVAILABLE',
  'UNTRUSTED_ISSUER',
  'NOT_RECOGNIZED',
  'TRUST_LIST_INVALID',
  'TRUST_LIST_STALE',
  'NONCE_MISMATCH',
  'AUDIENCE_MISMATCH',
  'HOLDER_BINDING',
  'DISCLOSURE_INVALID',
  'LIMIT_EXCEEDED',
  // Only in a result's warnings: a relaxation a compatibility mode (enabled for one issuer,
  // e.g. MOSIP's Data Integrity quirks) let through; the message names it.
  'COMPATIBILITY',
  // Library-side codes (issuer, wallet, CLI): not produced by verification.
  'INVALID_ARGUMENT',
  'WRONG_SECRET',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'STORAGE_ERROR',
  'BACKUP_INVALID',
  'MIGRATION_REQUIRED',
  // Protocol-side codes (a wallet talking to an issuer over OpenID4VCI).
  'UNREACHABLE',
  'REFUSED',
  // Protocol-side codes of OpenID4VP (a verifier's request and a wallet's response).
  // REQUEST_UNKNOWN: no request with that state; REQUEST_EXPIRED: answered after it
  // expired; REPLAYED: a request already answered, answered again; QUERY_UNSATISFIED:
  // the response does not give what the request's DCQL query asked for; DECLINED: the
  // holder said no.
  'REQUEST_UNKNOWN',
  'REQUEST_EXPIRED',
  'REPLAYED',
  'QUERY_UNSATISFIED',
  'DECLINED',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A problem found while verifying: what went wrong and, where useful, where. */
export interface VerificationIssue {
  code: ErrorCode;
  message: string;
  /** JSON-pointer-like location in the input, e.g. `/vc/credentialSubject/id`. */
  path?: string;
}

/**
 * The one error type of Tradewind. Verification functions do not throw it for bad
 * input (they return it inside a result); library functions that act (issue, store,
 * import) throw it.
 *
 * @example
 * ```ts
 * try { await wallet.importBackup(file, 'wrong') }
 * catch (e) { if (e instanceof TradewindError && e.code === 'BACKUP_INVALID') ... }
 * ```
 */
export class TradewindError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  /** Every violation found, when the error stands for several (e.g. a data-model check). */
  readonly issues: VerificationIssue[] | undefined;

  constructor(code: ErrorCode, message: string, options?: { path?: string; cause?: unknown; issues?: VerificationIssue[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TradewindError';
    this.code = code;
    this.path = options?.path;
    this.issues = options?.issues;
  }

  /** The plain `{ code, message, path? }` form used in verification results. */
  toIssue(): VerificationIssue {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }
}

/** True when `value` is one of the known error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
