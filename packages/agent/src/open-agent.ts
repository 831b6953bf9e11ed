import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { base64urlEncode, TradewindError, utf8Encode } from '@tradewind/core';
import { createAgent } from '@veramo/core';
import type { ICredentialPlugin, IDataStore, IDataStoreORM, IDIDManager, IKeyManager, IResolver, TAgent } from '@veramo/core-types';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DataStore, DataStoreORM, DIDStore, Entities, KeyStore, PrivateKeyStore, migrations as veramoMigrations } from '@veramo/data-store';
import { DIDManager } from '@veramo/did-manager';
import { getDidJwkResolver } from '@veramo/did-provider-jwk';
import { WebDIDProvider } from '@veramo/did-provider-web';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager } from '@veramo/key-manager';
import { type DIDResolver, Resolver } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { DataSource, type MigrationInterface } from 'typeorm';
import { TradewindJwkDidProvider } from './did-jwk-provider.js';
import { TradewindKeyDidProvider } from './did-key-provider.js';
import { withInitLock } from './init-lock.js';
import {
  type DidMethod,
  didWebDocument,
  type KeyAlgorithm,
  type ManagedDid,
  THUMBPRINT_VERIFICATION_METHOD,
  toManagedDid,
} from './managed-did.js';
import { CreateTradewindMeta1764300000000 } from './migrations.js';
import { type ExportedKey, NodeCryptoKeyManagementSystem } from './node-crypto-kms.js';
import { DEFAULT_KDF, unlockSecretBox } from './secret.js';
import { type Query, TransactionRunner } from './transaction.js';

/** The Veramo agent type an opened database carries. */
export type VeramoAgent = TAgent<IDIDManager & IKeyManager & IResolver & IDataStore & IDataStoreORM & ICredentialPlugin>;

// The sqlite3 module as TypeORM gets it, with two changes:
// - TypeORM switches sqlite3 to verbose mode, which wraps every call to util.inspect its
//   arguments (the SQL text and every bound value) for long stack traces: a large share
//   of the time of bulk inserts. Here verbose() returns the plain module.
// - Transactions TypeORM opens (Veramo's saves, migrations) start with BEGIN IMMEDIATE:
//   a deferred transaction that reads and then writes fails at once with SQLITE_BUSY
//   when another process wrote in between, while an immediate one waits its turn.
type SqliteCallback = (...args: unknown[]) => void;
interface SqliteDatabase {
  all(sql: string, ...rest: unknown[]): unknown;
  run(sql: string, ...rest: unknown[]): unknown;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (path: string, mode?: number, callback?: SqliteCallback) => SqliteDatabase;
};
const BEGIN_DEFERRED = /^\s*BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;?\s*$/i;
const immediate = (sql: string) => (typeof sql === 'string' && BEGIN_DEFERRED.test(sql) ? 'BEGIN IMMEDIATE TRANSACTION' : sql);
class ImmediateDatabase extends sqlite3.Database {
  override all(sql: string, ...rest: unknown[]): unknown {
    return super.all(immediate(sql), ...rest);
  }
  override run(sql: string, ...rest: unknown[]): unknown {
    return super.run(immediate(sql), ...rest);
  }
}
const sqliteDriver: Record<string, unknown> = { ...sqlite3, Database: ImmediateDatabase };
sqliteDriver.verbose = () => sqliteDriver;

/** Name under which the node:crypto KMS is registered (kms-local's conventional name, same key layout). */
export const KMS_NAME = 'local';

export interface OpenAgentOptions {
  /** SQLite database file; created (with its directory's permission) unless `create` is false. */
  path: string;
  /** The user's secret; the key-encryption key is derived from it with scrypt and a per-database salt. */
  secret: string;
  /** Create the database if it does not exist (default true). When false a missing file throws `NOT_FOUND`. */
  create?: boolean;
  /** Extra TypeORM migrations (classes) of the package using the agent, run after Veramo's and the agent's. */
  migrations?: Array<new () => MigrationInterface>;
  /** scrypt cost for a new database (default N=2^15, r=8, p=1). Existing databases keep theirs. */
  kdf?: { N: number; r: number; p: number };
  /** How long a write waits for another process's lock, in ms (default 30 000). */
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

/**
 * One open database: a Veramo agent (DID manager, key manager with the node:crypto KMS,
 * resolver, data store, W3C credential plugin) plus a fast JOSE signing path and a
 * transaction runner for the tables of the packages built on it.
 */
export class TradewindAgent {
  /** Serialised `BEGIN IMMEDIATE` transactions on this database. */
  readonly transactions: TransactionRunner;
  private readonly didCache = new Map<string, ManagedDid>();
  private closed = false;

  constructor(
    /** The Veramo agent, for anything Veramo offers beyond this class. */
    readonly veramo: VeramoAgent,
    /** The TypeORM data source on the SQLite file. */
    readonly dataSource: DataSource,
    /** The key management system (registered in Veramo as {@link KMS_NAME}). */
    readonly kms: NodeCryptoKeyManagementSystem,
    /** The database file. */
    readonly path: string,
  ) {
    this.transactions = new TransactionRunner(dataSource);
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
      )
      .catch((cause: unknown) => {
        if (cause instanceof TradewindError) throw cause;
        const message = (cause as Error).message ?? String(cause);
        if (/already exists/i.test(message)) throw new TradewindError('ALREADY_EXISTS', message, { cause });
        throw new TradewindError('STORAGE_ERROR', `cannot create DID: ${message}`, { cause });
      });
    const managed = toManagedDid(identifier);
    this.didCache.set(managed.did, managed);
    return managed;
  }

  /** Every DID this database holds a key for. */
  async listDids(): Promise<ManagedDid[]> {
    this.assertOpen();
    const identifiers = await this.veramo.didManagerFind();
    return identifiers.map((i) => {
      const managed = toManagedDid(i);
      this.didCache.set(managed.did, managed);
      return managed;
    });
  }

  /** A DID this database manages; throws `NOT_FOUND` otherwise. */
  async getDid(did: string): Promise<ManagedDid> {
    this.assertOpen();
    const cached = this.didCache.get(did);
    if (cached) return cached;
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

  /** The DID document to host for a did:web DID of this database. */
  async didWebDocument(did: string) {
    return didWebDocument(await this.getDid(did));
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

  /** Runs `fn` in one all-or-nothing `BEGIN IMMEDIATE` transaction on this database. */
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

async function initializeDataSource(options: OpenAgentOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'sqlite',
    driver: sqliteDriver,
    database: options.path,
    entities: Entities,
    migrations: [...veramoMigrations, CreateTradewindMeta1764300000000, ...(options.migrations ?? [])],
    migrationsRun: true,
    synchronize: false,
    logging: false,
    enableWAL: true,
    busyTimeout: options.busyTimeoutMs ?? 30_000,
  });
  try {
    return await withInitLock(options.path, options.busyTimeoutMs ?? 30_000, () => dataSource.initialize());
  } catch (cause) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (cause instanceof TradewindError) throw cause;
    throw new TradewindError('STORAGE_ERROR', `cannot open database ${options.path}: ${(cause as Error).message}`, { cause });
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
  if (!options || typeof options.path !== 'string' || options.path.length === 0 || options.path.includes('\0')) {
    throw new TradewindError('INVALID_ARGUMENT', 'openAgent needs a database path (without NUL characters)');
  }
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new TradewindError('INVALID_ARGUMENT', 'openAgent needs a non-empty secret');
  }
  if (options.kdf !== undefined) checkKdf(options.kdf);
  if (options.create === false && !existsSync(options.path)) {
    throw new TradewindError('NOT_FOUND', `no database at ${options.path}`);
  }
  const isNew = !existsSync(options.path);
  const dataSource = await initializeDataSource(options);
  if (isNew) {
    // Only the owner reads a new database: the keys in it are encrypted, the log is not.
    for (const file of [options.path, `${options.path}-wal`, `${options.path}-shm`]) {
      try {
        chmodSync(file, 0o600);
      } catch {
        // not there (yet), or a file system without modes
      }
    }
  }
  try {
    const secretBox = await unlockSecretBox(dataSource, options.secret, options.kdf ?? DEFAULT_KDF);
    const kms = new NodeCryptoKeyManagementSystem(new PrivateKeyStore(dataSource, secretBox));
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
    return new TradewindAgent(veramo, dataSource, kms, options.path);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
