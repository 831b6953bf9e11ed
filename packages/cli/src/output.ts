import { TradewindError } from '@tradewind/core';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { UsageError } from './usage-error.js';

/**
 * Prints a command's result on stdout: as JSON (two-space indented, dates as ISO
 * strings) under `--json`, else the human rendering.
 *
 * @example
 * ```ts
 * printResult(io, values.json, result, () => renderSummary(result));
 * ```
 */
export function printResult(io: Io, json: boolean | undefined, value: unknown, human: () => string): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(human()));
}

/**
 * Reports an error that stopped a command, on stderr, and returns the exit code it
 * means: usage errors 2, a TradewindError from a library 1 (2 when its code is
 * INVALID_ARGUMENT: the caller passed something unusable), anything else 2 as an
 * unexpected failure. Under `--json` the report is one JSON line
 * `{"error":{"code","message"}}` so that machines need not parse prose.
 */
export function reportError(io: Io, error: unknown, json: boolean, prefix: string): ExitCode {
  let code: string;
  let exit: ExitCode;
  if (error instanceof UsageError) {
    code = error.code;
    exit = EXIT.USAGE;
  } else if (error instanceof TradewindError) {
    code = error.code;
    exit = error.code === 'INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.NEGATIVE;
  } else {
    code = 'UNEXPECTED';
    exit = EXIT.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) io.stderr(`${JSON.stringify({ error: { code, message } })}\n`);
  else io.stderr(`${prefix}: ${error instanceof TradewindError && !(error instanceof UsageError) ? `${code}: ` : ''}${message}\n`);
  if (code === 'UNEXPECTED' && io.env.TRADEWIND_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return exit;
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
