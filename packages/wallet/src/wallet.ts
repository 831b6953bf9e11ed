import { type CreateDidOptions, type ManagedDid, openAgent, type TradewindAgent } from '@tradewind/agent';
import { type JsonObject, TradewindError, type VerificationIssue } from '@tradewind/core';
import { createVerifier, type VerifiedCredential, type Verifier, type VerifyOptions } from '@tradewind/verifier';
import { type BackupKdf, DEFAULT_BACKUP_KDF, openBackup, sealBackup } from './backup/container.js';
import { backupContents, parseBackupContents } from './backup/contents.js';
import { type CredentialRow, rawOf, type StoredCredential, toRow } from './credential-record.js';
import { exportDids, importDids, removeDids } from './holder-keys.js';
import { boundHolder, buildPresentation, type PresentationRequest, presentationFormat } from './presentation.js';
import { CredentialRejectedError, type RejectedCredential } from './rejection.js';
import { CredentialStore } from './store/credential-store.js';
import type { CredentialQuery } from './store/query.js';

export interface OpenWalletOptions {
  /** SQLite file holding keys, DIDs and credentials. */
  path: string;
  /** The user's secret; keys are encrypted at rest with a key derived from it. */
  secret: string;
  /** Create the file when missing (default true); false and no file → `NOT_FOUND`. */
  create?: boolean;
  /** Verification options (trusted issuers, clock skew, resolver, ...) applied to every `receive`. */
  verify?: VerifyOptions;
  /** scrypt cost for the key-encryption key of a new database (default N=2^15, r=8, p=1). */
  kdf?: { N: number; r: number; p: number };
}

/** Result of {@link Wallet.receive}. */
export interface Received {
  /** False when the wallet already held this credential (nothing was written). */
  added: boolean;
  credential: StoredCredential;
  /** The verifier's non-fatal findings (for example a status list it could only warn about). */
  warnings: VerificationIssue[];
}

/** A holder DID of this wallet. */
export type HolderDid = ManagedDid;

/** A verified credential, for {@link Wallet.storeVerified}: the input as received and the verifier's result for it. */
export interface VerifiedInput {
  input: string | JsonObject;
  verification: VerifiedCredential;
}

/** What {@link Wallet.importBackup} restored. */
export interface RestoreSummary {
  dids: string[];
  credentials: number;
}

/**
 * A holder's wallet: DIDs and keys in a Veramo agent, credentials in the wallet's own
 * indexed table, both in one SQLite file.
 */
export class Wallet {
  private constructor(
    /** The agent holding the wallet's DIDs and keys. */
    readonly agent: TradewindAgent,
    private readonly store: CredentialStore,
    private readonly verifier: Verifier,
  ) {}

  /** @internal use {@link openWallet}. */
  static async open(options: OpenWalletOptions): Promise<Wallet> {
    const agent = await openAgent({
      path: options.path,
      secret: options.secret,
      ...(options.create === undefined ? {} : { create: options.create }),
      ...(options.kdf ? { kdf: options.kdf } : {}),
    });
    try {
      const store = await CredentialStore.open(options.path);
      return new Wallet(agent, store, createVerifier(options.verify ?? {}));
    } catch (e) {
      await agent.close();
      throw e;
    }
  }

  /**
   * Creates a holder DID: did:key (Ed25519 default, or P-256) or did:jwk.
   *
   * @example
   * ```ts
   * const me = await wallet.createDid({ method: 'jwk', keyType: 'P-256' })
   * ```
   */
  async createDid(options: { method?: 'key' | 'jwk'; keyType?: 'Ed25519' | 'P-256'; alias?: string } = {}): Promise<HolderDid> {
    const method = options.method ?? 'key';
    if (method !== 'key' && method !== 'jwk')
      throw new TradewindError('INVALID_ARGUMENT', `holder DIDs are did:key or did:jwk, not did:${String(method)}`);
    const create: CreateDidOptions = { method, keyType: options.keyType ?? 'Ed25519' };
    if (options.alias !== undefined) create.alias = options.alias;
    return this.agent.createDid(create);
  }

  /** The wallet's holder DIDs. */
  listDids(): Promise<HolderDid[]> {
    return this.agent.listDids();
  }

  /**
   * Verifies a credential and stores it exactly as received. A credential that does not
   * verify is not stored: `CredentialRejectedError` (a TradewindError) with the
   * verifier's first code and all its errors. Receiving the same credential twice
   * stores it once.
   *
   * @example
   * ```ts
   * const { credential, added } = await wallet.receive(jwt)
   * credential.types // ['VerifiableCredential', 'NationalIdCredential']
   * ```
   */
  async receive(input: string | JsonObject, options?: VerifyOptions): Promise<Received> {
    const raw = rawOf(input);
    const result = await this.verifier.verifyCredential(input, options);
    if (!result.verified) throw new CredentialRejectedError([{ index: 0, errors: result.errors }], false);
    const row = toRow(raw, result, Date.now());
    const added = await this.store.put(row);
    const stored = await this.get(row.id);
    return { added, credential: stored, warnings: result.warnings };
  }

  /**
   * Verifies a batch and stores all of it in one transaction, or nothing: when any
   * credential fails, `CredentialRejectedError` lists every refused one (`rejected`).
   * Returns the wallet ids in input order.
   *
   * @example
   * ```ts
   * const ids = await wallet.receiveAll([idCard, birthCertificate, drivingPermit])
   * ```
   */
  async receiveAll(inputs: ReadonlyArray<string | JsonObject>, options?: VerifyOptions): Promise<string[]> {
    if (!Array.isArray(inputs)) throw new TradewindError('INVALID_ARGUMENT', 'receiveAll takes an array of credentials');
    const raws = inputs.map(rawOf);
    const results = await this.verifier.verifyCredentials(inputs, options);
    const rejected: RejectedCredential[] = [];
    results.forEach((r, index) => {
      if (!r.verified) rejected.push({ index, errors: r.errors });
    });
    if (rejected.length > 0) throw new CredentialRejectedError(rejected, true);
    const now = Date.now();
    const rows = results.map((r, i) => toRow(raws[i] as ReturnType<typeof rawOf>, r as VerifiedCredential, now));
    await this.store.putAll(rows);
    return rows.map((r) => r.id);
  }

  /**
   * Stores credentials the caller has already verified with `@tradewind/verifier`
   * (for example in a batch through its own verifier and policy), all or nothing.
   * Each entry must carry a successful verification result.
   */
  async storeVerified(entries: readonly VerifiedInput[]): Promise<string[]> {
    const now = Date.now();
    const rows = entries.map((e, i) => {
      if (e?.verification?.verified !== true)
        throw new TradewindError('INVALID_ARGUMENT', `entry ${i} carries no successful verification result`);
      return toRow(rawOf(e.input), e.verification, now);
    });
    await this.store.putAll(rows);
    return rows.map((r) => r.id);
  }

  /**
   * One credential by wallet id; `NOT_FOUND` when there is none.
   *
   * @example
   * ```ts
   * const c = await wallet.get(id); c.credential // the JWT exactly as received
   * ```
   */
  async get(id: string): Promise<StoredCredential> {
    if (typeof id !== 'string' || id.length === 0) throw new TradewindError('INVALID_ARGUMENT', 'a credential id is required');
    const found = await this.store.get(id);
    if (!found) throw new TradewindError('NOT_FOUND', `no credential ${id} in this wallet`);
    return found;
  }

  /**
   * Credentials matching a query (type, issuer, subject, valid at a time), oldest first.
   *
   * @example
   * ```ts
   * const permits = await wallet.find({ type: 'DrivingPermit', validAt: new Date() })
   * ```
   */
  find(query: CredentialQuery = {}): Promise<StoredCredential[]> {
    return this.store.find(query);
  }

  /** Every credential (or a page of them), oldest first. */
  list(page: Pick<CredentialQuery, 'limit' | 'offset'> = {}): Promise<StoredCredential[]> {
    return this.store.find(page);
  }

  /** How many credentials the wallet holds. */
  count(): Promise<number> {
    return this.store.count();
  }

  /** Deletes a credential; `NOT_FOUND` when there is none with that id. */
  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new TradewindError('NOT_FOUND', `no credential ${id} in this wallet`);
  }

  /**
   * Signs a presentation of stored credentials for one audience and nonce, with the key
   * of the holder DID the credentials are about.
   *
   * @example
   * ```ts
   * const vp = await wallet.present({ credentials: [id], audience: 'https://bank.example.bb', nonce })
   * ```
   */
  async present(request: PresentationRequest): Promise<string> {
    if (!request || typeof request.audience !== 'string' || request.audience.length === 0) {
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs an audience');
    }
    if (typeof request.nonce !== 'string' || request.nonce.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs a nonce');
    if (!Array.isArray(request.credentials) || request.credentials.length === 0) {
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs at least one credential');
    }
    const credentials = await Promise.all(request.credentials.map((c) => this.get(typeof c === 'string' ? c : c?.id)));
    const holderDid = boundHolder(credentials);
    const holder = await this.agent.getDid(holderDid).catch((cause: unknown) => {
      throw new TradewindError('HOLDER_BINDING', `the credentials are about ${holderDid}, which is not a DID of this wallet`, { cause });
    });
    const at = (request.now ?? new Date()).getTime();
    for (const c of credentials) {
      if (c.validUntil && c.validUntil.getTime() <= at)
        throw new TradewindError('EXPIRED', `credential ${c.id} expired on ${c.validUntil.toISOString()}`);
      if (c.validFrom && c.validFrom.getTime() > at)
        throw new TradewindError('NOT_YET_VALID', `credential ${c.id} is valid from ${c.validFrom.toISOString()}`);
    }
    const format = presentationFormat(request.format, credentials);
    const { header, payload } = buildPresentation(format, holder, credentials, request);
    return this.agent.signJwt(header, payload, holder.keyId);
  }

  /**
   * One encrypted file holding the wallet's keys, DIDs and credentials (format in the README).
   *
   * @example
   * ```ts
   * await writeFile('wallet.twbackup', await wallet.exportBackup(passphrase))
   * ```
   */
  async exportBackup(passphrase: string, options: { kdf?: BackupKdf } = {}): Promise<Buffer> {
    if (typeof passphrase !== 'string' || passphrase.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a non-empty passphrase is required');
    const dids = await exportDids(this.agent);
    const rows = await this.store.rows();
    return sealBackup(backupContents(dids, rows, new Date()), passphrase, options.kdf ?? DEFAULT_BACKUP_KDF);
  }

  /**
   * Restores a backup into this wallet, which must be empty. A wrong passphrase or a
   * damaged file is `BACKUP_INVALID` and changes nothing.
   *
   * @example
   * ```ts
   * const fresh = await openWallet({ path: 'restored.db', secret })
   * await fresh.importBackup(await readFile('wallet.twbackup'), passphrase)
   * ```
   */
  async importBackup(file: Uint8Array, passphrase: string): Promise<RestoreSummary> {
    if (!(file instanceof Uint8Array)) throw new TradewindError('INVALID_ARGUMENT', 'a backup is a byte array');
    const contents = parseBackupContents(await openBackup(file, passphrase));
    if ((await this.store.count()) > 0 || (await this.agent.listDids()).length > 0) {
      throw new TradewindError('INVALID_ARGUMENT', 'a backup restores into an empty wallet only');
    }
    const dids = await importDids(this.agent, contents.dids);
    try {
      await this.store.putAll(contents.credentials as CredentialRow[]);
    } catch (e) {
      await removeDids(this.agent, dids);
      throw e;
    }
    return { dids, credentials: contents.credentials.length };
  }

  /** `PRAGMA integrity_check` of the database file: `'ok'` when sound. */
  integrityCheck(): Promise<string> {
    return this.store.integrityCheck();
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.store.close();
    await this.agent.close();
  }
}

/**
 * Opens (or creates) a wallet on an SQLite file. A wrong secret is `WRONG_SECRET`.
 *
 * @example
 * ```ts
 * const wallet = await openWallet({ path: 'wallet.db', secret: process.env.TRADEWIND_SECRET! })
 * ```
 */
export function openWallet(options: OpenWalletOptions): Promise<Wallet> {
  return Wallet.open(options);
}
