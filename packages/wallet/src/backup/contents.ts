import { isJsonObject, TradewindError } from '@tradewind/core';
import { type CredentialRow, currentRow, upgradeRow } from '../credential-record.js';
import type { ExportedDid } from '../holder-keys.js';

/** What a backup holds, as JSON inside the encrypted container. */
export interface BackupContents {
  type: 'tradewind-wallet-backup';
  /** 2 since credential rows hold the signed JWS only (1: the received text); both are read. */
  version: 1 | 2;
  createdAt: string;
  dids: ExportedDid[];
  /** Credential rows exactly as stored: the signed JWS and its metadata. */
  credentials: CredentialRow[];
  /** Version 2: ids that credentials had in earlier wallet versions (`wallet_credential_alias`). */
  aliases?: Array<{ alias: string; id: string }>;
}

export function backupContents(
  dids: ExportedDid[],
  credentials: CredentialRow[],
  aliases: Array<{ alias: string; id: string }>,
  now: Date,
): BackupContents {
  return { type: 'tradewind-wallet-backup', version: 2, createdAt: now.toISOString(), dids, credentials, aliases };
}

/** What a restore writes: rows in today's form, ids recomputed, and the ids version 1 rows had. */
export interface RestoreRows {
  rows: CredentialRow[];
  aliases: Array<{ alias: string; id: string }>;
}

/** Brings the rows of a parsed backup into today's form (see {@link upgradeRow}); BACKUP_INVALID for a row without a JWS. */
export function restoreRows(contents: BackupContents): RestoreRows {
  const rows: CredentialRow[] = [];
  const aliases: RestoreRows['aliases'] = [...(contents.aliases ?? [])];
  for (const [i, c] of contents.credentials.entries()) {
    if (contents.version === 1) {
      const { row, previousId } = upgradeRow(c);
      rows.push(row);
      if (previousId !== undefined) aliases.push({ alias: previousId, id: row.id });
    } else {
      const row = currentRow(c);
      if (!row) throw bad(`credential entry ${i} holds no signed JWT${c.format === 'di' ? ' or Data Integrity credential' : ''}`);
      rows.push(row);
    }
  }
  return { rows, aliases };
}

/**
 * Checks decrypted contents field by field before anything is written: a backup that
 * authenticates but was written by something else still must not half-restore.
 */
export function parseBackupContents(value: unknown): BackupContents {
  if (!isJsonObject(value) || value.type !== 'tradewind-wallet-backup' || (value.version !== 1 && value.version !== 2)) {
    throw bad('contents are not a version 1 or 2 wallet backup');
  }
  if (!Array.isArray(value.dids) || !Array.isArray(value.credentials)) throw bad('contents lack dids or credentials');
  for (const [i, d] of value.dids.entries()) checkDid(d, i);
  for (const [i, c] of value.credentials.entries()) checkRow(c, i);
  if (
    value.aliases !== undefined &&
    !(Array.isArray(value.aliases) && value.aliases.every((a) => isJsonObject(a) && str(a.alias) && str(a.id)))
  ) {
    throw bad('aliases are malformed');
  }
  return value as unknown as BackupContents;
}

const HEX = /^[0-9a-f]+$/i;

function checkDid(d: unknown, i: number): void {
  const ok =
    isJsonObject(d) &&
    str(d.did) &&
    d.did.startsWith('did:') &&
    str(d.provider) &&
    optStr(d.alias) &&
    optStr(d.controllerKeyId) &&
    Array.isArray(d.keys) &&
    d.keys.every(
      (k) => isJsonObject(k) && str(k.kid) && str(k.type) && str(k.publicKeyHex) && str(k.privateKeyHex) && HEX.test(k.privateKeyHex),
    ) &&
    (d.services === undefined || Array.isArray(d.services));
  if (!ok) throw bad(`DID entry ${i} is malformed`);
}

function checkRow(c: unknown, i: number): void {
  const ok =
    isJsonObject(c) &&
    str(c.id) &&
    str(c.raw) &&
    (c.raw_kind === 'jwt' || c.raw_kind === 'json') &&
    str(c.format) &&
    str(c.issuer) &&
    str(c.types) &&
    nullable(c.credential_id, 'string') &&
    nullable(c.subject, 'string') &&
    nullable(c.status, 'string') &&
    (c.json === undefined || nullable(c.json, 'string')) &&
    (c.claims === undefined || nullable(c.claims, 'string')) &&
    (c.material === undefined || nullable(c.material, 'string')) &&
    (c.valid_from === null || time(c.valid_from)) &&
    (c.valid_until === null || time(c.valid_until)) &&
    time(c.received_at);
  if (!ok) throw bad(`credential entry ${i} is malformed`);
  try {
    const types: unknown = JSON.parse(c.types as string);
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) throw new Error('types');
  } catch {
    throw bad(`credential entry ${i} has malformed types`);
  }
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const nullable = (v: unknown, t: 'string' | 'number') => v === null || typeof v === t;
// Epoch milliseconds a Date can hold.
const time = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= 8.64e15;

function bad(message: string): TradewindError {
  return new TradewindError('BACKUP_INVALID', `backup ${message}`);
}
