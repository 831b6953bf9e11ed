import type { Io } from './io.js';
import { READ_LIMITS, readTextInput } from './read-input.js';
import { UsageError } from './usage-error.js';

/** The environment variable that may hold the secret when no `--secret-file` is given. */
export const SECRET_ENV = 'TRADEWIND_SECRET';

/** The `--secret-file FILE` flag, for commands that open an encrypted store. */
export const SECRET_OPTIONS = {
  'secret-file': { type: 'string' },
} as const;

/**
 * The secret that unlocks an issuer or wallet store: the contents of `--secret-file`
 * (one trailing newline removed), else the TRADEWIND_SECRET environment variable.
 * There is deliberately no flag taking the secret itself: command lines end up in
 * shell history and process listings.
 *
 * @example
 * ```ts
 * const { values } = parseCommandArgs(argv, { ...SECRET_OPTIONS, db: { type: 'string' } });
 * const secret = await readSecret(values['secret-file'], io);
 * ```
 */
export async function readSecret(secretFile: string | undefined, io: Io): Promise<string> {
  let secret: string | undefined;
  if (secretFile !== undefined) {
    secret = (await readTextInput(secretFile, io, 'secret file', READ_LIMITS.secret)).replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError(`secret file ${secretFile} is empty`);
  } else {
    secret = io.env[SECRET_ENV];
    if (secret === undefined || secret === '') {
      throw new UsageError(`no secret given: pass --secret-file FILE or set ${SECRET_ENV}`);
    }
  }
  return secret;
}
