import {
  type CreateDidOptions,
  type KeyRotation,
  type ManagedDid,
  openAgent,
  parseDatabaseLocation,
  type Query,
  type RotateKeyOptions,
  type TradewindAgent,
} from '@tradewind/agent';
import {
  isJsonObject,
  type JsonObject,
  jwkToMultikey,
  MIN_STATUS_LIST_LENGTH,
  type RecognitionEntry,
  type RecognizedKey,
  TradewindError,
} from '@tradewind/core';
import type { DIDDocument } from 'did-resolver';
import { type BatchInput, type BatchOptions, type BatchResult, runBatch } from './batch.js';
import { type IssueDocumentRequest, isDocumentRequest, type NormalizedRequest, normalizeDocument } from './credential-document.js';
import { type IssueRequest, isValidDate, normalizeRequest } from './credential-request.js';
import { checkContexts, checkDataIntegritySettings, type DataIntegritySettings } from './data-integrity.js';
import {
  getLogged,
  insertReemissions,
  type LoggedCredential,
  type LogQuery,
  logConflict,
  loggedByRecordKeys,
  queryLog,
} from './issuance-log.js';
import { type GroupContext, type IssuedCredential, issueGroup, reserveStatus } from './issue-group.js';
import {
  type RecognitionEntryTemplate,
  type RecognitionListRequest,
  recognitionEntries,
  recognitionKeys,
  type SigningKey,
  signingKeys,
  signRecognitionList,
} from './recognition-list.js';
import { rebuildLogged, signRebuilt } from './reemit.js';
import { ISSUER_MIGRATIONS } from './schema.js';
import { checkSdJwtSettings, resolveHolders, type SdJwtSettings } from './sd-jwt-request.js';
import {
  buildStatusListCredentials,
  type StatusListCredential,
  type StatusListFormat,
  writeDataIntegrityListFiles,
  writeStatusListFiles,
} from './status-list-credential.js';
import { refuseOwnLists, type StatusPurpose, setStatus, statusListVersions } from './status-store.js';
import { asStorageError, storage } from './storage-error.js';
import { buildStatusListTokens, type StatusListToken, writeStatusListTokenFiles } from './token-status-list.js';
import { ownCopy, snapshot, unreadable } from './untrusted-json.js';

export interface OpenIssuerOptions {
  /**
   * The issuer's database: a SQLite file path, or a `postgres://` / `postgresql://`
   * connection URL (the database must exist; the issuer creates its tables). Several
   * processes may share one PostgreSQL database (see the README, "Running on PostgreSQL").
   */
  database?: string;
  /** The older name of {@link database}; give one of the two. */
  path?: string;
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
  /**
   * An existing database that lacks migrations of this version: `'auto'` (default)
   * applies them on open, `'refuse'` throws `MIGRATION_REQUIRED` naming them (apply
   * them with `tradewind issuer migrate`). A new, empty database always gets them all.
   */
  migrate?: 'auto' | 'refuse';
  /** PostgreSQL: connections in this process's pool (default 10). */
  poolSize?: number;
  /**
   * SD-JWT VC settings by credential type: `{ types: { NationalIdCredential: { disclose:
   * ['/given_name', …], ageOver: [18, 21] } } }` (see the README, "SD-JWT VC"). Not stored:
   * give them at every open.
   */
  sdJwt?: SdJwtSettings;
  /**
   * Data Integrity (`format: 'di'`) settings: `{ contexts: { [url]: context } }`, the
   * JSON-LD contexts of the agency's credential types besides the bundled ones (see the
   * README, "Data Integrity"). Not stored: give them at every open.
   */
  dataIntegrity?: DataIntegritySettings;
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
 * const issuer = await openIssuer({ database: 'registry.db', secret, statusListBaseUrl: 'https://registry.gov.example/status' })
 * const { did } = await issuer.createDid({ method: 'key' })
 * const { jwt, id } = await issuer.issue({ type: 'BirthCertificate', credentialSubject: { id: holderDid, name: 'Ana' } })
 * await issuer.revoke(id)
 * await issuer.publishStatusLists('public/status')
 * await issuer.close()
 * ```
 */
export class Issuer {
  private readonly signers = new Map<string, ManagedDid>();
  private closed = false;

  private constructor(
    /** The agent (Veramo + SQLite) underneath. */
    readonly agent: TradewindAgent,
    private settings: {
      baseUrl?: string;
      listLength: number;
      logClaims: boolean;
      defaultIssuer?: string;
      sdJwt?: SdJwtSettings;
      dataIntegrity?: DataIntegritySettings;
    },
  ) {}

  /** @internal use {@link openIssuer} */
  static async open(given: OpenIssuerOptions): Promise<Issuer> {
    const options = snapshot<OpenIssuerOptions>(given, 'openIssuer options');
    checkOpenOptions(options);
    const sdJwt = options.sdJwt === undefined ? undefined : checkSdJwtSettings(options.sdJwt);
    const dataIntegrity = options.dataIntegrity === undefined ? undefined : checkDataIntegritySettings(options.dataIntegrity);
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
    if (options.database !== undefined && options.path !== undefined && options.database !== options.path)
      throw new TradewindError('INVALID_ARGUMENT', 'give the database as `database` or as `path`, not both', { path: '/database' });
    const database = options.database ?? options.path;
    if (typeof database !== 'string' || database === '')
      throw new TradewindError('INVALID_ARGUMENT', 'openIssuer needs a database: a SQLite file path or a postgres:// URL', {
        path: '/database',
      });
    // Safe to put in messages: a PostgreSQL URL without its password.
    const where = parseDatabaseLocation(database).display;
    const agent = await storage(`cannot open ${where}`, () =>
      openAgent({
        database,
        secret: options.secret,
        migrations: [...ISSUER_MIGRATIONS],
        ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
        ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
        ...(options.create === undefined ? {} : { create: options.create }),
        ...(options.kdf ? { kdf: options.kdf } : {}),
        ...(options.busyTimeoutMs ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
      }),
    );
    try {
      const updates: Array<[string, string]> = [];
      if (options.statusListBaseUrl !== undefined) updates.push(['statusListBaseUrl', options.statusListBaseUrl.replace(/\/+$/, '')]);
      if (length !== undefined) updates.push(['statusListLength', String(length)]);
      if (options.logClaims !== undefined) updates.push(['logClaims', options.logClaims ? '1' : '0']);
      if (updates.length > 0) {
        await storage(
          `cannot store the settings of ${where}`,
          () =>
            agent.transaction(async (q) => {
              for (const [k, v] of updates) await q(UPSERT_SETTING, [k, v]);
            }),
          where,
        );
      }
      const rows = (await storage(
        `cannot read the settings of ${where}`,
        () => agent.query(`SELECT "key", "value" FROM "tw_issuer_setting"`),
        where,
      )) as Array<{
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
      if (sdJwt !== undefined) settings.sdJwt = sdJwt;
      if (dataIntegrity !== undefined) settings.dataIntegrity = dataIntegrity;
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
  async createDid(given: CreateDidOptions = {}): Promise<ManagedDid> {
    this.checkOpen();
    const options = snapshot<CreateDidOptions>(given, 'createDid options');
    const allowed = { method: ['key', 'jwk', 'web'], keyType: ['Ed25519', 'P-256'] } as const;
    for (const key of ['method', 'keyType'] as const) {
      const v: unknown = options[key];
      if (v !== undefined && !(allowed[key] as readonly unknown[]).includes(v))
        throw new TradewindError('INVALID_ARGUMENT', `${key} must be one of ${allowed[key].join(', ')}`, { path: `/${key}` });
    }
    for (const key of ['alias', 'domain'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'string')
        throw new TradewindError('INVALID_ARGUMENT', `${key} must be a string`, { path: `/${key}` });
    }
    const did = await this.guard('cannot create the DID', () => this.agent.createDid(options));
    if (this.settings.defaultIssuer === undefined) {
      // The first DID of the database becomes the default, unless another instance on the
      // same database made its own the default meanwhile: then that one stays, here too.
      const rows = await this.guard('cannot set the default DID', () =>
        this.agent.transaction(async (q) => {
          await q(`INSERT INTO "tw_issuer_setting" ("key", "value") VALUES ('defaultIssuer', ?) ON CONFLICT ("key") DO NOTHING`, [did.did]);
          return (await q(`SELECT "value" FROM "tw_issuer_setting" WHERE "key" = 'defaultIssuer'`)) as Array<{ value: string }>;
        }),
      );
      this.settings.defaultIssuer = rows[0]?.value ?? did.did;
    }
    return did;
  }

  /** Every DID of this issuer. */
  listDids(): Promise<ManagedDid[]> {
    this.checkOpen();
    return this.guard('cannot list the DIDs', () => this.agent.listDids());
  }

  /** Makes `did` (a DID of this database) the default issuer. */
  async setDefaultDid(did: string): Promise<void> {
    this.checkOpen();
    checkId(did, 'did');
    await this.agent.getDid(did);
    await this.guard('cannot set the default DID', () => this.agent.transaction((q) => q(UPSERT_SETTING, ['defaultIssuer', did])));
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
  async signRecognitionList(given: RecognitionListRequest): Promise<string> {
    this.checkOpen();
    const request = snapshot<RecognitionListRequest>(given, 'the recognition list request');
    const anchor = request.issuer ?? this.settings.defaultIssuer;
    await this.guard('cannot read the keys', () => this.agent.syncKeys());
    if (anchor === undefined) throw new TradewindError('INVALID_ARGUMENT', 'this issuer has no DID to sign with: create one first');
    try {
      return await signRecognitionList(this.agent, anchor, request);
    } catch (error) {
      // A value of the request (a Proxy, a Date subclass) that throws while it is read.
      throw unreadable(asStorageError(error, 'cannot sign the recognition list', this.agent.location), 'the recognition list request');
    }
  }

  /**
   * The keys a recognition list carries for one of this issuer's DIDs (needed for
   * did:web): every key, the signing key first, then the retired ones. Listed in one
   * entry they would all be accepted for the entry's whole window: after a rotation use
   * {@link recognitionEntries}, which binds each key to its period.
   */
  async recognitionKeys(did: string): Promise<RecognizedKey[]> {
    this.checkOpen();
    checkId(did, 'did');
    return this.guard('cannot read the keys', () => recognitionKeys(this.agent, did));
  }

  /**
   * Every key of one of this issuer's DIDs with its period: the signing key first
   * (`state: 'current'`, `activeFrom` once it replaced another key), then the retired
   * ones, most recently retired first (`state: 'retired'`, `retiredAt`).
   */
  async signingKeys(did: string): Promise<SigningKey[]> {
    this.checkOpen();
    checkId(did, 'did');
    return this.guard('cannot read the keys', () => signingKeys(this.agent, did));
  }

  /**
   * The recognition list entries a trust anchor writes for one of this issuer's DIDs:
   * `template` (country, name, credential types, assurance level, …) once per key, each
   * with that key alone; a retired key's entry ends at its `retiredAt`, so verifiers
   * refuse what it signs dated after its retirement and accept what it signed before.
   *
   * @example
   * ```ts
   * const entries = await issuer.recognitionEntries('did:web:registry.gov.tt', {
   *   country: 'TT', name: 'Registrar General', credentialTypes: ['NationalIdCredential'], assuranceLevel: 'substantial',
   * })
   * await anchor.signRecognitionList({ sequence: 13, nextUpdate: '2027-01-01T00:00:00Z', entries })
   * ```
   */
  async recognitionEntries(did: string, template: RecognitionEntryTemplate): Promise<RecognitionEntry[]> {
    this.checkOpen();
    checkId(did, 'did');
    if (!isJsonObject(template)) throw new TradewindError('INVALID_ARGUMENT', 'the entry template must be an object');
    const copy = snapshot<Record<string, unknown>>(template, 'the entry template');
    for (const key of ['id', 'keys'])
      if (Object.hasOwn(copy, key))
        throw new TradewindError('INVALID_ARGUMENT', `the entry template has no ${key}: it comes from the DID`, { path: `/${key}` });
    return this.guard('cannot read the keys', () => recognitionEntries(this.agent, did, copy as unknown as RecognitionEntryTemplate));
  }

  /**
   * Replaces the signing key of a did:web DID of this issuer (see the README, "Key
   * rotation"): a new key with a new verification method id, committed together with
   * the old key's retirement. From then on credentials, status lists, re-emissions and
   * recognition lists are signed with the new key; the old one stays in the DID document
   * and in {@link signingKeys} as retired. A did:key or did:jwk DID is its key:
   * `INVALID_ARGUMENT` (create a new DID instead). `now` (default: now) before a
   * credential this DID already issued, or before the current key became active, is
   * `INVALID_ARGUMENT`: the old key's period would no longer cover what it signed.
   *
   * @example
   * ```ts
   * const { did, previous } = await issuer.rotateKey('did:web:registry.gov.example')
   * await writeFile('did.json', JSON.stringify(await issuer.didWebDocument(did.did)))
   * ```
   */
  async rotateKey(
    did: string,
    given: RotateKeyOptions = {},
  ): Promise<{
    did: string;
    verificationMethod: string;
    previous: { verificationMethod: string; retiredAt: string };
    rotation: KeyRotation;
  }> {
    this.checkOpen();
    checkId(did, 'did');
    if (!isJsonObject(given)) throw new TradewindError('INVALID_ARGUMENT', 'rotateKey options must be an object');
    const options = snapshot<RotateKeyOptions>(given, 'rotateKey options');
    for (const key of Object.keys(options))
      if (key !== 'now' && key !== 'keyType')
        throw new TradewindError('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)}`, { path: `/${key}` });
    if (options.keyType !== undefined && options.keyType !== 'Ed25519' && options.keyType !== 'P-256')
      throw new TradewindError('INVALID_ARGUMENT', 'keyType must be one of Ed25519, P-256', { path: '/keyType' });
    if (options.now !== undefined && !isValidDate(options.now))
      throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date (years 1 to 9999)', { path: '/now' });
    await this.agent.getDid(did).catch((cause: unknown) => {
      throw new TradewindError('NOT_FOUND', `${did} is not a DID of this database`, { path: '/did', cause });
    });
    const rotation = await this.guard(`cannot rotate the key of ${did}`, () =>
      this.agent.rotateKey(did, {
        ...options,
        check: async (q, at) => {
          const [row] = (await q(`SELECT MAX("issued_at") AS "last" FROM "tw_issuance_log" WHERE "issuer" = ?`, [did])) as Array<{
            last: string | null;
          }>;
          if (row?.last && Date.parse(row.last) >= Date.parse(at) + 1000)
            throw new TradewindError(
              'INVALID_ARGUMENT',
              `${did} issued a credential at ${row.last}, after ${at}: the retired key would no longer cover it`,
              { path: '/now' },
            );
        },
      }),
    );
    this.signers.set(did, rotation.did);
    return {
      did: rotation.did.did,
      verificationMethod: rotation.did.verificationMethod,
      previous: { verificationMethod: rotation.previous.verificationMethod, retiredAt: rotation.previous.retiredAt },
      rotation,
    };
  }

  /**
   * The DID document to host at `https://<domain>/.well-known/did.json` for a did:web
   * DID of this issuer: every key, the signing key first; retired keys stay in
   * `verificationMethod` and `assertionMethod` with a `retiredAt` member.
   *
   * Keys are `JsonWebKey2020` methods (`publicKeyJwk`) by default. `{ keyType: 'Multikey' }`
   * lists the same method ids as `Multikey` (`publicKeyMultibase`), as Data Integrity
   * verifiers expect for `di` credentials; Tradewind's verifier reads either form for
   * every format, so an agency issuing `di` credentials publishes that one.
   *
   * @example
   * ```ts
   * await writeFile('did.json', JSON.stringify(await issuer.didWebDocument(did, { keyType: 'Multikey' })))
   * ```
   */
  async didWebDocument(did: string, options: { keyType?: 'JsonWebKey2020' | 'Multikey' } = {}): Promise<DIDDocument> {
    this.checkOpen();
    checkId(did, 'did');
    if (!isJsonObject(options)) throw new TradewindError('INVALID_ARGUMENT', 'didWebDocument options must be an object');
    const { keyType } = snapshot<{ keyType?: unknown }>(options, 'didWebDocument options');
    if (keyType !== undefined && keyType !== 'JsonWebKey2020' && keyType !== 'Multikey')
      throw new TradewindError('INVALID_ARGUMENT', 'keyType must be JsonWebKey2020 or Multikey', { path: '/keyType' });
    await this.guard('cannot read the keys', () => this.agent.syncKeys());
    const document = await this.agent.didWebDocument(did);
    return keyType === 'Multikey' ? multikeyDocument(document) : document;
  }

  /**
   * Issues one credential: allocates its status indexes, signs it and logs it in one
   * transaction. The request is a whole credential document (`{ credential, format?,
   * status?, recordKey? }`, signed as given plus what the issuer manages: see the README),
   * or the convenience shape the issuer builds a document from.
   *
   * @example
   * ```ts
   * const issued = await issuer.issue({
   *   credential: {
   *     '@context': ['https://www.w3.org/ns/credentials/v2'],
   *     type: ['VerifiableCredential', 'NationalIdCredential'],
   *     name: [{ '@value': 'National ID', '@language': 'en' }, { '@value': 'Carte d’identité', '@language': 'fr' }],
   *     credentialSubject: { id: 'did:key:z6Mk…', givenName: 'Ana', familyName: 'Joseph' },
   *   },
   *   status: ['revocation', 'suspension'],
   * })
   * const shortcut = await issuer.issue({
   *   type: 'NationalIdCredential', format: 'vc+jwt', status: ['revocation', 'suspension'],
   *   credentialSubject: { id: 'did:key:z6Mk…', givenName: 'Ana', familyName: 'Joseph' },
   *   validUntil: '2031-01-01T00:00:00Z',
   * })
   * ```
   */
  async issue(request: IssueDocumentRequest | IssueRequest): Promise<IssuedCredential> {
    const [issued] = await this.issueMany([request]);
    return issued as IssuedCredential;
  }

  /** Issues several credentials (at most 10,000; either form) in one all-or-nothing transaction. */
  async issueMany(requests: Array<IssueDocumentRequest | IssueRequest>, now = new Date()): Promise<IssuedCredential[]> {
    this.checkOpen();
    if (!Array.isArray(requests) || requests.length > 10_000)
      throw new TradewindError('INVALID_ARGUMENT', 'issueMany takes a list of at most 10000 requests');
    let list: unknown[];
    try {
      list = Array.from(requests as unknown[]);
    } catch (error) {
      throw unreadable(error, 'the requests');
    }
    if (!isValidDate(now)) throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date (years 1 to 9999)');
    const defaults = { issuer: this.settings.defaultIssuer, now, baseUrl: this.settings.baseUrl, sdJwt: this.settings.sdJwt };
    const normalized = list.map((r) => {
      let document: boolean;
      try {
        document = isDocumentRequest(r);
      } catch (error) {
        throw unreadable(error, 'the issue request');
      }
      return document ? normalizeDocument(r, defaults) : normalizeRequest(r as IssueRequest, defaults);
    });
    // dc+sd-jwt: the holder DIDs' keys (did:key, did:jwk: resolved offline) become cnf.
    await resolveHolders(normalized);
    // di: every context known offline, before any transaction (and index reservation).
    for (const r of normalized) if (r.format === 'di') await checkContexts(r.document, this.settings.dataIntegrity);
    await this.loadSigners(normalized);
    // What makes the group fail before anything is written (read again in the transaction).
    const check = async (q: Query) => {
      const keys = normalized.flatMap((r) => (r.recordKey === undefined ? [] : [r.recordKey]));
      if (new Set(keys).size !== keys.length) throw new TradewindError('INVALID_ARGUMENT', 'two requests share a recordKey');
      if (keys.length > 0) {
        const rows = (await q(
          `SELECT "record_key" FROM "tw_issuance_log" WHERE "record_key" IN (${keys.map(() => '?').join(', ')})`,
          keys,
        )) as unknown[];
        if (rows.length > 0)
          throw new TradewindError('ALREADY_EXISTS', `a credential with this recordKey was already issued; ${REEMIT_HINT}`, {
            path: '/recordKey',
          });
      }
      const ids = normalized.map((r) => r.id);
      if (new Set(ids).size !== ids.length) throw new TradewindError('INVALID_ARGUMENT', 'two requests share a credential id');
      await refuseOwnLists(q, normalized);
      // Generated ids are random UUIDs; only ids the caller chose can already be taken.
      const chosen = normalized.flatMap((r) => (r.idChosen ? [r.id] : []));
      if (chosen.length > 0) {
        const placeholders = chosen.map(() => '?').join(', ');
        const dup = (await q(
          `SELECT "credential_id" FROM "tw_issuance_log" WHERE "credential_id" IN (${placeholders})`,
          chosen,
        )) as unknown[];
        if (dup.length > 0)
          throw new TradewindError('ALREADY_EXISTS', `a credential with this id was already issued; ${REEMIT_HINT}`, { path: '/id' });
      }
    };
    return this.guard('cannot issue', async () => {
      let reserved: Awaited<ReturnType<typeof reserveStatus>>;
      if (this.agent.engine === 'postgres') {
        // Refuse what would be refused before reserving indexes for it, then reserve them
        // in short transactions of their own (see status-store.ts).
        await check((sql, params) => this.agent.query(sql, params));
        reserved = await reserveStatus(this.groupContext(), normalized, now);
      }
      try {
        return await this.agent.transaction(async (q) => {
          await check(q);
          return issueGroup(q, this.groupContext(), normalized, now, reserved);
        });
      } catch (error) {
        // Another instance committed the same record key or id after the check (PostgreSQL).
        const conflict = logConflict(error);
        if (conflict === 'recordKey')
          throw new TradewindError('ALREADY_EXISTS', `a credential with this recordKey was already issued; ${REEMIT_HINT}`, {
            path: '/recordKey',
            cause: error,
          });
        if (conflict === 'id')
          throw new TradewindError('ALREADY_EXISTS', `a credential with this id was already issued; ${REEMIT_HINT}`, {
            path: '/id',
            cause: error,
          });
        throw error;
      }
    });
  }

  /**
   * Signs again a credential this database issued (same id, status indexes, dates),
   * for an issuance whose JWT was lost after the commit (a crash before it was
   * delivered). `request` is the original request; it must name the credential by
   * `id` or `recordKey`. The content rebuilt from it must be what was issued under that
   * id — otherwise `ALREADY_EXISTS` and nothing is signed. `NOT_FOUND` when nothing
   * was issued under that id. Every re-emission is logged
   * (`LoggedCredential.reemissions`).
   *
   * @example
   * ```ts
   * const request = { id: 'urn:uuid:…', type: 'BirthCertificate', credentialSubject: { id: holder, name: 'Ana' } }
   * try { await issuer.issue(request) }
   * catch (e) { if (e.code === 'ALREADY_EXISTS') return issuer.reemit(request) }
   * ```
   */
  async reemit(given: IssueDocumentRequest | IssueRequest): Promise<IssuedCredential> {
    this.checkOpen();
    const request = snapshot<Record<string, unknown>>(given, 'the request');
    let id: unknown = request.id;
    const recordKey: unknown = request.recordKey;
    if (Object.hasOwn(request, 'credential')) {
      // Read once: what names the credential is what is rebuilt and compared.
      if (!isJsonObject(request.credential))
        throw new TradewindError('INVALID_ARGUMENT', 'credential must be a credential document (a JSON object)', { path: '/credential' });
      request.credential = ownCopy(request.credential, '/credential');
      id = (request.credential as Record<string, unknown>).id;
    }
    if (id === undefined && recordKey === undefined)
      throw new TradewindError('INVALID_ARGUMENT', 'reemit needs the id or the recordKey of the credential', {
        path: Object.hasOwn(request, 'credential') ? '/credential/id' : '/id',
      });
    if (id !== undefined) checkId(id, Object.hasOwn(request, 'credential') ? 'credential/id' : 'id');
    if (recordKey !== undefined) checkId(recordKey, 'recordKey');
    return this.guard('cannot re-emit', async () => {
      const query: Query = (sql, params) => this.agent.query(sql, params);
      const log =
        id !== undefined
          ? await getLogged(query, id as string)
          : (await loggedByRecordKeys(query, [recordKey as string])).get(recordKey as string);
      if (log && recordKey !== undefined && log.recordKey !== recordKey)
        throw new TradewindError(
          'INVALID_ARGUMENT',
          `credential ${log.credentialId} was issued under another recordKey${log.recordKey === undefined ? ' (none)' : ''} than ${JSON.stringify(recordKey)}: re-emit it with the request it was issued from`,
          { path: '/recordKey' },
        );
      if (!log)
        throw new TradewindError(
          'NOT_FOUND',
          `no credential ${String(id ?? `with recordKey ${String(recordKey)}`)} was issued from this database, so there is nothing to re-emit: issue it`,
        );
      const rebuilt = await rebuildLogged(request, log, this.settings.baseUrl, this.settings.sdJwt);
      const issued = await signRebuilt(this.agent, await this.signerOf(log.issuer), rebuilt, this.settings.dataIntegrity);
      await this.agent.transaction((q) =>
        insertReemissions(q, [{ credentialId: log.credentialId, contentDigest: rebuilt.digest }], new Date().toISOString(), undefined),
      );
      return issued;
    });
  }

  /**
   * Issues every valid record of a registry extract (JSONL or CSV, read as a stream,
   * records of at most `MAX_RECORD_BYTES`). All records are validated first; the bad
   * ones are reported by line and the rest issued in transactions of `transactionSize`.
   * Running the same extract again after a crash issues only what is missing, and
   * completes `outputPath` with the committed credentials it lacks.
   *
   * @example
   * ```ts
   * const result = await issuer.issueBatch({ path: 'births.csv' }, { type: 'BirthCertificate', outputPath: 'births.issued.jsonl' })
   * for (const bad of result.invalid) console.log(bad.line, bad.code, bad.reason)
   * ```
   */
  issueBatch(input: BatchInput, options: BatchOptions): Promise<BatchResult> {
    return this.guard('the batch failed', async () =>
      runBatch(
        {
          agent: this.agent,
          defaultIssuer: this.settings.defaultIssuer,
          baseUrl: this.settings.baseUrl,
          loadSigners: (r) => this.loadSigners(r),
          checkOpen: () => this.checkOpen(),
          groupContext: (batchId) => ({ ...this.groupContext(), batchId }),
          signerOf: (did) => this.signerOf(did),
          sdJwt: this.settings.sdJwt,
          dataIntegrity: this.settings.dataIntegrity,
        },
        input,
        options,
      ),
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
   * `now` for `validForSeconds` (default one day): as `vc+jwt` (default), or with
   * `format: 'di'` as Data Integrity credentials (eddsa-rdfc-2022 or ecdsa-rdfc-2019 by
   * the issuer's key, `proof.created` = `now`), whose `jwt` member is then the JSON text.
   * The lists are the same either way (one list holds JOSE and `di` credentials alike).
   *
   * @example
   * ```ts
   * const [list] = await issuer.statusListCredentials({ format: 'di' })
   * // serve list.jwt (JSON) at list.url with Content-Type: application/vc
   * ```
   */
  async statusListCredentials(
    given: { now?: Date; validForSeconds?: number; issuer?: string; format?: StatusListFormat } = {},
  ): Promise<StatusListCredential[]> {
    this.checkOpen();
    const options = snapshot<{ now?: Date; validForSeconds?: number; issuer?: string; format?: StatusListFormat }>(given, 'options');
    const { now, validForSeconds } = checkListOptions(options, ['now', 'validForSeconds', 'issuer', 'format']);
    if (options.issuer !== undefined) checkId(options.issuer, 'issuer');
    const format = options.format ?? 'vc+jwt';
    if (format !== 'vc+jwt' && format !== 'di')
      throw new TradewindError('INVALID_ARGUMENT', 'format must be vc+jwt or di', { path: '/format' });
    const query: Query = (sql, params) => this.agent.query(sql, params);
    return this.guard('cannot read the status lists', () =>
      buildStatusListCredentials(this.agent, query, (did) => this.signerOf(did), {
        now,
        validForSeconds,
        format,
        dataIntegrity: this.settings.dataIntegrity,
        ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      }),
    );
  }

  /**
   * Signs the current Token Status Lists (`statuslist+jwt`, for `dc+sd-jwt` credentials):
   * all of them, one issuer's, or the one published at `url`; `iat` is `now`, `exp` comes
   * from `validForSeconds` (default one day, as for the Bitstring lists). `ttl`, how long a
   * verifier may cache the token before it fetches it again, is `ttlSeconds`: default 300,
   * never more than `validForSeconds`. A revocation reaches a caching verifier within it.
   *
   * @example
   * ```ts
   * const [token] = await issuer.statusListTokens({ url: issued.statusList.uri })
   * // serve token.jwt at token.url with Content-Type: application/statuslist+jwt
   * ```
   */
  async statusListTokens(
    given: { now?: Date; validForSeconds?: number; ttlSeconds?: number; issuer?: string; url?: string } = {},
  ): Promise<StatusListToken[]> {
    this.checkOpen();
    const options = snapshot<{ now?: Date; validForSeconds?: number; ttlSeconds?: number; issuer?: string; url?: string }>(
      given,
      'options',
    );
    const { now, validForSeconds } = checkListOptions(options, ['now', 'validForSeconds', 'ttlSeconds', 'issuer', 'url']);
    const ttl = options.ttlSeconds ?? Math.min(DEFAULT_TOKEN_TTL_SECONDS, validForSeconds);
    if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > validForSeconds) {
      throw new TradewindError('INVALID_ARGUMENT', 'ttlSeconds must be a whole number of seconds from 1 to validForSeconds', {
        path: '/ttlSeconds',
      });
    }
    if (options.issuer !== undefined) checkId(options.issuer, 'issuer');
    if (options.url !== undefined) checkId(options.url, 'url');
    const query: Query = (sql, params) => this.agent.query(sql, params);
    const tokens = await this.guard('cannot read the status lists', () =>
      buildStatusListTokens(this.agent, query, (did) => this.signerOf(did), {
        now,
        validForSeconds,
        ttlSeconds: ttl,
        ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
        ...(options.url === undefined ? {} : { url: options.url }),
      }),
    );
    if (options.url !== undefined && tokens.length === 0)
      throw new TradewindError('NOT_FOUND', `no Token Status List of this database is published at ${options.url}`, { path: '/url' });
    return tokens;
  }

  /**
   * Signs every status list and writes it to `dir/<n>` (publish `dir` at
   * `statusListBaseUrl`), with a manifest `dir/status-lists.json`; the Token Status Lists
   * go to `dir/token/<n>`, with their own manifest `dir/token/status-lists.json`.
   *
   * `dataIntegrity` (default: whether this database issued any `di` credential) also
   * writes every Bitstring list as a Data Integrity credential to `dir/<n>.json`, named in
   * the manifest as the list's `dataIntegrityFile` (see the README, "Data Integrity":
   * serve it at the list's URL to clients asking for `application/vc`).
   */
  async publishStatusLists(
    dir: string,
    options: { now?: Date; validForSeconds?: number; dataIntegrity?: boolean } = {},
  ): Promise<Array<{ url: string; file: string }>> {
    if (typeof dir !== 'string' || dir === '') throw new TradewindError('INVALID_ARGUMENT', 'publishStatusLists needs a folder path');
    const o = snapshot<{ now?: Date; validForSeconds?: number; dataIntegrity?: boolean }>(options, 'options');
    const { now } = checkListOptions(o, ['now', 'validForSeconds', 'dataIntegrity']);
    if (o.dataIntegrity !== undefined && typeof o.dataIntegrity !== 'boolean')
      throw new TradewindError('INVALID_ARGUMENT', 'dataIntegrity must be true or false', { path: '/dataIntegrity' });
    const times = { now, ...(o.validForSeconds === undefined ? {} : { validForSeconds: o.validForSeconds }) };
    const lists = await this.statusListCredentials(times);
    const tokens = await this.statusListTokens(times);
    const withDi =
      o.dataIntegrity ??
      (await this.guard('cannot read the issuance log', async () => {
        const rows = (await this.agent.query(`SELECT 1 AS "found" FROM "tw_issuance_log" WHERE "format" = 'di' LIMIT 1`)) as unknown[];
        return rows.length > 0;
      }));
    const diLists = withDi ? await this.statusListCredentials({ ...times, format: 'di' }) : [];
    return storage(`cannot write the status lists to ${dir}`, async () => [
      ...(withDi ? await writeDataIntegrityListFiles(dir, lists, diLists) : await writeStatusListFiles(dir, lists)),
      ...(await writeStatusListTokenFiles(dir, tokens)),
    ]);
  }

  /** Issuance log entries matching `filter` (oldest first), with their current status. */
  log(filter: LogQuery = {}): Promise<LoggedCredential[]> {
    this.checkOpen();
    return this.guard('cannot read the issuance log', () =>
      queryLog((sql, params) => this.agent.query(sql, params), filter, this.agent.engine),
    );
  }

  /** The log entry of one credential; throws `NOT_FOUND`. */
  async getIssued(credentialId: string): Promise<LoggedCredential> {
    this.checkOpen();
    checkId(credentialId, 'credentialId');
    const found = await this.guard('cannot read the issuance log', () =>
      getLogged((sql, params) => this.agent.query(sql, params), credentialId),
    );
    if (!found) throw new TradewindError('NOT_FOUND', `no credential ${credentialId} was issued from this database`);
    return found;
  }

  /**
   * The version of every status list (or of one issuer's), by list URL. A list's
   * version starts at 0 and goes up by one in the same transaction as every change of
   * one of its bits (revoke, suspend, reinstate), through any process sharing the
   * database; a new list appears with version 0. Whoever publishes signed lists keeps
   * the version each was signed at ({@link StatusListCredential.version}) and signs a
   * list again when the version here is higher.
   *
   * @example
   * ```ts
   * const versions = await issuer.statusListVersions() // or statusListVersions(did): one issuer's lists
   * const stale = published.filter((p) => (versions.get(p.url) ?? 0) > p.version)
   * ```
   */
  async statusListVersions(issuer?: string): Promise<Map<string, number>> {
    this.checkOpen();
    if (issuer !== undefined) checkId(issuer, 'issuer');
    return this.guard('cannot read the status lists', () => statusListVersions((sql, params) => this.agent.query(sql, params), issuer));
  }

  /** Closes the database and forgets the decrypted keys. */
  close(): Promise<void> {
    this.closed = true;
    return this.agent.close();
  }

  /** Runs `fn`, turning storage failures into `STORAGE_ERROR` that names this database (never its password). */
  private guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return storage(what, fn, this.agent.location);
  }

  /** A closed issuer's methods fail with a typed error, not the driver's. */
  private checkOpen(): void {
    if (this.closed) throw new TradewindError('STORAGE_ERROR', 'this issuer is closed: open the database again');
  }

  private async changeStatus(credentialId: string, purpose: StatusPurpose, value: boolean): Promise<StatusChange> {
    this.checkOpen();
    checkId(credentialId, 'credentialId');
    const { changed } = await this.guard(`cannot change the status of ${credentialId}`, () =>
      this.agent.transaction((q) => setStatus(q, this.agent.engine, credentialId, purpose, value, new Date().toISOString())),
    );
    return { credentialId, purpose, changed };
  }

  private groupContext(): GroupContext {
    return {
      agent: this.agent,
      signers: this.signers,
      baseUrl: this.settings.baseUrl,
      listLength: this.settings.listLength,
      logClaims: this.settings.logClaims,
      dataIntegrity: this.settings.dataIntegrity,
    };
  }

  private async loadSigners(requests: Array<Pick<NormalizedRequest, 'issuer'> & { issuerPath?: string }>): Promise<void> {
    for (const r of requests) if (!this.signers.has(r.issuer)) await this.signerOf(r.issuer, r.issuerPath);
  }

  // The DID's current signing key (after a rotation here or in another process).
  private async signerOf(did: string, path = '/issuer'): Promise<ManagedDid> {
    await this.agent.syncKeys();
    const signer = await this.agent.getDid(did).catch((cause: unknown) => {
      throw new TradewindError('NOT_FOUND', `issuer ${did} is not a DID of this database`, { path, cause });
    });
    this.signers.set(did, signer);
    return signer;
  }
}

const REEMIT_HINT =
  'if that issuance was lost before it was delivered, sign it again with Issuer.reemit(request) (CLI: the same tradewind issue command with --reemit)';

// Longest id, DID or record key a method accepts.
const MAX_ID_LENGTH = 4096;

function checkId(value: unknown, name: string): void {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH)
    throw new TradewindError('INVALID_ARGUMENT', `${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`, {
      path: `/${name}`,
    });
}

// Status lists are valid for at most ten years.
const MAX_VALID_FOR_SECONDS = 10 * 366 * 86_400;

/** Default `ttl` of a Token Status List: the service's default cache lifetime of a status list. */
const DEFAULT_TOKEN_TTL_SECONDS = 300;

function checkListOptions(options: unknown, allowed: string[]): { now: Date; validForSeconds: number } {
  if (!isJsonObject(options)) throw new TradewindError('INVALID_ARGUMENT', 'options must be an object');
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TradewindError('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)}`, { path: `/${key}` });
  }
  const now = options.now ?? new Date();
  if (!isValidDate(now)) throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date (years 1 to 9999)', { path: '/now' });
  const validForSeconds = options.validForSeconds ?? 86_400;
  if (
    typeof validForSeconds !== 'number' ||
    !Number.isSafeInteger(validForSeconds) ||
    validForSeconds < 1 ||
    validForSeconds > MAX_VALID_FOR_SECONDS
  )
    throw new TradewindError('INVALID_ARGUMENT', `validForSeconds must be a whole number of seconds from 1 to ${MAX_VALID_FOR_SECONDS}`, {
      path: '/validForSeconds',
    });
  return { now, validForSeconds };
}

const OPEN_KEYS = new Set([
  'database',
  'path',
  'secret',
  'create',
  'statusListBaseUrl',
  'statusListLength',
  'logClaims',
  'kdf',
  'busyTimeoutMs',
  'migrate',
  'poolSize',
  'sdJwt',
  'dataIntegrity',
]);

// Sets one issuer setting (both engines).
const UPSERT_SETTING = `INSERT INTO "tw_issuer_setting" ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`;

function checkOpenOptions(options: OpenIssuerOptions): void {
  // A misspelt option (statusListBaseurl) would otherwise be ignored without a word.
  for (const key of Object.keys(options)) {
    if (!OPEN_KEYS.has(key)) throw new TradewindError('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)}`, { path: `/${key}` });
  }
  for (const key of ['create', 'logClaims'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean')
      throw new TradewindError('INVALID_ARGUMENT', `${key} must be true or false`, { path: `/${key}` });
  }
  if (options.statusListBaseUrl !== undefined && typeof options.statusListBaseUrl !== 'string')
    throw new TradewindError('INVALID_ARGUMENT', 'statusListBaseUrl must be a string', { path: '/statusListBaseUrl' });
  const busy = options.busyTimeoutMs;
  if (busy !== undefined && (typeof busy !== 'number' || !Number.isSafeInteger(busy) || busy < 0 || busy > 3_600_000))
    throw new TradewindError('INVALID_ARGUMENT', 'busyTimeoutMs must be a whole number of milliseconds up to one hour', {
      path: '/busyTimeoutMs',
    });
}

/**
 * Opens (or creates) an issuer database. A wrong secret throws `WRONG_SECRET` and
 * changes nothing.
 *
 * @example
 * ```ts
 * const issuer = await openIssuer({ database: 'registry.db', secret: process.env.TRADEWIND_SECRET!, statusListBaseUrl: 'https://registry.gov.example/status' })
 * ```
 */
export function openIssuer(options: OpenIssuerOptions): Promise<Issuer> {
  return Issuer.open(options);
}

/**
 * A did:web document with its `JsonWebKey2020` methods as `Multikey` ones: the same ids
 * (and `retiredAt`), `publicKeyMultibase` instead of `publicKeyJwk`, the Multikey context
 * instead of the JWS 2020 one.
 */
function multikeyDocument(document: DIDDocument): DIDDocument {
  const contexts = (Array.isArray(document['@context']) ? document['@context'] : [document['@context']]).map((c) =>
    c === 'https://w3id.org/security/suites/jws-2020/v1' ? MULTIKEY_CONTEXT : c,
  );
  return {
    ...document,
    '@context': contexts as DIDDocument['@context'],
    verificationMethod: (document.verificationMethod ?? []).map((vm) => {
      const { publicKeyJwk, ...rest } = vm as typeof vm & { publicKeyJwk?: JsonObject };
      if (publicKeyJwk === undefined) return vm;
      return { ...rest, type: 'Multikey', publicKeyMultibase: jwkToMultikey(publicKeyJwk as never) };
    }),
  };
}

const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
