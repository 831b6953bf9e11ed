import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StateStore } from '../state-store.js';

/**
 * The OpenID4VCI state: offers (with their pre-authorized code and transaction code),
 * access tokens and c_nonces, in the service's state database. Codes, tokens and nonces
 * are stored as hashes only; a transaction code (short, guessable) as an HMAC under a
 * key derived from the service secret, so the database alone does not reveal it.
 * Times are milliseconds since the epoch (BIGINT on PostgreSQL).
 */
export const OID4VCI_MIGRATION = {
  sqlite: `
CREATE TABLE oid4vci_offer (
  id_hash TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE,
  credential_configuration_id TEXT NOT NULL,
  request TEXT,
  record_key TEXT NOT NULL,
  tx_code_hash TEXT,
  tx_code_length INTEGER,
  tx_code_input_mode TEXT,
  tx_code_attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  code_used_at INTEGER,
  issued_at INTEGER,
  credential_id TEXT
);
CREATE INDEX oid4vci_offer_expires ON oid4vci_offer (expires_at);
CREATE TABLE oid4vci_token (
  token_hash TEXT PRIMARY KEY,
  offer_hash TEXT NOT NULL REFERENCES oid4vci_offer (id_hash),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX oid4vci_token_expires ON oid4vci_token (expires_at);
CREATE TABLE oid4vci_nonce (
  nonce_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  consumed_at INTEGER
);
CREATE INDEX oid4vci_nonce_expires ON oid4vci_nonce (expires_at);
`,
  postgres: `
CREATE TABLE oid4vci_offer (
  id_hash TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE,
  credential_configuration_id TEXT NOT NULL,
  request TEXT,
  record_key TEXT NOT NULL,
  tx_code_hash TEXT,
  tx_code_length INTEGER,
  tx_code_input_mode TEXT,
  tx_code_attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  code_used_at BIGINT,
  issued_at BIGINT,
  credential_id TEXT
);
CREATE INDEX oid4vci_offer_expires ON oid4vci_offer (expires_at);
CREATE TABLE oid4vci_token (
  token_hash TEXT PRIMARY KEY,
  offer_hash TEXT NOT NULL REFERENCES oid4vci_offer (id_hash),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX oid4vci_token_expires ON oid4vci_token (expires_at);
CREATE TABLE oid4vci_nonce (
  nonce_hash TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE INDEX oid4vci_nonce_expires ON oid4vci_nonce (expires_at);
`,
};

/** How long a claim of an offer for issuance holds when it is neither completed nor released, ms. */
export const CLAIM_LEASE_MS = 60_000;

/** Wrong transaction codes accepted per offer before it is locked. */
export const TX_CODE_ATTEMPTS = 5;

export interface OfferRow {
  id_hash: string;
  code_hash: string;
  credential_configuration_id: string;
  request: string | null;
  record_key: string;
  tx_code_hash: string | null;
  tx_code_length: number | null;
  tx_code_input_mode: string | null;
  tx_code_attempts: number;
  created_at: number;
  expires_at: number;
  code_used_at: number | null;
  issued_at: number | null;
  credential_id: string | null;
}

/** 32 random bytes, base64url: offer ids, access tokens, nonces. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A short reference to an offer for logs: not the id (a bearer secret), not reversible. */
export function offerRef(idHash: string): string {
  return idHash.slice(0, 12);
}

export type TokenGrant =
  | { ok: true; offer: OfferRow; token: string; expiresAt: number }
  | { ok: false; error: 'invalid_grant' | 'invalid_request'; description: string; reason: string };

export class Oid4vciStore {
  readonly #key: Buffer;

  constructor(
    readonly state: StateStore,
    secret: string,
  ) {
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'tradewind oid4vci state', 32));
  }

  static async open(state: StateStore, secret: string): Promise<Oid4vciStore> {
    await state.migrate('oid4vci-1', OID4VCI_MIGRATION);
    return new Oid4vciStore(state, secret);
  }

  /** The pre-authorized code of an offer: an HMAC of its id, so it is never stored, only its hash. */
  preAuthorizedCode(offerId: string): string {
    return createHmac('sha256', this.#key).update(`pre-authorized_code:${offerId}`).digest('base64url');
  }

  txCodeHash(idHash: string, txCode: string): string {
    return createHmac('sha256', this.#key).update(`tx_code:${idHash}:${txCode}`).digest('hex');
  }

  /**
   * Stores a new offer; false (and nothing stored) when another offer for the same record
   * key is still live (unexpired and not issued), checked in the same transaction.
   */
  async createOffer(row: Omit<OfferRow, 'tx_code_attempts' | 'code_used_at' | 'issued_at' | 'credential_id'>): Promise<boolean> {
    return this.state.transaction(async () => {
      // Instances on one PostgreSQL database: two offers for one record must not both find none live.
      await this.state.lock(`oid4vci offer ${row.record_key}`);
      const live = await this.state.get(
        'SELECT id_hash FROM oid4vci_offer WHERE record_key = ? AND expires_at > ? AND issued_at IS NULL LIMIT 1',
        [row.record_key, row.created_at],
      );
      if (live) return false;
      // Expired offers that were never used carry claims nobody will collect: drop them.
      // Housekeeping any instance does: rows another transaction is cleaning are left to it.
      const skip = this.state.skipLocked;
      await this.state.run(
        `DELETE FROM oid4vci_token WHERE token_hash IN (SELECT token_hash FROM oid4vci_token WHERE expires_at <= ?${skip})`,
        [row.created_at],
      );
      await this.state.run(
        `UPDATE oid4vci_offer SET request = NULL
           WHERE id_hash IN (SELECT id_hash FROM oid4vci_offer WHERE expires_at <= ? AND request IS NOT NULL${skip})`,
        [row.created_at],
      );
      await this.state.run(
        `INSERT INTO oid4vci_offer (id_hash, code_hash, credential_configuration_id, request, record_key, tx_code_hash, tx_code_length,
           tx_code_input_mode, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.id_hash,
          row.code_hash,
          row.credential_configuration_id,
          row.request,
          row.record_key,
          row.tx_code_hash,
          row.tx_code_length,
          row.tx_code_input_mode,
          row.created_at,
          row.expires_at,
        ],
      );
      return true;
    });
  }

  offerById(idHash: string): Promise<OfferRow | undefined> {
    return this.state.get<OfferRow>('SELECT * FROM oid4vci_offer WHERE id_hash = ?', [idHash]);
  }

  /**
   * Redeems a pre-authorized code for an access token, in one transaction: the code must
   * name an offer, be unused and unexpired, and come with the right transaction code
   * (each wrong one counts; after {@link TX_CODE_ATTEMPTS} the offer is locked). The
   * offer's row is read FOR UPDATE on PostgreSQL (SQLite runs one transaction at a time),
   * and the code is spent by a conditional UPDATE, so of two concurrent redemptions one
   * wins, and concurrent wrong transaction codes are counted one after another.
   */
  async redeem(code: string, txCode: string | undefined, now: number, tokenTtlMs: number): Promise<TokenGrant> {
    const codeHash = sha256(code);
    return this.state.transaction(async (): Promise<TokenGrant> => {
      // The offer's row is locked until the transaction ends: concurrent redemptions (on
      // PostgreSQL, from any instance) each see the attempts and the use of the ones before.
      const offer = await this.state.get<OfferRow>(`SELECT * FROM oid4vci_offer WHERE code_hash = ?${this.state.forUpdate}`, [codeHash]);
      const refuse = (error: 'invalid_grant' | 'invalid_request', description: string, reason: string): TokenGrant => ({
        ok: false,
        error,
        description,
        reason,
      });
      if (!offer) return refuse('invalid_grant', 'the pre-authorized code is not valid', 'unknown');
      if (offer.code_used_at !== null) return refuse('invalid_grant', 'the pre-authorized code was already used', 'used');
      if (offer.expires_at <= now) return refuse('invalid_grant', 'the pre-authorized code has expired', 'expired');
      if (offer.tx_code_hash === null) {
        if (txCode !== undefined)
          return refuse('invalid_request', 'this offer has no transaction code, but tx_code was sent', 'tx_code_unexpected');
      } else {
        if (offer.tx_code_attempts >= TX_CODE_ATTEMPTS)
          return refuse('invalid_grant', 'too many wrong transaction codes: the offer is locked', 'tx_code_locked');
        if (txCode === undefined) return refuse('invalid_request', 'this offer needs its transaction code (tx_code)', 'tx_code_missing');
        const given = Buffer.from(this.txCodeHash(offer.id_hash, txCode), 'hex');
        if (!timingSafeEqual(given, Buffer.from(offer.tx_code_hash, 'hex'))) {
          await this.state.run('UPDATE oid4vci_offer SET tx_code_attempts = tx_code_attempts + 1 WHERE id_hash = ?', [offer.id_hash]);
          const left = TX_CODE_ATTEMPTS - offer.tx_code_attempts - 1;
          return refuse(
            'invalid_grant',
            left > 0 ? `the transaction code is wrong (${left} attempts left)` : 'the transaction code is wrong; the offer is now locked',
            'tx_code_wrong',
          );
        }
      }
      const spent = await this.state.run(
        'UPDATE oid4vci_offer SET code_used_at = ? WHERE id_hash = ? AND code_used_at IS NULL AND expires_at > ?',
        [now, offer.id_hash, now],
      );
      if (spent !== 1) return refuse('invalid_grant', 'the pre-authorized code was already used', 'used');
      const token = randomToken();
      const expiresAt = now + tokenTtlMs;
      await this.state.run('INSERT INTO oid4vci_token (token_hash, offer_hash, created_at, expires_at) VALUES (?, ?, ?, ?)', [
        sha256(token),
        offer.id_hash,
        now,
        expiresAt,
      ]);
      return { ok: true, offer, token, expiresAt };
    });
  }

  /** The offer an unexpired access token was issued for. */
  async offerForToken(token: string, now: number): Promise<OfferRow | undefined> {
    return this.state.get<OfferRow>(
      `SELECT o.* FROM oid4vci_token t JOIN oid4vci_offer o ON o.id_hash = t.offer_hash
       WHERE t.token_hash = ? AND t.expires_at > ?`,
      [sha256(token), now],
    );
  }

  async createNonce(now: number, ttlMs: number): Promise<string> {
    const nonce = randomToken();
    await this.state.transaction(async () => {
      await this.state.run(
        `DELETE FROM oid4vci_nonce WHERE nonce_hash IN (SELECT nonce_hash FROM oid4vci_nonce WHERE expires_at <= ?${this.state.skipLocked})`,
        [now],
      );
      await this.state.run('INSERT INTO oid4vci_nonce (nonce_hash, created_at, expires_at) VALUES (?, ?, ?)', [
        sha256(nonce),
        now,
        now + ttlMs,
      ]);
    });
    return nonce;
  }

  /** Spends a c_nonce: true once for a nonce this service handed out that has not expired. */
  consumeNonce(nonce: string, now: number): Promise<boolean> {
    return this.state.transaction(async () => {
      const changed = await this.state.run(
        'UPDATE oid4vci_nonce SET consumed_at = ? WHERE nonce_hash = ? AND consumed_at IS NULL AND expires_at > ?',
        [now, sha256(nonce), now],
      );
      return changed === 1;
    });
  }

  /**
   * Claims an offer for issuance (so two credential requests with one token cannot both
   * issue): true for the first caller. The claims are dropped once the credential is issued.
   * A claim that was never completed nor released after {@link CLAIM_LEASE_MS} (its
   * issuance failed while the database was unreachable, so the release failed too) can be
   * claimed again; the record key keeps a second issuance from happening if the first had
   * committed after all.
   */
  claimIssuance(idHash: string, now: number): Promise<boolean> {
    return this.state.transaction(async () => {
      const changed = await this.state.run(
        `UPDATE oid4vci_offer SET issued_at = ? WHERE id_hash = ? AND request IS NOT NULL
           AND (issued_at IS NULL OR (credential_id IS NULL AND issued_at <= ?))`,
        [now, idHash, now - CLAIM_LEASE_MS],
      );
      return changed === 1;
    });
  }

  releaseIssuance(idHash: string): Promise<void> {
    return this.state.transaction(async () => {
      await this.state.run('UPDATE oid4vci_offer SET issued_at = NULL WHERE id_hash = ?', [idHash]);
    });
  }

  completeIssuance(idHash: string, credentialId: string): Promise<void> {
    return this.state.transaction(async () => {
      await this.state.run('UPDATE oid4vci_offer SET credential_id = ?, request = NULL WHERE id_hash = ?', [credentialId, idHash]);
    });
  }
}
