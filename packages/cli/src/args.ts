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

/**
 * A whole-number flag value, written as decimal digits only: `Number()` alone would take
 * `0x10`, `1e3`, ` 5` or an empty string (0), so a typo would silently mean something
 * else. Outside `min`..`max` or not digits is a usage error naming the flag.
 *
 * @example
 * ```ts
 * const limit = parseIntegerFlag(values.limit, '--limit', 1, 100_000) ?? 100;
 * ```
 */
export function parseIntegerFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}
