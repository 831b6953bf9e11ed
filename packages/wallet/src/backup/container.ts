import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TradewindError } from '@tradewind/core';
import { describe, readOptions } from '../arguments.js';

// Backup file layout, version 1 (all integers unsigned, one byte each):
//
//   offset  size  field
//   0       8     magic, ASCII "TWWALLET"
//   8       1     format version = 1
//   9       1     KDF id: 1 = scrypt
//   10      1     log2(N), scrypt cost (10..17)
//   11      1     r, scrypt block size (8)
//   12      1     p, scrypt parallelism (1)
//   13      16    salt (random per file)
//   29      12    iv (random per file), the AES-256-GCM nonce
//   41      16    GCM authentication tag
//   57      ...   ciphertext of the gzip-compressed UTF-8 JSON contents
//
// The key is scrypt(passphrase NFC, salt, N, r, p) → 32 bytes. Bytes 0..40 (everything
// before the tag) are the GCM additional authenticated data, so a changed parameter,
// salt or iv is detected like a changed ciphertext.

export const BACKUP_MAGIC = Buffer.from('TWWALLET', 'ascii');
export const BACKUP_VERSION = 1;
const KDF_SCRYPT = 1;
const HEADER_LENGTH = 41;
const TAG_LENGTH = 16;

/** scrypt cost of a backup: N = 2^log2N. */
export interface BackupKdf {
  log2N: number;
  r: number;
  p: number;
}

/** Default cost (N=2^15, r=8, p=1): about 100 ms and 32 MiB per export or import. */
export const DEFAULT_BACKUP_KDF: BackupKdf = { log2N: 15, r: 8, p: 1 };

// The only scrypt parameters a backup may carry, written and read alike: r = 8, p = 1 and
// N from 2^10 to 2^17, so at most 128 MiB and about half a second. A file is checked
// against them before any key is derived, so a crafted header costs no more than the
// costliest backup this wallet writes (it cannot ask for 2 GiB: N = 2^20, r = 16).
const MIN_LOG2N = 10;
const MAX_LOG2N = 17;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const MAX_PLAINTEXT = 1024 * 1024 * 1024;

/** Encrypts `contents` (any JSON value) under a passphrase into one backup file. */
export async function sealBackup(contents: unknown, passphrase: string, kdf: BackupKdf = DEFAULT_BACKUP_KDF): Promise<Buffer> {
  checkPassphrase(passphrase);
  checkKdf(kdf, 'INVALID_ARGUMENT');
  const header = Buffer.alloc(HEADER_LENGTH);
  BACKUP_MAGIC.copy(header, 0);
  header.writeUInt8(BACKUP_VERSION, 8);
  header.writeUInt8(KDF_SCRYPT, 9);
  header.writeUInt8(kdf.log2N, 10);
  header.writeUInt8(kdf.r, 11);
  header.writeUInt8(kdf.p, 12);
  randomBytes(16).copy(header, 13);
  randomBytes(12).copy(header, 29);
  const key = await deriveKey(passphrase, header.subarray(13, 29), kdf);
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(29, 41), { authTagLength: TAG_LENGTH });
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(gzipSync(Buffer.from(JSON.stringify(contents), 'utf8'))), cipher.final()]);
  key.fill(0);
  return Buffer.concat([header, cipher.getAuthTag(), ciphertext]);
}

/**
 * Decrypts a backup file and returns its JSON contents. Any failure — not a backup, an
 * unknown version, a wrong passphrase, a single changed byte — is `BACKUP_INVALID`.
 */
export async function openBackup(file: Uint8Array, passphrase: string): Promise<unknown> {
  checkPassphrase(passphrase);
  const data = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (data.length < HEADER_LENGTH + TAG_LENGTH || !data.subarray(0, 8).equals(BACKUP_MAGIC)) {
    throw invalid('the file is not a Tradewind wallet backup');
  }
  const version = data.readUInt8(8);
  if (version !== BACKUP_VERSION)
    throw invalid(`backup format version ${version} is not supported (this wallet reads version ${BACKUP_VERSION})`);
  if (data.readUInt8(9) !== KDF_SCRYPT) throw invalid(`unknown key derivation function ${data.readUInt8(9)}`);
  const kdf: BackupKdf = { log2N: data.readUInt8(10), r: data.readUInt8(11), p: data.readUInt8(12) };
  checkKdf(kdf, 'BACKUP_INVALID');
  const header = data.subarray(0, HEADER_LENGTH);
  const key = await deriveKey(passphrase, header.subarray(13, 29), kdf);
  let compressed: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(29, 41), { authTagLength: TAG_LENGTH });
    decipher.setAAD(header);
    decipher.setAuthTag(data.subarray(HEADER_LENGTH, HEADER_LENGTH + TAG_LENGTH));
    compressed = Buffer.concat([decipher.update(data.subarray(HEADER_LENGTH + TAG_LENGTH)), decipher.final()]);
  } catch (cause) {
    throw invalid('wrong passphrase, or the backup file is damaged', cause);
  } finally {
    key.fill(0);
  }
  try {
    return JSON.parse(gunzipSync(compressed, { maxOutputLength: MAX_PLAINTEXT }).toString('utf8'));
  } catch (cause) {
    throw invalid('backup contents cannot be read', cause);
  }
}

function deriveKey(passphrase: string, salt: Buffer, kdf: BackupKdf): Promise<Buffer> {
  const N = 2 ** kdf.log2N;
  // scrypt needs 128·N·r bytes; the bound (never above 2^17 · 8 · 256 = 256 MiB) only leaves it room.
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r }, (err, key) =>
      err ? reject(new TradewindError('BACKUP_INVALID', `key derivation failed: ${err.message}`, { cause: err })) : resolve(key),
    ),
  );
}

function checkKdf(given: BackupKdf, code: 'INVALID_ARGUMENT' | 'BACKUP_INVALID'): void {
  const kdf = readOptions<BackupKdf>(given ?? null, 'kdf');
  const ok =
    typeof kdf === 'object' &&
    kdf !== null &&
    Number.isInteger(kdf.log2N) &&
    kdf.log2N >= MIN_LOG2N &&
    kdf.log2N <= MAX_LOG2N &&
    kdf.r === SCRYPT_R &&
    kdf.p === SCRYPT_P;
  if (!ok) {
    throw new TradewindError(
      code,
      `scrypt parameters must be log2N ${MIN_LOG2N}..${MAX_LOG2N}, r ${SCRYPT_R}, p ${SCRYPT_P}; got ${describe(given)}`,
    );
  }
}

function checkPassphrase(passphrase: unknown): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0)
    throw new TradewindError('INVALID_ARGUMENT', 'a non-empty passphrase is required');
}

function invalid(message: string, cause?: unknown): TradewindError {
  return new TradewindError('BACKUP_INVALID', message, cause === undefined ? undefined : { cause });
}
