import type { TradewindAgent } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import type { Verifier } from '@tradewind/verifier';
import { importDids } from '../holder-keys.js';
import { INSERT_ALIASES, INSERT_ROWS } from '../store/credential-store.js';
import { openBackup } from './container.js';
import { type BackupContents, parseBackupContents, type RestoreRows, restoreRows } from './contents.js';
import { reverifiedRows } from './reverify.js';

/** What a restore wrote. */
export interface RestoreSummary {
  dids: string[];
  credentials: number;
}

/** Decrypts and checks a backup file: `BACKUP_INVALID` for anything but a whole backup under this passphrase. */
export async function readBackup(file: Uint8Array, passphrase: string): Promise<BackupContents> {
  if (!(file instanceof Uint8Array)) throw new TradewindError('INVALID_ARGUMENT', 'a backup is a byte array');
  return parseBackupContents(await openBackup(file, passphrase));
}

/**
 * Decrypts and checks a backup file, and verifies its credentials again: the rows a
 * restore writes (see {@link reverifiedRows}). `BACKUP_INVALID` for anything but a whole
 * backup under this passphrase whose every credential verifies.
 */
export async function readBackupRows(
  file: Uint8Array,
  passphrase: string,
  verifier: Verifier,
): Promise<{ contents: BackupContents; rows: RestoreRows }> {
  const contents = await readBackup(file, passphrase);
  return { contents, rows: await reverifiedRows(restoreRows(contents), verifier) };
}

/**
 * Restores backup contents into an empty wallet in one transaction on the agent's
 * connection (`rows` from {@link readBackupRows}): Veramo's DID and key writes join it (TypeORM nests them as savepoints on
 * its one SQLite connection), and the credential rows go in through the same connection.
 * A kill or a failure at any point leaves the wallet as it was — empty — so the restore
 * can simply be run again.
 */
export async function restoreContents(agent: TradewindAgent, contents: BackupContents, restore: RestoreRows): Promise<RestoreSummary> {
  const { rows, aliases } = restore;
  try {
    return await agent.transactions.exclusive(() =>
      agent.dataSource.transaction(async (manager) => {
        const [held] = (await manager.query(
          'SELECT (SELECT count(*) FROM wallet_credential) + (SELECT count(*) FROM identifier) AS n',
        )) as Array<{ n: number }>;
        if ((held?.n ?? 0) > 0) throw new TradewindError('INVALID_ARGUMENT', 'a backup restores into an empty wallet only');
        const dids = await importDids(agent, contents.dids);
        if (rows.length > 0) await manager.query(INSERT_ROWS, [JSON.stringify(rows)]);
        if (aliases.length > 0) await manager.query(INSERT_ALIASES, [JSON.stringify(aliases)]);
        // The wallet was empty: what it holds now is what was restored (a credential held twice counts once).
        const [restored] = (await manager.query('SELECT count(*) AS n FROM wallet_credential')) as Array<{ n: number }>;
        return { dids, credentials: restored?.n ?? 0 };
      }),
    );
  } catch (cause) {
    if (cause instanceof TradewindError) throw cause;
    throw new TradewindError('STORAGE_ERROR', `cannot restore the backup: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
