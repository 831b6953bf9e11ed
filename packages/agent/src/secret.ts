import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { TradewindError } from '@tradewind/core';
import { SecretBox } from '@veramo/kms-local';
import type { DataSource } from 'typeorm';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** scrypt parameters; stored per database so they can be raised later without breaking old files. */
export interface KdfParams {
  alg: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

/** Default cost: ~100 ms and 32 MiB on a laptop, paid once per open. */
export const DEFAULT_KDF = { N: 2 ** 15, r: 8, p: 1 } as const;

// A fixed plaintext encrypted under the derived key. Decrypting it proves the secret
// is right before any key is touched or any row is written.
const CHECK_PLAINTEXT = 'tradewind-secret-check-v1';

/**
 * Derives the 32-byte SecretBox key from the user's secret with the database's salt,
 * creating salt and check value on first use. Throws `WRONG_SECRET` when the secret
 * does not open this database.
 */
export async function unlockSecretBox(
  db: DataSource,
  engine: 'sqlite' | 'postgres',
  secret: string,
  kdf: { N: number; r: number; p: number } = DEFAULT_KDF,
): Promise<SecretBox> {
  if (typeof secret !== 'string' || secret.length === 0) throw new TradewindError('INVALID_ARGUMENT', 'a non-empty secret is required');
  let rows = await readMeta(db);
  if (!rows.kdf || !rows.check) {
    const params: KdfParams = { alg: 'scrypt', ...kdf, salt: randomBytes(16).toString('hex') };
    const box = new SecretBox(await deriveKey(secret, params));
    const check = await box.encrypt(CHECK_PLAINTEXT);
    // ON CONFLICT DO NOTHING: if another process initialised the database meanwhile,
    // its values win and we re-read them below.
    const [a, b] = engine === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    await db.query(`INSERT INTO "tradewind_meta" ("key", "value") VALUES ('kdf', ${a}), ('check', ${b}) ON CONFLICT ("key") DO NOTHING`, [
      JSON.stringify(params),
      check,
    ]);
    rows = await readMeta(db);
  }
  if (!rows.kdf || !rows.check) throw new TradewindError('STORAGE_ERROR', 'database secret parameters are missing');
  const params = parseParams(rows.kdf);
  const box = new SecretBox(await deriveKey(secret, params));
  const opened = await box.decrypt(rows.check).catch(() => '');
  const a = Buffer.from(opened);
  const b = Buffer.from(CHECK_PLAINTEXT);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new TradewindError('WRONG_SECRET', 'the secret does not open this database');
  }
  return box;
}

async function deriveKey(secret: string, params: KdfParams): Promise<string> {
  const key = await scrypt(secret.normalize('NFC'), Buffer.from(params.salt, 'hex'), 32, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r,
  });
  return key.toString('hex');
}

async function readMeta(db: DataSource): Promise<{ kdf?: string; check?: string }> {
  const rows = (await db.query(`SELECT "key", "value" FROM "tradewind_meta" WHERE "key" IN ('kdf', 'check')`)) as Array<{
    key: string;
    value: string;
  }>;
  const out: { kdf?: string; check?: string } = {};
  for (const r of rows) if (r.key === 'kdf' || r.key === 'check') out[r.key] = r.value;
  return out;
}

function parseParams(text: string): KdfParams {
  try {
    const p = JSON.parse(text) as KdfParams;
    if (p.alg === 'scrypt' && Number.isInteger(p.N) && Number.isInteger(p.r) && Number.isInteger(p.p) && /^[0-9a-f]{32}$/.test(p.salt))
      return p;
  } catch {
    // fall through
  }
  throw new TradewindError('STORAGE_ERROR', 'database secret parameters are corrupt');
}
