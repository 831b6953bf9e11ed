import { TradewindError, type VerificationIssue } from '@tradewind/core';

/** Why one credential of a batch was refused. */
export interface RejectedCredential {
  /** Position in the batch (0 for a single `receive`). */
  index: number;
  errors: VerificationIssue[];
}

/**
 * A credential (or a batch) the wallet refused because verification failed. `code` is
 * the verifier's first error code; `errors` and `rejected` carry everything it found.
 *
 * @example
 * ```ts
 * try { await wallet.receive(jwt) }
 * catch (e) { if (e instanceof CredentialRejectedError) console.log(e.code, e.errors) } // 'EXPIRED', [...]
 * ```
 */
export class CredentialRejectedError extends TradewindError {
  /** Every issue found, over all refused credentials, paths prefixed with `/<index>` for batches. */
  readonly errors: VerificationIssue[];
  readonly rejected: RejectedCredential[];

  constructor(rejected: RejectedCredential[], batch: boolean) {
    const first = rejected[0]?.errors[0] ?? { code: 'MALFORMED' as const, message: 'credential was refused' };
    const where = batch ? `credential ${rejected[0]?.index ?? 0} of the batch` : 'credential';
    super(
      first.code,
      `${where} does not verify: ${first.message}${rejected.length > 1 ? ` (and ${rejected.length - 1} more refused)` : ''}`,
      {
        ...(first.path === undefined ? {} : { path: first.path }),
      },
    );
    this.name = 'CredentialRejectedError';
    this.rejected = rejected;
    this.errors = rejected.flatMap((r) =>
      batch ? r.errors.map((e) => ({ ...e, path: `/${r.index}${e.path && e.path !== '/' ? e.path : ''}` })) : r.errors,
    );
  }
}
