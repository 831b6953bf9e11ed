import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts: `--json` for machine output, `--help` for its usage. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

type Parsed<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof COMMON_OPTIONS; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly (unknown flags and missing values are usage
 * errors, exit 2), with {@link COMMON_OPTIONS} added. A lone `-` is a positional
 * (stdin).
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs(argv, { now: { type: 'string' } });
 * if (values.json) ...
 * ```
 */
export function parseCommandArgs<O extends OptionsConfig>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options: { ...options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util's ERR_PARSE_ARGS_* messages name the flag, then add a tip about `--`
    // that is noise for every flag this tool defines.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { cause: e });
  }
}
