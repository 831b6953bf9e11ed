import { readFileSync } from 'node:fs';
import { type CommandEntry, isFamily, listing, usageOf, wantsHelp } from './command.js';
import { didCommands } from './commands/did.js';
import { issueBatchCommand, issueCommand } from './commands/issue.js';
import { issuerCommands } from './commands/issuer.js';
import { recognitionListCommands } from './commands/recognition-list.js';
import { statusCommands } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';
import { walletCommands } from './commands/wallet.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { type Io, processIo } from './io.js';
import { reportError } from './output.js';
import { UsageError } from './usage-error.js';

/**
 * The command table. A new command or family of subcommands is one module under
 * src/commands/ exporting a Command or CommandFamily, plus one line here.
 */
export const COMMANDS: readonly CommandEntry[] = [
  verifyCommand,
  issuerCommands,
  didCommands,
  issueCommand,
  issueBatchCommand,
  statusCommands,
  walletCommands,
  recognitionListCommands,
];

function usage(commands: readonly CommandEntry[]): string {
  return [
    'Usage: tradewind <command> [options]',
    '',
    'Verifiable credentials with offline cross-border recognition.',
    '',
    'Commands:',
    ...listing(commands),
    '',
    'Every command accepts --json (machine-readable result on stdout) and --help.',
    'Exit status: 0 ok, 1 a negative result (e.g. not verified), 2 usage or I/O error.',
    "Run 'tradewind <command> --help' for the options of a command.",
  ].join('\n');
}

/**
 * Runs the `tradewind` command line and returns its exit status; never throws and
 * never calls process.exit, so it can run in-process (tests, embedding). `commands`
 * replaces the command table (tests of the dispatcher itself).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['verify', 'credential.jwt', '--json']);
 * ```
 */
export async function main(argv: string[], io: Io = processIo(), commands: readonly CommandEntry[] = COMMANDS): Promise<ExitCode> {
  try {
    return await run(argv, io, commands);
  } catch (e) {
    // Commands' own failures are reported by dispatch; this catches the rest (e.g. the
    // usage text or the version not written: a full disk under `> file`).
    try {
      return reportError(io, e, argv.includes('--json'), 'tradewind');
    } catch {
      return EXIT.USAGE;
    }
  }
}

async function run(argv: string[], io: Io, commands: readonly CommandEntry[]): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(`${usage(commands)}\n`);
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout(`${usage(commands)}\n`);
    return EXIT.OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`${version()}\n`);
    return EXIT.OK;
  }
  if (first === 'help') {
    // `tradewind help wallet import` = `tradewind wallet import --help`
    return run(rest.length === 0 ? ['--help'] : [...rest, '--help'], io, commands);
  }
  return dispatch(commands, first, rest, 'tradewind', io);
}

async function dispatch(table: readonly CommandEntry[], name: string, argv: string[], parent: string, io: Io): Promise<ExitCode> {
  const json = argv.includes('--json');
  const entry = table.find((c) => c.name === name);
  if (!entry) {
    const known = table.map((c) => c.name).join(', ');
    return fail(io, new UsageError(`unknown command '${name}' (known: ${known})`), json, parent);
  }
  const path = `${parent} ${name}`;
  if (isFamily(entry)) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub.startsWith('-')) {
      const help = sub === '--help' || sub === '-h';
      // Under --json a missing subcommand is reported as JSON like every other failure.
      if (!help && json) {
        const names = entry.subcommands.map((c) => c.name).join(', ');
        return fail(io, new UsageError(`${path} needs a subcommand (one of: ${names})`), json, path);
      }
      (help ? io.stdout : io.stderr)(`${usageOf(entry, path)}\n`);
      return help ? EXIT.OK : EXIT.USAGE;
    }
    return dispatch(entry.subcommands, sub, rest, path, io);
  }
  if (wantsHelp(argv)) {
    io.stdout(`${usageOf(entry, path)}\n`);
    return EXIT.OK;
  }
  try {
    return await entry.run(argv, io);
  } catch (e) {
    return fail(io, e, json, path);
  }
}

function fail(io: Io, error: unknown, json: boolean, path: string): ExitCode {
  const exit = reportError(io, error, json, path);
  // The usage hint helps with a wrong command line, not with a file over its size limit.
  if (error instanceof UsageError && error.code !== 'LIMIT_EXCEEDED' && !json) io.stderr(`Run '${path} --help' for usage.\n`);
  return exit;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tradewind ${pkg.version}`;
}
