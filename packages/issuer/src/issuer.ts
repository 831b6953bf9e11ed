import { type CreateDidOptions, type ManagedDid, openAgent, type Query, type TradewindAgent } from '@tradewind/agent';
import { MIN_STATUS_LIST_LENGTH, type RecognizedKey, TradewindError } from '@tradewind/core';
import type { DIDDocument } from 'did-resolver';
import { type BatchInput, type BatchOptions, type BatchResult, runBatch } from './batch.js';
import { type IssueRequest, type NormalizedRequest, normalizeRequest } from './credential-request.js';
import { getLogged, type LoggedCredential, type LogQuery, queryLog } from './issuance-log.js';
import { type GroupContext, type IssuedCredential, issueGroup } from './issue-group.js';
import { type RecognitionListRequest, recognitionKeys, signRecognitionList } from './recognition-list.js';
import { CreateIssuerTables1764300100000 } from './schema.js';
import { buildStatusListCredentials, type StatusListCredential, writeStatusListFiles } from './status-list-credential.js';
import { type StatusPurpose, setStatus } from './status-store.js';

export interface OpenIssuerOptions {
  /** The issuer's SQLite database file. */
  path: string;
  /** The secret that encrypts the keys (see `@tradewind/agent`). */
  secret: string;
  /** Create the database if missing (default true). */
  create?: boolean;
  /**
   * Base URL the agency publishes status lists under, e.g.
   * `https://registry.gov.example/status`; list n is `<base>/n`. Stored in the
   * database, so it is needed once. Required before issuing credentials with status.
   */
  statusListBaseUrl?: string;
  /** Entries per new status list (multiple of 8, at least 131,072). Stored. */
  statusListLength?: number;
  /** Also log the subject claims (off by default: the log holds no personal data). Stored. */
  logClaims?: boolean;
  /** scrypt cost for a new database (tests only). */
  kdf?: { N: number; r: number; p: number };
  busyTimeoutMs?: number;
}

/** What `revoke`, `suspend` and `reinstate` report. */
export interface StatusChange {
  credentialId: string;
  purpose: StatusPurpose;
  /** False when the credential already had that status. */
  changed: boolean;
}

/**
 * An issuing agency's database: its DIDs and keys, the credentials it issued, and their
 * status lists.
 *
 * @example
 * ```ts
 * const issuer = await openIssuer({ path: 'registry.db', secret, statusListBaseUrl: 'https://registry.gov.example/status' })
 * const { did } = await issuer.createDid({ method: 'key' })
 * const { jwt, id } = await issuer.issue({ type: 'BirthCertificate', credentialSubject: { id: holderDid, name: 'Ana' } })
 * await issuer.revoke(id)
 * await issuer.publishStatusLists('public/status')
 * await issuer.close()
 * ```
 */
export class Issuer {
  private readonly signers = new Map<string, ManagedDid>();

  private constructor(
    /** The agent (Veramo + SQLite) underneath. */
    readonly agent: TradewindAgent,
    private settings: { baseUrl?: string; listLength: number; logClaims: boolean; defaultIssuer?: string },
  ) {}

  /** @internal use {@link openIssuer} */
  static async open(options: OpenIssuerOptions): Promise<Issuer> {
    if (options.statusListBaseUrl !== undefined && !/^https?:\/\/[^\s#?]+$/.test(options.statusListBaseUrl)) {
      throw new TradewindError('INVALID_ARGUMENT', 'statusListBaseUrl must be an http(s) URL without query or fragment');
    }
    const length = options.statusListLength;
    if (
      length !== undefined &&
      (!Number.isSafeInteger(length) || length < MIN_STATUS_LIST_LENGTH || length % 8 !== 0 || length > 2 ** 30)
    ) {
      throw new TradewindError('INVALID_ARGUMENT', `statusListLength must be a multiple of 8 of at least ${MIN_STATUS_LIST_LENGTH}`);
    }
    const agent = await openAgent({
      path: options.path,
      secret: options.secret,
      migrations: [CreateIssuerTables1764300100000],
      ...(options.create === undefined ? {} : { create: options.create }),
      ...(options.kdf ? { kdf: options.kdf } : {}),
      ...(options.busyTimeoutMs ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
    });
    try {
      const updates: Array<[string, string]> = [];
      if (options.statusListBaseUrl !== undefined) updates.push(['statusListBaseUrl', options.statusListBaseUrl.replace(/\/+$/, '')]);
      if (length !== undefined) updates.push(['statusListLength', String(length)]);
      if (options.logClaims !== undefined) updates.push(['logClaims', options.logClaims ? '1' : '0']);
      if (updates.length > 0) {
        await agent.transaction(async (q) => {
          for (const [k, v] of updates) await q(`INSERT OR REPLACE INTO "tw_issuer_setting" ("key", "value") VALUES (?, ?)`, [k, v]);
        });
      }
      const rows = (await agent.dataSource.query(`SELECT "key", "value" FROM "tw_issuer_setting"`)) as Array<{
        key: string;
        value: string;
      }>;
      const s = new Map(rows.map((r) => [r.key, r.value]));
      const settings: Issuer['settings'] = {
        listLength: Number(s.get('statusListLength') ?? MIN_STATUS_LIST_LENGTH),
        logClaims: s.get('logClaims') === '1',
      };
      const base = s.get('statusListBaseUrl');
      if (base !== undefined) settings.baseUrl = base;
      const def = s.get('defaultIssuer');
      if (def !== undefined) settings.defaultIssuer = def;
      return new Issuer(agent, settings);
    } catch (error) {
      await agent.close();
      throw error;
    }
  }

  /** The DID `issue` uses when the request names none: the first DID created, or the one set with {@link setDefaultDid}. */
  get defaultDid(): string | undefined {
    return this.settings.defaultIssuer;
  }

  /** Base URL of the status lists, if set. */
  get statusListBaseUrl(): string | undefined {
    return this.settings.baseUrl;
  }

  /**
   * Creates a DID with a new key (did:key by default, Ed25519 by default). The first
   * DID becomes the default issuer.
   */
  async createDid(options: CreateDidOptions = {}): Promise<ManagedDid> {
    const did = await this.agent.createDid(options);
    if (this.settings.defaultIssuer === undefined) await this.setDefaultDid(did.did);
    return did;
  }

  /** Every DID of this issuer. */
  listDids(): Promise<ManagedDid[]> {
    return this.agent.listDids();
  }

  /** Makes `did` (a DID of this database) the default issuer. */
  async setDefaultDid(did: string): Promise<void> {
    await this.agent.getDid(did);
    await this.agent.transaction((q) =>
      q(`INSERT OR REPLACE INTO "tw_issuer_setting" ("key", "value") VALUES ('defaultIssuer', ?)`, [did]),
    );
    this.settings.defaultIssuer = did;
  }

  /**
   * Signs a recognition list (`vc+jwt`, type RecognitionList) as a regional trust anchor:
   * the issuing authorities its members accredit, with country, credential types,
   * assurance level, key periods and, for did:web, their keys.
   *
   * @example
   * ```ts
   * const list = await anchor.signRecognitionList({
   *   sequence: 12, nextUpdate: '2027-01-01T00:00:00Z',
   *   entries: [{ id: ttDid, country: 'TT', name: 'Registrar General', credentialTypes: ['NationalIdCredential'], assuranceLevel: 'substantial' }],
   * });
   * ```
   */
  signRecognitionList(request: RecognitionListRequest): Promise<string> {
    const anchor = request.issuer ?? this.settings.defaultIssuer;
    if (anchor === undefined) throw new TradewindError('INVALID_ARGUMENT', 'this issuer has no DID to sign with: create one first');
    return signRecognitionList(this.agent, anchor, request);
  }

  /** The keys a recognition list carries for one of this issuer's DIDs (needed for did:web). */
  recognitionKeys(did: string): Promise<RecognizedKey[]> {
    return recognitionKeys(this.agent, did);
  }

  /** The DID document to host at `https://<domain>/.well-known/did.json` for a did:web DID of this issuer. */
  didWebDocument(did: string): Promise<DIDDocument> {
    return this.agent.didWebDocument(did);
  }

  /**
   * Issues one credential: allocates its status indexes, signs it and logs it in one
   * transaction.
   *
   * @example
   * ```ts
   * const issued = await issuer.issue({
   *   type: 'NationalIdCredential', format: 'vc+jwt', status: ['revocation', 'suspension'],
   *   credentialSubject: { id: 'did:key:z6Mk…', givenName: 'Ana', familyName: 'Joseph' },
   *   validUntil: '2031-01-01T00:00:00Z',
   * })
   * ```
   */
  async issue(request: IssueRequest): Promise<IssuedCredential> {
    const [issued] = await this.issueMany([request]);
    return issued as IssuedCredential;
  }

  /** Issues several credentials in one all-or-nothing transaction. */
  async issueMany(requests: IssueRequest[], now = new Date()): Promise<IssuedCredential[]> {
    const normalized = requests.map((r) => normalizeRequest(r, { issuer: this.settings.defaultIssuer, now }));
    await this.loadSigners(normalized);
    return this.agent.transaction(async (q) => {
      const keys = normalized.flatMap((r) => (r.recordKey === undefined ? [] : [r.recordKey]));
      if (new Set(keys).size !== keys.length) throw new TradewindError('INVALID_ARGUMENT', 'two requests share a recordKey');
      if (keys.length > 0) {
        const rows = (await q(
          `SELECT "record_key" FROM "tw_issuance_log" WHERE "record_key" IN (${keys.map(() => '?').join(', ')})`,
          keys,
        )) as unknown[];
        if (rows.length > 0)
          throw new TradewindError('ALREADY_EXISTS', 'a credential with this recordKey was already issued', { path: '/recordKey' });
      }
      const ids = normalized.map((r) => r.id);
      if (new Set(ids).size !== ids.length) throw new TradewindError('INVALID_ARGUMENT', 'two requests share a credential id');
      // Generated ids are random UUIDs; only ids the caller chose can already be taken.
      const chosen = requests.flatMap((r) => (typeof r.id === 'string' ? [r.id] : []));
      if (chosen.length > 0) {
        const placeholders = chosen.map(() => '?').join(', ');
        const dup = (await q(
          `SELECT "credential_id" FROM "tw_issuance_log" WHERE "credential_id" IN (${placeholders})`,
          chosen,
        )) as unknown[];
        if (dup.length > 0) throw new TradewindError('ALREADY_EXISTS', 'a credential with this id was already issued', { path: '/id' });
      }
      return issueGroup(q, this.groupContext(), normalized, now);
    });
  }

  /**
   * Issues every valid record of a registry extract (JSONL or CSV). All records are
   * validated first; the bad ones are reported by line and the rest issued in
   * transactions of `transactionSize`. Running the same extract again after a crash
   * issues only what is missing.
   */
  issueBatch(input: BatchInput, options: BatchOptions): Promise<BatchResult> {
    return runBatch(
      {
        agent: this.agent,
        defaultIssuer: this.settings.defaultIssuer,
        loadSigners: (r) => this.loadSigners(r),
        groupContext: (batchId) => ({ ...this.groupContext(), batchId }),
        signerOf: (did) => this.signerOf(did),
      },
      input,
      options,
    );
  }

  /** Revokes a credential (permanent). Throws `NOT_FOUND` for a credential not issued here. */
  revoke(credentialId: string): Promise<StatusChange> {
    return this.changeStatus(credentialId, 'revocation', true);
  }

  /** Suspends a credential (reversible with {@link reinstate}). */
  suspend(credentialId: string): Promise<StatusChange> {
    return this.changeStatus(credentialId, 'suspension', true);
  }

  /** Lifts a suspension. */
  reinstate(credentialId: string): Promise<StatusChange> {
    return this.changeStatus(credentialId, 'suspension', false);
  }

  /**
   * Signs the current status list credentials (all lists, or one issuer's), valid from
   * `now` for `validForSeconds` (default one day).
   */
  async statusListCredentials(options: { now?: Date; validForSeconds?: number; issuer?: string } = {}): Promise<StatusListCredential[]> {
    const validForSeconds = options.validForSeconds ?? 86_400;
    if (!Number.isFinite(validForSeconds) || validForSeconds <= 0)
      throw new TradewindError('INVALID_ARGUMENT', 'validForSeconds must be positive');
    const query: Query = (sql, params) => this.agent.dataSource.query(sql, params);
    return buildStatusListCredentials(this.agent, query, (did) => this.signerOf(did), {
      now: options.now ?? new Date(),
      validForSeconds,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    });
  }

  /**
   * Signs every status list and writes it to `dir/<n>` (publish `dir` at
   * `statusListBaseUrl`), with a manifest `dir/status-lists.json`.
   */
  async publishStatusLists(
    dir: string,
    options: { now?: Date; validForSeconds?: number } = {},
  ): Promise<Array<{ url: string; file: string }>> {
    return writeStatusListFiles(dir, await this.statusListCredentials(options));
  }

  /** Issuance log entries matching `filter` (oldest first), with their current status. */
  log(filter: LogQuery = {}): Promise<LoggedCredential[]> {
    return queryLog((sql, params) => this.agent.dataSource.query(sql, params), filter);
  }

  /** The log entry of one credential; throws `NOT_FOUND`. */
  async getIssued(credentialId: string): Promise<LoggedCredential> {
    const found = await getLogged((sql, params) => this.agent.dataSource.query(sql, params), credentialId);
    if (!found) throw new TradewindError('NOT_FOUND', `no credential ${credentialId} was issued from this database`);
    return found;
  }

  /** Closes the database and forgets the decrypted keys. */
  close(): Promise<void> {
    return this.agent.close();
  }

  private async changeStatus(credentialId: string, purpose: StatusPurpose, value: boolean): Promise<StatusChange> {
    if (typeof credentialId !== 'string' || credentialId === '')
      throw new TradewindError('INVALID_ARGUMENT', 'a credential id is required');
    const { changed } = await this.agent.transaction((q) => setStatus(q, credentialId, purpose, value, new Date().toISOString()));
    return { credentialId, purpose, changed };
  }

  private groupContext(): GroupContext {
    return {
      agent: this.agent,
      signers: this.signers,
      baseUrl: this.settings.baseUrl,
      listLength: this.settings.listLength,
      logClaims: this.settings.logClaims,
    };
  }

  private async loadSigners(requests: NormalizedRequest[]): Promise<void> {
    for (const did of new Set(requests.map((r) => r.issuer))) await this.signerOf(did);
  }

  private async signerOf(did: string): Promise<ManagedDid> {
    let signer = this.signers.get(did);
    if (!signer) {
      signer = await this.agent.getDid(did).catch((cause: unknown) => {
        throw new TradewindError('NOT_FOUND', `issuer ${did} is not a DID of this database`, { path: '/issuer', cause });
      });
      this.signers.set(did, signer);
    }
    return signer;
  }
}

/**
 * Opens (or creates) an issuer database. A wrong secret throws `WRONG_SECRET` and
 * changes nothing.
 *
 * @example
 * ```ts
 * const issuer = await openIssuer({ path: 'registry.db', secret: process.env.TRADEWIND_SECRET!, statusListBaseUrl: 'https://registry.gov.example/status' })
 * ```
 */
export function openIssuer(options: OpenIssuerOptions): Promise<Issuer> {
  return Issuer.open(options);
}
