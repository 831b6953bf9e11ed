import { TradewindError } from '@tradewind/core';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { storageFailure } from './storage-failure.js';
import { escapeForTerminal, escapeJsonForTerminal, escapeOutputBlock } from './terminal-text.js';
import { UsageError } from './usage-error.js';

/**
 * Prints a command's result on stdout: as JSON (two-space indented, dates as ISO
 * strings) under `--json`, else the human rendering with every control character
 * except the line breaks escaped (values from credentials, lists and policies must not
 * drive the terminal; renderers escape each value, see terminal-text.ts). JSON keeps
 * its value but carries bidi and C1 controls as `\uXXXX` escapes.
 *
 * @example
 * ```ts
 * printResult(io, values.json, result, () => renderSummary(result));
 * ```
 */
export function printResult(io: Io, json: boolean | undefined, value: unknown, human: () => string): void {
  io.stdout(json ? `${escapeJsonForTerminal(JSON.stringify(value, null, 2))}\n` : ensureNewline(escapeOutputBlock(human())));
}

/**
 * Reports an error that stopped a command, on stderr, and returns the exit code it
 * means:
 * - usage errors: 2 (their code: INVALID_ARGUMENT, NOT_FOUND, LIMIT_EXCEEDED for a file
 *   too large to read);
 * - a failure of the disk or the database (full disk, file size limit, read-only file or
 *   file system, permissions, I/O error), whatever threw it: STORAGE_ERROR, 2;
 * - a TradewindError from a library: 1 (a refusal such as WRONG_SECRET), but 2 when its
 *   code is INVALID_ARGUMENT (the caller passed something unusable) or STORAGE_ERROR;
 * - anything else: UNEXPECTED, 2 (with the stack under TRADEWIND_DEBUG).
 * Under `--json` the report is one JSON line `{"error":{"code","message"}}` so that
 * machines need not parse prose; otherwise the message is printed on one line with every
 * control character escaped, line breaks included, since it may quote input. A refusal
 * that lists its violations (`issues`, see {@link issuesOf}) adds them: `"issues":
 * [{ code?, path?, message }]` in the JSON line, one indented `path: message` line each
 * otherwise.
 */
export function reportError(io: Io, error: unknown, json: boolean, prefix: string): ExitCode {
  const { code, exit, message } = classifyError(error);
  const issues = issuesOf(error);
  if (json) io.stderr(`${escapeJsonForTerminal(JSON.stringify({ error: { code, message, ...(issues ? { issues } : {}) } }))}\n`);
  else {
    // One line: a line break in the message (a file name, an id or a value quoted from the
    // command line or the input) is shown as \n, so it cannot print a line of its own.
    io.stderr(`${escapeOutputBlock(prefix)}: ${error instanceof UsageError ? '' : `${code}: `}${escapeForTerminal(message)}\n`);
    // Then one line per violation of a refused document, each with its path.
    for (const issue of issues ?? []) io.stderr(`  ${escapeForTerminal(issue.path ?? '/')}: ${escapeForTerminal(issue.message)}\n`);
  }
  if (code === 'UNEXPECTED' && io.env.TRADEWIND_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return exit;
}

/** One violation a library listed in a refusal (`TradewindError.issues`): where and what. */
export interface ReportedIssue {
  code?: string;
  path?: string;
  message: string;
}

/**
 * The violations a refusal lists (a credential document the issuer refuses throws
 * MALFORMED with `issues: [{ code, path, message }]`): only those three members, so the
 * report is the same whatever else a library attached.
 */
export function issuesOf(error: unknown): ReportedIssue[] | undefined {
  if (!(error instanceof TradewindError) || error instanceof UsageError || !Array.isArray(error.issues) || error.issues.length === 0)
    return undefined;
  return error.issues.map((issue) => ({
    ...(typeof issue.code === 'string' ? { code: issue.code } : {}),
    ...(typeof issue.path === 'string' ? { path: issue.path } : {}),
    message: typeof issue.message === 'string' ? issue.message : 'invalid',
  }));
}

/** The code, exit status and message {@link reportError} reports for `error`. */
export function classifyError(error: unknown): { code: string; exit: ExitCode; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) return { code: error.code, exit: EXIT.USAGE, message };
  const storage = error instanceof TradewindError && error.code !== 'STORAGE_ERROR' ? undefined : storageFailure(error);
  if (storage) {
    const detail = message.includes(storage.systemCode) ? message : `${message} (${storage.systemCode})`;
    return { code: 'STORAGE_ERROR', exit: EXIT.USAGE, message: `${storage.meaning}: ${detail}` };
  }
  if (error instanceof TradewindError) {
    const usage = error.code === 'INVALID_ARGUMENT' || error.code === 'STORAGE_ERROR';
    return { code: error.code, exit: usage ? EXIT.USAGE : EXIT.NEGATIVE, message };
  }
  return { code: 'UNEXPECTED', exit: EXIT.USAGE, message };
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
