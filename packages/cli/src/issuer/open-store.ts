import { existsSync } from 'node:fs';
import { TradewindError } from '@tradewind/core';
import { type Issuer, type OpenIssuerOptions, openIssuer } from '@tradewind/issuer';
import type { Io } from '../io.js';
import { readSecret, SECRET_OPTIONS } from '../secret.js';
import { UsageError } from '../usage-error.js';

/** The environment variable naming the issuer database when `--db` is not given. */
export const ISSUER_DB_ENV = 'TRADEWIND_ISSUER_DB';

/** Flags of every command that opens the issuer database. */
export const ISSUER_DB_OPTIONS = {
  db: { type: 'string' },
  ...SECRET_OPTIONS,
} as const;

export const ISSUER_DB_HELP = `  --db FILE                issuer database (default: $${ISSUER_DB_ENV})
  --secret-file FILE       file holding the database secret (default: $TRADEWIND_SECRET)`;

/**
 * Opens the issuer database named by `--db` (or TRADEWIND_ISSUER_DB) with the secret
 * from `--secret-file` (or TRADEWIND_SECRET), runs `fn` and closes it. A missing
 * database is a usage error naming `tradewind issuer init`; a wrong secret is
 * `WRONG_SECRET`.
 */
export async function withIssuer<T>(
  values: { db?: string | undefined; 'secret-file'?: string | undefined },
  io: Io,
  fn: (issuer: Issuer) => Promise<T>,
  options: { create?: boolean; extra?: Partial<OpenIssuerOptions> } = {},
): Promise<T> {
  const path = values.db ?? io.env[ISSUER_DB_ENV];
  if (path === undefined || path === '') throw new UsageError(`no issuer database given: pass --db FILE or set ${ISSUER_DB_ENV}`);
  if (!options.create && !existsSync(path)) {
    throw new UsageError(`no issuer database at ${path}; create one with 'tradewind issuer init --db ${path}'`, { code: 'NOT_FOUND' });
  }
  const secret = await readSecret(values['secret-file'], io);
  let issuer: Issuer;
  try {
    issuer = await openIssuer({ path, secret, create: options.create ?? false, ...options.extra });
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'WRONG_SECRET') {
      throw new TradewindError('WRONG_SECRET', `the secret does not open ${path} (check --secret-file or TRADEWIND_SECRET)`, { cause: e });
    }
    throw e;
  }
  try {
    return await fn(issuer);
  } finally {
    await issuer.close();
  }
}

/** Parses `--status revocation,suspension` (or `none`). */
export function parseStatusFlag(value: string | undefined): Array<'revocation' | 'suspension'> | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return [];
  const parts = value.split(',').map((s) => s.trim());
  for (const p of parts) {
    if (p !== 'revocation' && p !== 'suspension')
      throw new UsageError(`--status takes revocation, suspension, both comma-separated, or none; got ${JSON.stringify(value)}`);
  }
  return parts as Array<'revocation' | 'suspension'>;
}

/** Checks `--format`. */
export function parseFormatFlag(value: string | undefined): 'vc+jwt' | 'jwt_vc' | undefined {
  if (value === undefined || value === 'vc+jwt' || value === 'jwt_vc') return value;
  throw new UsageError(`--format takes vc+jwt or jwt_vc, got ${JSON.stringify(value)}`);
}
