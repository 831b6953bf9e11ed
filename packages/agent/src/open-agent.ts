import { chmodSync, existsSync } from 'node:fs';
import { base64urlEncode, TradewindError, utf8Encode } from '@tradewind/core';
import { createAgent } from '@veramo/core';
import type {
  ICredentialPlugin,
  IDataStore,
  IDataStoreORM,
  IDIDManager,
  IIdentifier,
  IKeyManager,
  IResolver,
  TAgent,
} from '@veramo/core-types';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DataStore, DataStoreORM, DIDStore, KeyStore, PrivateKeyStore } from '@veramo/data-store';
import { DIDManager } from '@veramo/did-manager';
import { getDidJwkResolver } from '@veramo/did-provider-jwk';
import { WebDIDProvider } from '@veramo/did-provider-web';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager } from '@veramo/key-manager';
import { type DIDResolver, Resolver } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource, poolOf, withDatabaseLock } from './data-source.js';
import {
  asStorageFailure,
  type DatabaseEngine,
  type DatabaseLocation,
  loadPg,
  parseDatabaseLocation,
  toPostgresPlaceholders,
} from './database.js';
import { TradewindJwkDidProvider } from './did-jwk-provider.js';
import { TradewindKeyDidProvider } from './did-key-provider.js';
import { withInitLock } from './init-lock.js';
import {
  type DidMethod,
  didWebDocument,
  type KeyAlgorithm,
  type ManagedDid,
  type RetiredKey,
  THUMBPRINT_VERIFICATION_METHOD,
  toManagedDid,
} from './managed-did.js';
import { allMigrations, prepareSchema } from './migrate.js';
import { type ExportedKey, NodeCryptoKeyManagementSystem } from './node-crypto-kms.js';
import { DEFAULT_KDF, unlockSecretBox } from './secret.js';
import { PostgresTransactions, type Query, TransactionRunner, type Transactions } from './transaction.js';

/** The Veramo agent type an opened database carries. */
export type VeramoAgent = TAgent<IDIDManager & IKeyManager & IResolver & IDataStore & IDataStoreORM & ICredentialPlugin>;

/** Name under which the node:crypto KMS is registered (kms-local's conventional name, same key layout). */
export const KMS_NAME = 'local';

export interface OpenAgentOptions {
  /**
   * The database: a SQLite file path (created, readable by its owner only, unless
   * `create` is false) or a `postgres://` / `postgresql://` connection URL (the
   * database must exist; its tables are created on first open).
   */
  database?: string;
  /** The older name of {@link database} (a SQLite path or a PostgreSQL URL); give one of the two. */
  path?: string;
  /** The user's secret; the key-encryption key is derived from it with scrypt and a per-database salt. */
  secret: string;
  /** Create the database if it does not exist (default true). When false a missing file throws `NOT_FOUND`. */
  create?: boolean;
  /**
   * What to do with an existing database that lacks migrations of this version:
   * `'auto'` (default) applies them on open; `'refuse'` throws `MIGRATION_REQUIRED`
   * (apply them with `applyMigrations` or `tradewind issuer migrate`). A new, empty
   * database is always created with every migration.
   */
  migrate?: 'auto' | 'refuse';
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Extra TypeORM migrations (classes) of the package using the agent, run after Veramo's and the agent's. */
  migrations?: Array<new () => MigrationInterface>;
  /** scrypt cost for a new database (default N=2^15, r=8, p=1). Existing databases keep theirs. */
  kdf?: { N: number; r: number; p: number };
  /** How long a write waits for another process's lock (SQLite), and an open for another process's migration, in ms (default 30 000). */
  busyTimeoutMs?: number;
  /** Resolver for did:web DIDs this database does not manage (none by default: no network). */
  didWebResolver?: DIDResolver;
}

export interface CreateDidOptions {
  /** `key` (default), `jwk` or `web`. */
  method?: DidMethod;
  /** `Ed25519` (default) or `P-256`. */
  keyType?: KeyAlgorithm;
  /** did:web only: host and optional path, colon-separated as in the DID (`registry.gov.example:issuers:civil`). */
  domain?: string;
  /** A local name for did:key / did:jwk DIDs. */
  alias?: string;
}

export interface RotateKeyOptions {
  /** The rotation time: the old key's `retiredAt` and the new key's `activeFrom` (default now; whole seconds are kept). */
  now?: Date;
  /** The new key's algorithm (default: the old key's). */
  keyType?: KeyAlgorithm;
  /**
   * Runs inside the rotation's transaction before anything is written, with the
   * rotation time as stored; throwing cancels the rotation (e.g. the issuer refuses a
   * time before a credential the old key already signed).
   */
  check?: (query: Query, at: string) => Promise<void>;
}

/** What {@link TradewindAgent.rotateKey} did. */
export interface KeyRotation {
  /** The DID with its new signing key (and every retired key in `retiredKeys`). */
  did: ManagedDid;
  /** The key it replaced, now retired. */
  previous: RetiredKey;
}

// Advisory locks of DID creation (PostgreSQL): this namespace, then a hash of the DID.
const DID_LOCK_NAMESPACE = 0x74774449; // 'twDI'
// Advisory locks of a DID's signing key (PostgreSQL): held shared while signing, exclusive while rotating.
const KEY_LOCK_NAMESPACE = 0x74774b59; // 'twKY'

// tradewind_meta row counting key rotations: another process's rotation shows up as a new value.
const ROTATIONS_KEY = 'keyRotations';

/**
 * One open database: a Veramo agent (DID manager, key manager with the node:crypto KMS,
 * resolver, data store, W3C credential plugin) plus a fast JOSE signing path and a
 * transaction runner for the tables of the packages built on it.
 */
export class TradewindAgent {
  /** Transactions on this database (SQLite: serialised `BEGIN IMMEDIATE`; PostgreSQL: pooled, concurrent). */
  readonly transactions: Transactions;
  /** `sqlite` or `postgres`. */
  readonly engine: DatabaseEngine;
  /** The SQLite path, or the PostgreSQL URL without its password (safe to log). */
  readonly location: string;
  private readonly didCache = new Map<string, ManagedDid>();
  private rotationsSeen: string | undefined;
  private closed = false;

  constructor(
    /** The Veramo agent, for anything Veramo offers beyond this class. */
    readonly veramo: VeramoAgent,
    /** The TypeORM data source (SQLite or PostgreSQL). Run SQL through {@link query} and {@link transaction}, which take `?` placeholders on both engines. */
    readonly dataSource: DataSource,
    /** The key management system (registered in Veramo as {@link KMS_NAME}). */
    readonly kms: NodeCryptoKeyManagementSystem,
    databaseLocation: DatabaseLocation,
  ) {
    this.engine = databaseLocation.engine;
    this.location = databaseLocation.display;
    this.path = databaseLocation.display;
    if (databaseLocation.engine === 'postgres') {
      const pool = poolOf(dataSource);
      this.transactions = new PostgresTransactions(pool, databaseLocation.display);
      this.runQuery = async (sql, parameters) => (await pool.query(toPostgresPlaceholders(sql), parameters as unknown[] | undefined)).rows;
    } else {
      this.transactions = new TransactionRunner(dataSource);
      this.runQuery = (sql, parameters) => dataSource.query(sql, parameters);
    }
  }

  /** The database file, or the PostgreSQL URL without its password (the older name of {@link location}). */
  readonly path: string;
  private readonly runQuery: Query;

  /**
   * Runs one SQL statement outside any transaction and resolves with its rows. Use `?`
   * placeholders on both engines (rewritten to `$n` on PostgreSQL).
   *
   * @example
   * ```ts
   * const rows = await agent.query(`SELECT "value" FROM "tradewind_meta" WHERE "key" = ?`, ['keyRotations'])
   * ```
   */
  query(sql: string, parameters?: unknown[]): Promise<unknown> {
    this.assertOpen();
    return this.runQuery(sql, parameters);
  }

  /**
   * Creates a DID with a new key.
   *
   * @example
   * ```ts
   * const issuer = await agent.createDid({ method: 'key', keyType: 'P-256' })
   * issuer.did // did:key:zDn...
   * ```
   */
  async createDid(options: CreateDidOptions = {}): Promise<ManagedDid> {
    this.assertOpen();
    const method = options.method ?? 'key';
    const keyType = options.keyType ?? 'Ed25519';
    if (keyType !== 'Ed25519' && keyType !== 'P-256')
      throw new TradewindError('INVALID_ARGUMENT', `key type must be Ed25519 or P-256, not ${String(keyType)}`);
    if (method !== 'key' && method !== 'jwk' && method !== 'web')
      throw new TradewindError('INVALID_ARGUMENT', `DID method must be key, jwk or web, not ${String(method)}`);
    const veramoType = keyType === 'Ed25519' ? 'Ed25519' : 'Secp256r1';
    let alias = options.alias;
    if (method === 'web') {
      const domain = options.domain;
      // A DID verifiers can resolve: no `.`/`..` path segment (it would name another
      // document), no empty host label or trailing dot, at most 2048 characters in all.
      if (
        !domain ||
        !/^[A-Za-z0-9.-]+(%3A\d+)?(:[A-Za-z0-9._~%-]+)*$/.test(domain) ||
        domain.length > 2040 ||
        domain.split(':').some((segment) => segment === '.' || segment === '..') ||
        (domain.split(':')[0] as string)
          .split('%3A')[0]
          ?.split('.')
          .some((label) => label === '')
      ) {
        throw new TradewindError(
          'INVALID_ARGUMENT',
          'did:web needs a domain such as registry.gov.example or registry.gov.example:issuers:civil',
        );
      }
      alias = domain;
    }
    const identifier = await this.transactions
      .exclusive(() =>
        this.acrossInstances(alias === undefined || method !== 'web' ? undefined : `did:web:${alias}`, () =>
          this.veramo.didManagerCreate({
            provider: `did:${method}`,
            kms: KMS_NAME,
            ...(alias === undefined ? {} : { alias }),
            // A new did:web key is named after itself (see ManagedDid.verificationMethod).
            options:
              method === 'web'
                ? { keyType: veramoType, key: { meta: { verificationMethodId: THUMBPRINT_VERIFICATION_METHOD } } }
                : { keyType: veramoType },
          }),
        ),
      )
      .catch((cause: unknown) => {
        if (cause instanceof TradewindError) throw cause;
        const message = (cause as Error).message ?? String(cause);
        // Another process created the same DID (a did:web of the same domain) meanwhile: its
        // identifier row went in first (PostgreSQL's unique violation, SQLite's constraint).
        const code = (cause as { code?: unknown }).code;
        if (/already exists/i.test(message)) throw new TradewindError('ALREADY_EXISTS', message, { cause });
        if (code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')))
          throw new TradewindError('ALREADY_EXISTS', `cannot create the DID: it already exists (${message})`, { cause });
        throw new TradewindError('STORAGE_ERROR', `cannot create DID: ${message}`, { cause });
      });
    const managed = toManagedDid(identifier);
    this.didCache.set(managed.did, managed);
    return managed;
  }

  /**
   * PostgreSQL: runs `fn` while this process holds the session advisory lock named `name`
   * on a connection of its own (outside the pool, which `fn` may need whole), so that
   * instances doing the same at once (creating one did:web DID) do it one after another:
   * the second finds the first's DID instead of storing a key of its own beside it.
   * SQLite: under the file lock processes open the database under. No name: runs `fn`.
   */
  private async acrossInstances<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (name === undefined) return fn();
    if (this.engine === 'sqlite') return withInitLock(this.location, 30_000, fn);
    const client = new (loadPg().Client)((poolOf(this.dataSource) as unknown as { options: object }).options);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [DID_LOCK_NAMESPACE, name]);
    } catch (cause) {
      await client.end().catch(() => undefined);
      throw asStorageFailure(cause, 'cannot create the DID', this.location);
    }
    try {
      return await fn();
    } finally {
      // Ending the session releases the lock.
      await client.end().catch(() => undefined);
    }
  }

  /** Every DID this database holds a key for. */
  async listDids(): Promise<ManagedDid[]> {
    this.assertOpen();
    let identifiers = await this.veramo.didManagerFind();
    if (this.engine === 'postgres') {
      // In the order they were created, as SQLite's rowid gives them: PostgreSQL returns
      // rows as they lie in the table, where an update (a key rotation) moves a row to the end.
      const order = (await this.runQuery(`SELECT "did" FROM "identifier" ORDER BY "saveDate", "did"`)) as Array<{ did: string }>;
      const rank = new Map(order.map((r, i) => [r.did, i]));
      identifiers = [...identifiers].sort((x, y) => (rank.get(x.did) ?? order.length) - (rank.get(y.did) ?? order.length));
    }
    return identifiers.map((i) => {
      const managed = toManagedDid(i);
      this.didCache.set(managed.did, managed);
      return managed;
    });
  }

  /**
   * A DID this database manages; throws `NOT_FOUND` otherwise. `query` reads it inside
   * the caller's transaction (on PostgreSQL without taking a second pooled connection,
   * and with what that transaction sees).
   */
  async getDid(did: string, query?: Query): Promise<ManagedDid> {
    this.assertOpen();
    const cached = this.didCache.get(did);
    if (cached) return cached;
    if (query) {
      const managed = toManagedDid(await this.readIdentifier(query, did));
      this.didCache.set(did, managed);
      return managed;
    }
    let identifier: Awaited<ReturnType<VeramoAgent['didManagerGet']>>;
    try {
      identifier = await this.veramo.didManagerGet({ did });
    } catch (cause) {
      throw new TradewindError('NOT_FOUND', `${did} is not managed by this database`, { cause });
    }
    const managed = toManagedDid(identifier);
    this.didCache.set(did, managed);
    return managed;
  }

  /** The DID document to host for a did:web DID of this database (every key, the signing key first). */
  async didWebDocument(did: string) {
    return didWebDocument(await this.getDid(did));
  }

  /**
   * Replaces the signing key of a did:web DID of this database: a new key (the same
   * algorithm unless `keyType` says otherwise) with a verification method id of its own
   * (`#` + its RFC 7638 thumbprint), stored in the same transaction that marks the old
   * key retired (key meta `retiredAt`; the new key gets `activeFrom`, the same time).
   * From then on {@link getDid} returns the new key, so everything is signed with it;
   * the old key stays in the DID's {@link ManagedDid.retiredKeys} and its DID document.
   *
   * A did:key or did:jwk DID *is* its key: `INVALID_ARGUMENT` (create a new DID instead).
   * `now` earlier than the current key's `activeFrom` is `INVALID_ARGUMENT` (periods never
   * overlap).
   *
   * @example
   * ```ts
   * const { did, previous } = await agent.rotateKey('did:web:registry.gov.example')
   * did.verificationMethod      // did:web:registry.gov.example#<new thumbprint>
   * previous.retiredAt          // 2026-12-02T04:10:00Z
   * ```
   */
  async rotateKey(did: string, options: RotateKeyOptions = {}): Promise<KeyRotation> {
    this.assertOpen();
    const current = await this.getDid(did);
    if (current.method !== 'web')
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `${did} is a did:${current.method} DID, which is its key and cannot change it: create a new DID instead (and have the recognition lists name it)`,
      );
    const keyType = options.keyType ?? current.keyType;
    if (keyType !== 'Ed25519' && keyType !== 'P-256')
      throw new TradewindError('INVALID_ARGUMENT', `key type must be Ed25519 or P-256, not ${String(keyType)}`, { path: '/keyType' });
    const now = options.now ?? new Date();
    if (!(now instanceof Date) || !Number.isFinite(now.getTime()) || now.getUTCFullYear() < 1 || now.getUTCFullYear() > 9999)
      throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date', { path: '/now' });
    const stamp = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    let at = stamp(now);
    const sealed = await this.kms.sealedKey(keyType === 'Ed25519' ? 'Ed25519' : 'Secp256r1');
    const { info } = sealed;
    let rotated: ManagedDid | undefined;
    try {
      rotated = await this.transactions.run(async (q) => {
        // PostgreSQL: the DID's key lock, held until the commit: a rotation by another
        // instance at the same moment waits, then reads (and retires) the key this one made
        // current, instead of retiring the same old key and leaving one aside; transactions
        // signing with the DID's key (holdSigningKeys) finish first, or wait for this one.
        if (this.engine === 'postgres') await q('SELECT pg_advisory_xact_lock(?, hashtext(?))', [KEY_LOCK_NAMESPACE, did]);
        // Without a given time, the rotation happens once the transactions signing before it are done.
        if (options.now === undefined) at = stamp(new Date());
        const rows = (await q(`SELECT "controllerKeyId" FROM "identifier" WHERE "did" = ?`, [did])) as Array<{
          controllerKeyId: string;
        }>;
        const controller = rows[0]?.controllerKeyId;
        if (controller === undefined) throw new TradewindError('NOT_FOUND', `${did} is not managed by this database`);
        // Another process may have rotated meanwhile: rotate what the database holds now.
        const before = await this.readIdentifier(q, did);
        const old = toManagedDid(before);
        if (old.activeFrom !== undefined && at < old.activeFrom)
          throw new TradewindError(
            'INVALID_ARGUMENT',
            `now (${at}) is before the current key of ${did} became active (${old.activeFrom})`,
            {
              path: '/now',
            },
          );
        const vm = toManagedDid({
          ...before,
          controllerKeyId: info.kid,
          keys: [{ ...info, kms: KMS_NAME, meta: { verificationMethodId: THUMBPRINT_VERIFICATION_METHOD } }],
        }).verificationMethod;
        const used = [old.verificationMethod, ...(old.retiredKeys ?? []).map((k) => k.verificationMethod)];
        if (used.includes(vm) || before.keys.some((k) => k.kid === info.kid))
          throw new TradewindError('ALREADY_EXISTS', `the new key of ${did} would reuse the verification method id ${vm}`);
        await options.check?.(q, at);
        const oldKey = before.keys.find((k) => k.kid === old.keyId);
        await q(`UPDATE "key" SET "meta" = ? WHERE "kid" = ?`, [
          JSON.stringify({ ...(oldKey?.meta ?? {}), retiredAt: at, replacedBy: info.kid }),
          old.keyId,
        ]);
        await q(`INSERT INTO "private-key" ("alias", "type", "privateKeyHex") VALUES (?, ?, ?)`, [
          info.kid,
          info.type,
          sealed.sealedPrivateKeyHex,
        ]);
        const meta = { verificationMethodId: THUMBPRINT_VERIFICATION_METHOD, ...(info.meta ?? {}), activeFrom: at };
        await q(`INSERT INTO "key" ("kid", "kms", "type", "publicKeyHex", "meta", "identifierDid") VALUES (?, ?, ?, ?, ?, ?)`, [
          info.kid,
          KMS_NAME,
          info.type,
          info.publicKeyHex,
          JSON.stringify(meta),
          did,
        ]);
        await q(`UPDATE "identifier" SET "controllerKeyId" = ?, "updateDate" = CURRENT_TIMESTAMP WHERE "did" = ?`, [info.kid, did]);
        await q(
          `INSERT INTO "tradewind_meta" ("key", "value") VALUES (?, '1')
           ON CONFLICT ("key") DO UPDATE SET "value" = CAST(CAST("tradewind_meta"."value" AS INTEGER) + 1 AS TEXT)`,
          [ROTATIONS_KEY],
        );
        const after = toManagedDid(await this.readIdentifier(q, did));
        // Set before COMMIT: a transaction queued behind this one already signs with the new key.
        this.didCache.set(did, after);
        this.rotationsSeen = await this.readRotations(q);
        return after;
      });
    } catch (error) {
      this.didCache.delete(did);
      this.rotationsSeen = undefined;
      if (error instanceof TradewindError) throw error;
      throw new TradewindError('STORAGE_ERROR', `cannot rotate the key of ${did}: ${(error as Error).message}`, { cause: error });
    }
    sealed.adopt();
    const previous = rotated.retiredKeys?.find((k) => k.keyId === current.keyId) ?? (rotated.retiredKeys?.[0] as RetiredKey);
    return { did: rotated, previous };
  }

  /**
   * Inside a transaction that signs as `dids`, before it reads their keys: on PostgreSQL
   * holds their key locks shared until it ends (transaction-scoped advisory locks, taken
   * in order), so a {@link rotateKey} of one of them, from any process, waits for this
   * transaction, or this transaction waits for the rotation and then reads the new key:
   * nothing is signed with a key retired while the transaction ran. SQLite: nothing (one
   * writer at a time).
   */
  async holdSigningKeys(query: Query, dids: readonly string[]): Promise<void> {
    this.assertOpen();
    if (this.engine !== 'postgres') return;
    for (const did of [...new Set(dids)].sort())
      await query('SELECT pg_advisory_xact_lock_shared(?, hashtext(?))', [KEY_LOCK_NAMESPACE, did]);
  }

  /**
   * Forgets cached DIDs when another process rotated a key of this database since this
   * one last looked (one read of the agent's meta table). `query` runs the read inside
   * the caller's transaction, so what is signed in it uses the key current at its start.
   * Returns true when something changed.
   */
  async syncKeys(query?: Query): Promise<boolean> {
    this.assertOpen();
    const q: Query = query ?? this.runQuery;
    const value = await this.readRotations(q);
    if (value === this.rotationsSeen) return false;
    const changed = this.rotationsSeen !== undefined || this.didCache.size > 0;
    this.didCache.clear();
    this.rotationsSeen = value;
    return changed;
  }

  private async readRotations(q: Query): Promise<string> {
    const rows = (await q(`SELECT "value" FROM "tradewind_meta" WHERE "key" = ?`, [ROTATIONS_KEY])) as Array<{ value: string }>;
    return rows[0]?.value ?? '0';
  }

  // The identifier and its keys as Veramo returns them, read with the caller's transaction.
  private async readIdentifier(q: Query, did: string): Promise<IIdentifier> {
    const [row] = (await q(`SELECT "did", "provider", "alias", "controllerKeyId" FROM "identifier" WHERE "did" = ?`, [did])) as Array<{
      did: string;
      provider: string;
      alias: string | null;
      controllerKeyId: string;
    }>;
    if (!row) throw new TradewindError('NOT_FOUND', `${did} is not managed by this database`);
    const keys = (await q(`SELECT "kid", "kms", "type", "publicKeyHex", "meta" FROM "key" WHERE "identifierDid" = ?`, [did])) as Array<{
      kid: string;
      kms: string;
      type: string;
      publicKeyHex: string;
      meta: string | null;
    }>;
    return {
      did: row.did,
      provider: row.provider,
      ...(row.alias === null ? {} : { alias: row.alias }),
      controllerKeyId: row.controllerKeyId,
      keys: keys.map((k) => ({ ...k, type: k.type as 'Ed25519', meta: k.meta === null ? null : (JSON.parse(k.meta) as object) })),
      services: [],
    };
  }

  /**
   * Signs bytes with a key of this database (by `ManagedDid.keyId`) and returns the raw
   * JOSE signature (Ed25519: 64 bytes; ES256: r||s).
   */
  async sign(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    this.assertOpen();
    return this.kms.signBytes(keyId, data);
  }

  /**
   * Signs a compact JWS. `alg` is filled in from the key when the header omits it.
   *
   * @example
   * ```ts
   * const jws = await agent.signJwt({ typ: 'vc+jwt', kid: did.verificationMethod }, credential, did.keyId)
   * ```
   */
  async signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, keyId: string): Promise<string> {
    this.assertOpen();
    const type = await this.kms.keyType(keyId);
    const alg = type === 'Ed25519' ? 'EdDSA' : 'ES256';
    if (header.alg !== undefined && header.alg !== alg && !(type === 'Ed25519' && header.alg === 'Ed25519')) {
      throw new TradewindError('UNSUPPORTED_ALGORITHM', `key ${keyId} cannot sign ${String(header.alg)}`);
    }
    const h = base64urlEncode(utf8Encode(JSON.stringify({ alg, ...header })));
    const p = base64urlEncode(utf8Encode(JSON.stringify(payload)));
    const signingInput = `${h}.${p}`;
    const signature = await this.kms.signBytes(keyId, utf8Encode(signingInput));
    return `${signingInput}.${base64urlEncode(signature)}`;
  }

  /**
   * Decrypts private keys of this database and returns them **in plaintext**: those
   * named by `kids` (e.g. `ManagedDid.keyId`; `KEY_NOT_FOUND` for one the database does
   * not hold), or every key when `kids` is omitted.
   *
   * Danger: whoever holds the result can sign as these DIDs. Use it only to move keys
   * into another encrypted container (an encrypted backup) and encrypt them at once;
   * never log, print, send or store the result as is. Keys stay encrypted at rest in
   * this database either way. To bring exported keys into another database, import
   * them with Veramo's `didManagerImport` or `keyManagerImport` (KMS {@link KMS_NAME}),
   * which encrypt them under that database's secret.
   *
   * @example
   * ```ts
   * const did = await agent.getDid(holderDid)
   * const [key] = await agent.exportKeys([did.keyId])
   * await other.veramo.keyManagerImport({ kid: key.kid, kms: KMS_NAME, type: key.type, privateKeyHex: key.privateKeyHex })
   * ```
   */
  async exportKeys(kids?: readonly string[]): Promise<ExportedKey[]> {
    this.assertOpen();
    return this.kms.exportKeys(kids);
  }

  /**
   * Runs `fn` in one all-or-nothing transaction on this database (`?` placeholders on
   * both engines). SQLite: `BEGIN IMMEDIATE`, one transaction of this process at a time.
   * PostgreSQL: a pooled connection of its own, concurrent with others; a deadlock or
   * serialization failure runs `fn` again (up to 3 times), so `fn` must be safe to repeat.
   */
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.transactions.run(fn);
  }

  /** Forgets decrypted keys and closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kms.forget();
    await this.transactions.exclusive(async () => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private assertOpen(): void {
    if (this.closed) throw new TradewindError('INVALID_ARGUMENT', 'the database is closed');
  }
}

async function initializeDataSource(options: OpenAgentOptions, location: DatabaseLocation): Promise<DataSource> {
  const dataSource = createDataSource(location, allMigrations(options.migrations ?? []), {
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  });
  const waitMs = options.busyTimeoutMs ?? 30_000;
  const migrate = options.migrate ?? 'auto';
  const prepare = () => prepareSchema(dataSource, location, options.migrations ?? [], migrate);
  try {
    if (location.engine === 'sqlite') {
      // The file is created by the first connection: open and migrate under the init lock.
      await withDatabaseLock(dataSource, location, waitMs, async () => {
        await dataSource.initialize();
        await prepare();
      });
    } else {
      await dataSource.initialize();
      await withDatabaseLock(dataSource, location, waitMs, prepare);
    }
    return dataSource;
  } catch (cause) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (cause instanceof TradewindError) throw cause;
    const failure = asStorageFailure(cause, `cannot open database ${location.display}`, undefined);
    if (failure instanceof TradewindError) throw failure;
    throw new TradewindError('STORAGE_ERROR', `cannot open database ${location.display}: ${(cause as Error).message}`, { cause });
  }
}

// scrypt cost a new database may ask for: N a power of two up to 2^20, r up to 32, p up to
// 16, at most 1 GiB of memory. Anything else is INVALID_ARGUMENT, not a RangeError from scrypt.
function checkKdf(kdf: unknown): void {
  const k = kdf as { N?: unknown; r?: unknown; p?: unknown } | null;
  const int = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max;
  const ok =
    typeof k === 'object' &&
    k !== null &&
    int(k.N, 2 ** 20) &&
    k.N > 1 &&
    (k.N & (k.N - 1)) === 0 &&
    int(k.r, 32) &&
    int(k.p, 16) &&
    128 * k.N * k.r <= 2 ** 30;
  if (!ok)
    throw new TradewindError(
      'INVALID_ARGUMENT',
      'kdf must be { N, r, p }: N a power of two from 2 to 2^20, r from 1 to 32, p from 1 to 16, at most 1 GiB (128·N·r bytes)',
    );
}

/**
 * Opens (or creates) a Tradewind database: SQLite in WAL mode with Veramo's schema,
 * keys encrypted with a key derived from `secret`. A wrong secret throws
 * `WRONG_SECRET` before anything is read or written.
 *
 * @example
 * ```ts
 * import { openAgent } from '@tradewind/agent'
 * const agent = await openAgent({ path: 'issuer.db', secret: process.env.TRADEWIND_SECRET! })
 * const did = await agent.createDid({ method: 'key' })
 * const jws = await agent.signJwt({ typ: 'JWT', kid: did.verificationMethod }, { iss: did.did }, did.keyId)
 * await agent.close()
 * ```
 */
export async function openAgent(options: OpenAgentOptions): Promise<TradewindAgent> {
  if (!options || typeof options !== 'object') throw new TradewindError('INVALID_ARGUMENT', 'openAgent needs options with a database');
  if (options.database !== undefined && options.path !== undefined && options.database !== options.path) {
    throw new TradewindError('INVALID_ARGUMENT', 'give the database as `database` or as `path`, not both');
  }
  const given = options.database ?? options.path;
  if (typeof given !== 'string' || given.length === 0 || given.includes('\0')) {
    throw new TradewindError(
      'INVALID_ARGUMENT',
      'openAgent needs a database: a SQLite file path or a postgres:// URL (without NUL characters)',
    );
  }
  const location = parseDatabaseLocation(given);
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new TradewindError('INVALID_ARGUMENT', 'openAgent needs a non-empty secret');
  }
  if (options.kdf !== undefined) checkKdf(options.kdf);
  if (options.migrate !== undefined && options.migrate !== 'auto' && options.migrate !== 'refuse') {
    throw new TradewindError('INVALID_ARGUMENT', `migrate must be 'auto' or 'refuse', not ${String(options.migrate)}`);
  }
  if (
    options.poolSize !== undefined &&
    (typeof options.poolSize !== 'number' || !Number.isSafeInteger(options.poolSize) || options.poolSize < 1 || options.poolSize > 1000)
  ) {
    throw new TradewindError('INVALID_ARGUMENT', 'poolSize must be an integer from 1 to 1000');
  }
  const path = location.engine === 'sqlite' ? location.path : undefined;
  if (path !== undefined && options.create === false && !existsSync(path)) {
    throw new TradewindError('NOT_FOUND', `no database at ${path}`);
  }
  const isNew = path !== undefined && !existsSync(path);
  const dataSource = await initializeDataSource(options, location);
  if (isNew && path !== undefined) {
    // Only the owner reads a new database: the keys in it are encrypted, the log is not.
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      try {
        chmodSync(file, 0o600);
      } catch {
        // not there (yet), or a file system without modes
      }
    }
  }
  try {
    const secretBox = await unlockSecretBox(dataSource, location.engine, options.secret, options.kdf ?? DEFAULT_KDF);
    const kms = new NodeCryptoKeyManagementSystem(new PrivateKeyStore(dataSource, secretBox), (hex) => secretBox.encrypt(hex));
    const resolver = new Resolver({
      ...getKeyResolver(),
      ...getDidJwkResolver(),
      ...(options.didWebResolver ? { web: options.didWebResolver } : {}),
    });
    const veramo = createAgent<IDIDManager & IKeyManager & IResolver & IDataStore & IDataStoreORM & ICredentialPlugin>({
      plugins: [
        new KeyManager({ store: new KeyStore(dataSource), kms: { [KMS_NAME]: kms } }),
        new DIDManager({
          store: new DIDStore(dataSource),
          defaultProvider: 'did:key',
          providers: {
            'did:key': new TradewindKeyDidProvider({ defaultKms: KMS_NAME }),
            'did:jwk': new TradewindJwkDidProvider({ defaultKms: KMS_NAME }),
            'did:web': new WebDIDProvider({ defaultKms: KMS_NAME }),
          },
        }),
        new DIDResolverPlugin({ resolver }),
        new DataStore(dataSource),
        new DataStoreORM(dataSource),
        new CredentialPlugin([new CredentialProviderJWT()]),
      ],
    });
    const agent = new TradewindAgent(veramo, dataSource, kms, location);
    await agent.syncKeys();
    return agent;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
