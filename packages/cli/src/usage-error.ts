import { type ErrorCode, TradewindError } from '@tradewind/core';

/**
 * The command line cannot be carried out as written: an unknown flag, a missing
 * argument, a file that cannot be read, a value that does not parse. Always exit 2,
 * whatever its code, so that scripts can tell "you called me wrong" from "the answer is no".
 *
 * @example
 * ```ts
 * if (!file) throw new UsageError('verify needs a file or - for stdin');
 * ```
 */
export class UsageError extends TradewindError {
  constructor(message: string, options?: { code?: ErrorCode; cause?: unknown }) {
    super(options?.code ?? 'INVALID_ARGUMENT', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
  }
}
