import { existsSync } from 'node:fs';
import { openWallet, type Wallet } from '@tradewind/wallet';
import type { Io } from '../io.js';
import { readSecret, SECRET_OPTIONS } from '../secret.js';
import { UsageError } from '../usage-error.js';

/** The environment variable naming the wallet database when `--db` is not given. */
export const WALLET_DB_ENV = 'TRADEWIND_WALLET_DB';

export const DB_OPTIONS = { db: { type: 'string' }, ...SECRET_OPTIONS } as const;
export const DB_HELP = `  --db FILE                wallet database (default: $${WALLET_DB_ENV})
  --secret-file FILE       file holding the database secret (default: $TRADEWIND_SECRET)`;
export const COMMON_HELP = `  --json                   machine-readable output
  -h, --help               show this help`;

/** The wallet database named by `--db` or TRADEWIND_WALLET_DB. */
export function walletPath(values: { db?: string | undefined }, io: Io): string {
  const path = values.db ?? io.env[WALLET_DB_ENV];
  if (path === undefined || path === '') throw new UsageError(`no wallet database given: pass --db FILE or set ${WALLET_DB_ENV}`);
  return path;
}

/** Opens the wallet named by `--db` (or TRADEWIND_WALLET_DB), runs `fn`, closes it. */
export async function withWallet<T>(
  values: { db?: string | undefined; 'secret-file'?: string | undefined },
  io: Io,
  fn: (wallet: Wallet) => Promise<T>,
  create = false,
): Promise<T> {
  const path = walletPath(values, io);
  if (!create && !existsSync(path)) {
    throw new UsageError(`no wallet at ${path}; create one with 'tradewind wallet init --db ${path}'`, { code: 'NOT_FOUND' });
  }
  const secret = await readSecret(values['secret-file'], io);
  const wallet = await openWallet({ path, secret, create });
  try {
    return await fn(wallet);
  } finally {
    await wallet.close();
  }
}
