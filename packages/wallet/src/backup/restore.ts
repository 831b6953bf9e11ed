import { type ManagedDid, publicJwkOfKey, type TradewindAgent } from '@tradewind/agent';
import { jwkThumbprintInput, jwkToMultikey, type PublicJwk, TradewindError } from '@tradewind/core';
import { importDids } from '../holder-keys.js';
import { INSERT_ALIASES, INSERT_ROWS } from '../store/credential-store.js';
import { openBackup } from './container.js';
import { type BackupContents, parseBackupContents, type RestoreRows, restoreRows } from './contents.js';
import { type RestoreVerifiers, reverifiedRows } from './reverify.js';

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
  verifiers: RestoreVerifiers,
): Promise<{ contents: BackupContents; rows: RestoreRows }> {
  const contents = await readBackup(file, passphrase);
  return { contents, rows: await reverifiedRows(restoreRows(contents), verifiers, holderKeysOf(contents.dids)) };
}

/** Each DID of a backup and the RFC 7638 thumbprint inputs of its public keys (a key of a type the agent does not know is left out). */
function holderKeysOf(dids: BackupContents['dids']): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const d of dids) {
    const keys = out.get(d.did) ?? new Set<string>();
    for (const k of d.keys) {
      try {
        keys.add(jwkThumbprintInput(publicJwkOfKey(k.type, k.publicKeyHex) as PublicJwk));
      } catch {
        // Not a key this wallet signs with: the DID import refuses it, or it binds nothing.
      }
    }
    out.set(d.did, keys);
  }
  return out;
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
        const dids = await restoreDids(agent, contents.dids);
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

/**
 * Imports the backup's DIDs (inside the restore's transaction) and checks that each one
 * is what its key makes it: a did:key or did:jwk DID is derived from its public key, so
 * a DID restored with another key — one it could never sign for — is `BACKUP_INVALID`,
 * as is a key the key manager refuses (a malformed key, one id given two keys). A
 * failure of the database stays `STORAGE_ERROR`.
 */
async function restoreDids(agent: TradewindAgent, exported: BackupContents['dids']): Promise<string[]> {
  let dids: string[];
  try {
    dids = await importDids(agent, exported);
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if ((cause instanceof TradewindError && cause.code === 'STORAGE_ERROR') || (typeof code === 'string' && code.startsWith('SQLITE_')))
      throw cause;
    throw new TradewindError('BACKUP_INVALID', `backup DIDs cannot be restored: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  for (const did of new Set(dids)) {
    const managed = await agent.getDid(did).catch((cause: unknown) => {
      throw new TradewindError('BACKUP_INVALID', `backup DID ${did} has no usable key`, { cause });
    });
    if (!keyMakesDid(managed)) throw new TradewindError('BACKUP_INVALID', `backup DID ${did} does not belong to the key it comes with`);
  }
  return dids;
}

/** Whether a did:key or did:jwk DID is the one its public key makes (did:web names its key by publishing it). */
function keyMakesDid(managed: ManagedDid): boolean {
  const jwk = managed.publicJwk;
  if (managed.method === 'key') return managed.did === `did:key:${jwkToMultikey(jwk)}`;
  if (managed.method === 'jwk') {
    let encoded: unknown;
    try {
      encoded = JSON.parse(Buffer.from(managed.did.slice('did:jwk:'.length), 'base64url').toString('utf8'));
    } catch {
      return false;
    }
    const e = encoded as Record<string, unknown>;
    return e.kty === jwk.kty && e.crv === jwk.crv && e.x === jwk.x && (e.y ?? undefined) === (jwk.y ?? undefined);
  }
  return true;
}
