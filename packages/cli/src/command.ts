import type { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

/** A command that runs: `tradewind verify …`, `tradewind wallet import …`. */
export interface Command {
  /** The word on the command line. */
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** Full usage text, printed on stdout for `--help`. */
  usage: string;
  /**
   * Runs with the arguments after the name and returns the exit code. Throws
   * UsageError for anything the caller got wrong; `--help` never reaches it.
   */
  run(argv: string[], io: Io): Promise<ExitCode>;
}

/** A family of subcommands (`tradewind wallet import|list|present`); `main` dispatches into it. */
export interface CommandFamily {
  name: string;
  summary: string;
  subcommands: readonly Command[];
}

/** One row of the command table in main.ts. */
export type CommandEntry = Command | CommandFamily;

export function isFamily(entry: CommandEntry): entry is CommandFamily {
  return 'subcommands' in entry;
}

/** True when the arguments ask for help (before any `--` terminator). */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The usage text of a command or family, as `--help` prints it. */
export function usageOf(entry: CommandEntry, path: string): string {
  if (!isFamily(entry)) return entry.usage;
  return [
    `Usage: ${path} <subcommand> [options]`,
    '',
    entry.summary,
    '',
    'Subcommands:',
    ...listing(entry.subcommands),
    '',
    `Run '${path} <subcommand> --help' for the options of each.`,
  ].join('\n');
}

/** Aligned `name  summary` lines. */
export function listing(entries: readonly CommandEntry[]): string[] {
  const width = Math.max(0, ...entries.map((c) => c.name.length));
  return entries.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}
