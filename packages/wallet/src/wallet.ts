import { existsSync, rmSync } from 'node:fs';
import { type CreateDidOptions, type ManagedDid, openAgent, type TradewindAgent } from '@tradewind/agent';
import { isJsonObject, type JsonObject, TradewindError, typesOf, type VerificationIssue } from '@tradewind/core';
import { type CredentialVerificationResult, createVerifier, type Verifier, type VerifyOptions } from '@tradewind/verifier';
import { type AcceptOfferOptions, acceptOffer, checkOffered } from './accept-offer.js';
import { describe, reading, readOptions } from './arguments.js';
import { type BackupKdf, DEFAULT_BACKUP_KDF, sealBackup } from './backup/container.js';
import { backupContents } from './backup/contents.js';
import { type RestoreSummary, readBackupRows, restoreContents } from './backup/restore.js';
import type { RestoreVerifiers } from './backup/reverify.js';
import { type CredentialRow, checkInput, type SignedInput, type StoredCredential, signedInputOf, toRow } from './credential-record.js';
import { type DataIntegrityOptions, diCredentialOf, diRow, materialFor, parseMaterial } from './di/record.js';
import { exportDids } from './holder-keys.js';
import { type MatchingWallet, matchPresentationRequest, type PresentationMatch } from './openid4vp/match.js';
import { type ParsedPresentationRequest, type ParsePresentationRequestOptions, parsePresentationRequest } from './openid4vp/request.js';
import {
  declinePresentationRequest,
  type PresentationResponse,
  type RespondingWallet,
  type RespondOptions,
  respondToPresentationRequest,
} from './openid4vp/respond.js';
import { boundHolder, buildPresentation, type PresentationRequest, presentationFormat } from './presentation.js';
import { CredentialRejectedError, type RejectedCredential } from './rejection.js';
import { type DisclosableClaim, hasKeyBinding, looksLikeSdJwt, sdJwtParts, sdJwtText } from './sd-jwt/disclosures.js';
import { confirmationKeyOf, describeConfirmation, holderFor, type WalletKeys, walletKeys } from './sd-jwt/holder-key.js';
import { pointerOf, presentSdJwt, type SdJwtPresentation, type SdJwtPresentationRequest, selectDisclosures } from './sd-jwt/present.js';
import { sdJwtRow, unionOfDisclosures } from './sd-jwt/record.js';
import { CredentialStore, type DisclosureUpdate } from './store/credential-store.js';
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

/** Result of {@link Wallet.receive} and {@link Wallet.acceptOffer}. */
export interface Received {
  /** False when the wallet already held this credential. */
  added: boolean;
  /**
   * True when the wallet held this SD-JWT VC (the same issuer-signed JWT) with fewer
   * disclosures and now holds the union of both forms (`added` is false then). False when
   * it was added, or held with every disclosure this form carries (nothing was written).
   */
  updated: boolean;
  credential: StoredCredential;
  /** The verifier's non-fatal findings (for example a status list it could only warn about). */
  warnings: VerificationIssue[];
}

/** What storing a verified credential did: stored it, gave a held SD-JWT VC more disclosures, or nothing (held already). */
type Kept = 'added' | 'updated' | 'held';
/** Tries at merging disclosures while other receives of the same SD-JWT VC keep changing it. */
const MAX_MERGE_ATTEMPTS = 8;

/** A holder DID of this wallet. */
export type HolderDid = ManagedDid;

/**
 * A credential checked by {@link Wallet.verifyAll}: what was passed and the verifier's
 * result for it. Only these objects, from the same wallet, are accepted by
 * {@link Wallet.storeVerified}; the wallet keeps what it will store for each one, so
 * changing `input` or `verification` afterwards changes nothing that is stored.
 */
export interface CheckedCredential {
  readonly input: string | JsonObject;
  readonly verification: CredentialVerificationResult;
}

export type { RestoreSummary } from './backup/restore.js';

/**
 * A holder's wallet: DIDs and keys in a Veramo agent, credentials in the wallet's own
 * indexed table, both in one SQLite file.
 */
export class Wallet {
  /**
   * What {@link verifyAll} handed out, and the row each verified one stores (undefined: it
   * did not verify). A true private field: nothing outside this class can add to it.
   */
  readonly #checked = new WeakMap<CheckedCredential, { row: CredentialRow | undefined; options: VerifyOptions }>();

  private constructor(
    /** The agent holding the wallet's DIDs and keys. */
    readonly agent: TradewindAgent,
    private readonly store: CredentialStore,
    private readonly verifier: Verifier,
    private readonly restoreVerifier: RestoreVerifiers,
    /** The Data Integrity material of the wallet's own verify options, kept with each DI credential it verified. */
    private readonly dataIntegrity: DataIntegrityOptions | undefined,
  ) {}

  /** @internal use {@link openWallet}. */
  static async open(options: OpenWalletOptions): Promise<Wallet> {
    if (!isJsonObject(options)) throw new TradewindError('INVALID_ARGUMENT', 'openWallet needs an options object');
    const agent = await openAgent({
      path: options.path,
      secret: options.secret,
      ...(options.create === undefined ? {} : { create: options.create }),
      ...(options.kdf ? { kdf: options.kdf } : {}),
    });
    try {
      const store = await CredentialStore.open(options.path);
      return new Wallet(
        agent,
        store,
        createVerifier(options.verify ?? {}),
        restoreVerifier(options.verify),
        dataIntegrityOf(options.verify ?? {}),
      );
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
  async createDid(given: { method?: 'key' | 'jwk'; keyType?: 'Ed25519' | 'P-256'; alias?: string } = {}): Promise<HolderDid> {
    const options = readOptions<{ method?: 'key' | 'jwk'; keyType?: 'Ed25519' | 'P-256'; alias?: string }>(given, 'createDid options');
    const method = options.method ?? 'key';
    if (method !== 'key' && method !== 'jwk')
      throw new TradewindError('INVALID_ARGUMENT', `holder DIDs are did:key or did:jwk, not did:${describe(method)}`);
    const keyType = options.keyType ?? 'Ed25519';
    if (keyType !== 'Ed25519' && keyType !== 'P-256')
      throw new TradewindError('INVALID_ARGUMENT', `key type must be Ed25519 or P-256, not ${describe(keyType)}`);
    const create: CreateDidOptions = { method, keyType };
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
   * stores it once. A Data Integrity credential (JSON with an embedded proof) is stored
   * as its JSON, with the contexts and documents of `dataIntegrity` it needed.
   *
   * @example
   * ```ts
   * const { credential, added } = await wallet.receive(jwt)
   * credential.types // ['VerifiableCredential', 'NationalIdCredential']
   * await wallet.receive(workPermit, { dataIntegrity: { contexts: { [permitContextUrl]: permitContext } } })
   * ```
   */
  async receive(input: string | JsonObject, given?: VerifyOptions): Promise<Received> {
    checkInput(input);
    const options = readOptions<VerifyOptions>(given, 'verify options');
    const signed = reading('the credential', () => signedInputOf(input));
    const di = signed ? undefined : reading('the credential', () => diCredentialOf(input));
    const result = await this.verifier.verifyCredential(di?.credential ?? toVerify(signed, input), options);
    const row = rowFor(signed, input, result, Date.now(), await this.keysFor([result]), di && this.diReceived(di, options));
    if (!row.row) throw new CredentialRejectedError([{ index: 0, errors: row.errors }], false);
    const kept = await this.keepOne(row.row, options);
    const stored = await this.get(row.row.id);
    return { added: kept === 'added', updated: kept === 'updated', credential: stored, warnings: result.verified ? result.warnings : [] };
  }

  /** Stores one verified row: the group-committed insert, else (an SD-JWT VC held already) {@link keep}. */
  private async keepOne(row: CredentialRow, options: VerifyOptions): Promise<Kept> {
    if (await this.store.put(row)) return 'added';
    if (row.format !== 'dc+sd-jwt') return 'held';
    const [kept] = await this.keep([row], () => options, false);
    return kept ?? 'held';
  }

  /**
   * Stores verified rows in one transaction, all or nothing. An SD-JWT VC held already
   * under the same issuer-signed JWT — by the wallet or by an earlier row of the batch —
   * keeps the union of the disclosures of both forms, verified as a whole with the same
   * options before it is written: a copy with fewer disclosures, received first, does not
   * keep the credential as issued out. A union that does not verify is refused
   * (`CredentialRejectedError`) and nothing is written. Per row: `added`, `updated` (a held
   * SD-JWT VC gained disclosures) or `held`.
   */
  private async keep(rows: readonly CredentialRow[], optionsOf: (index: number) => VerifyOptions, batch: boolean): Promise<Kept[]> {
    if (!rows.some((r) => r.format === 'dc+sd-jwt')) return (await this.store.putAll(rows)).map((a) => (a ? 'added' : 'held'));
    // 1. One row per SD-JWT VC of the batch: later forms fold into the first one.
    const firstAt = new Map<string, number>();
    const pending: CredentialRow[] = [];
    const inputOf: number[] = []; // each pending row's position in `rows`
    const folded = new Set<number>();
    for (const [i, row] of rows.entries()) {
      const k = row.format === 'dc+sd-jwt' ? firstAt.get(row.id) : undefined;
      if (k === undefined) {
        if (row.format === 'dc+sd-jwt') firstAt.set(row.id, pending.length);
        pending.push(row);
        inputOf.push(i);
        continue;
      }
      const union = unionOfDisclosures((pending[k] as CredentialRow).raw, row.raw);
      if (union === undefined) continue;
      pending[k] = { ...(pending[k] as CredentialRow), raw: union };
      folded.add(k);
    }
    if (folded.size > 0) {
      const at = [...folded];
      const verified = await this.verifiedForms(
        at.map((k) => (pending[k] as CredentialRow).raw),
        at.map((k) => inputOf[k] as number),
        optionsOf,
        batch,
      );
      for (const [j, k] of at.entries())
        pending[k] = { ...(verified[j] as CredentialRow), received_at: (pending[k] as CredentialRow).received_at };
    }
    // 2. Against what the wallet holds; written only if no other receive changed it meanwhile.
    for (let attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
      const held = new Map(
        (await this.store.rowsById(pending.filter((r) => r.format === 'dc+sd-jwt').map((r) => r.id))).map((r) => [r.id, r]),
      );
      const status: Kept[] = pending.map(() => 'held');
      const inserts: CredentialRow[] = [];
      const insertAt: number[] = [];
      const unions: Array<{ k: number; text: string; expected: string }> = [];
      for (const [k, row] of pending.entries()) {
        const stored = row.format === 'dc+sd-jwt' ? held.get(row.id) : undefined;
        if (stored === undefined) {
          inserts.push(row);
          insertAt.push(k);
        } else if (stored.format === 'dc+sd-jwt') {
          const text = unionOfDisclosures(stored.raw, row.raw);
          if (text !== undefined) unions.push({ k, text, expected: stored.raw });
        }
      }
      const verified = await this.verifiedForms(
        unions.map((u) => u.text),
        unions.map((u) => inputOf[u.k] as number),
        optionsOf,
        batch,
      );
      const updates: DisclosureUpdate[] = unions.map((u, j) => {
        const row = verified[j] as CredentialRow;
        return { id: row.id, raw: row.raw, claims: row.claims, expected: u.expected };
      });
      const added = await this.store.write(inserts, updates);
      if (added === undefined) continue;
      for (const [j, k] of insertAt.entries()) status[k] = added[j] ? 'added' : 'held';
      for (const u of unions) status[u.k] = 'updated';
      const out: Kept[] = rows.map(() => 'held');
      for (const [k, i] of inputOf.entries()) out[i] = status[k] as Kept;
      return out;
    }
    throw new TradewindError('STORAGE_ERROR', 'the credential kept changing while it was stored (other receives of it): try again');
  }

  /** Rows for compact SD-JWTs (unions of held and received forms) that verify as a whole, else the refusal of all. */
  private async verifiedForms(
    texts: readonly string[],
    indexes: readonly number[],
    optionsOf: (index: number) => VerifyOptions,
    batch: boolean,
  ): Promise<CredentialRow[]> {
    if (texts.length === 0) return [];
    const results = await Promise.all(texts.map((text, j) => this.verifier.verifyCredential(text, optionsOf(indexes[j] as number))));
    const keys = await this.keysFor(results);
    const now = Date.now();
    const rows: CredentialRow[] = [];
    const rejected: RejectedCredential[] = [];
    for (const [j, result] of results.entries()) {
      const made = rowFor(undefined, texts[j] as string, result, now, keys);
      if (made.row) rows.push(made.row);
      else rejected.push({ index: indexes[j] as number, errors: made.errors });
    }
    if (rejected.length > 0) throw new CredentialRejectedError(rejected, batch);
    return rows;
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
    const checked = await this.check(inputs, options);
    const rejected: RejectedCredential[] = [];
    const rows: CredentialRow[] = [];
    for (const [index, c] of checked.entries()) {
      if (c.row) rows.push(c.row);
      else rejected.push({ index, errors: c.errors });
    }
    if (rejected.length > 0) throw new CredentialRejectedError(rejected, true);
    const verifyOptions = readOptions<VerifyOptions>(options, 'verify options');
    await this.keep(rows, () => verifyOptions, true);
    return rows.map((r) => r.id);
  }

  /**
   * Verifies credentials (as {@link receive} does) without storing them, so the caller
   * can choose what to keep — for example everything that verified — and store it with
   * {@link storeVerified}. The results are in input order.
   *
   * @example
   * ```ts
   * const checked = await wallet.verifyAll(inbox, { policy })
   * await wallet.storeVerified(checked.filter((c) => c.verification.verified))
   * ```
   */
  async verifyAll(inputs: ReadonlyArray<string | JsonObject>, options?: VerifyOptions): Promise<CheckedCredential[]> {
    const checked = await this.check(inputs, options);
    const verifyOptions = readOptions<VerifyOptions>(options, 'verify options');
    return checked.map((c, i) => {
      const entry: CheckedCredential = Object.freeze({ input: inputs[i] as string | JsonObject, verification: c.result });
      this.#checked.set(entry, { row: c.row, options: verifyOptions });
      return entry;
    });
  }

  /**
   * Stores credentials that {@link verifyAll} of this wallet verified, all or nothing,
   * and returns their wallet ids. Anything else — a result made or changed by the caller,
   * a result from another wallet or from `@tradewind/verifier` directly, one that did not
   * verify — is refused with `INVALID_ARGUMENT` and nothing is stored.
   */
  async storeVerified(entries: readonly CheckedCredential[]): Promise<string[]> {
    if (!Array.isArray(entries)) throw new TradewindError('INVALID_ARGUMENT', 'storeVerified takes an array from verifyAll');
    const now = Date.now();
    const list = reading('the entries', () => Array.from(entries as readonly unknown[]));
    const options: VerifyOptions[] = [];
    const rows = list.map((e, i) => {
      if (typeof e !== 'object' || e === null || !this.#checked.has(e as CheckedCredential))
        throw new TradewindError('INVALID_ARGUMENT', `entry ${i} is not a result of this wallet's verifyAll`);
      const checked = this.#checked.get(e as CheckedCredential);
      if (!checked?.row) throw new TradewindError('INVALID_ARGUMENT', `entry ${i} did not verify`);
      options.push(checked.options);
      return { ...checked.row, received_at: now };
    });
    await this.keep(rows, (i) => options[i] ?? {}, true);
    return rows.map((r) => r.id);
  }

  /**
   * Verifies each input's signed JWT (never the JSON around it) — or a Data Integrity
   * credential's JSON, as a copy taken before it is verified — and builds the row it would store.
   */
  private async check(
    inputs: ReadonlyArray<string | JsonObject>,
    options?: VerifyOptions,
  ): Promise<Array<{ result: CredentialVerificationResult; row?: CredentialRow; errors: VerificationIssue[] }>> {
    if (!Array.isArray(inputs)) throw new TradewindError('INVALID_ARGUMENT', 'a batch of credentials is an array');
    const verifyOptions = readOptions<VerifyOptions>(options, 'verify options');
    const signed = inputs.map((input, i) => {
      checkInput(input);
      return reading(`credential ${i}`, () => signedInputOf(input));
    });
    const di = inputs.map((input, i) => (signed[i] ? undefined : reading(`credential ${i}`, () => diCredentialOf(input))));
    const results = await this.verifier.verifyCredentials(
      inputs.map((input, i) => di[i]?.credential ?? toVerify(signed[i], input)),
      verifyOptions,
    );
    const now = Date.now();
    const keys = await this.keysFor(results);
    return results.map((result, i) => {
      const d = di[i];
      return { result, ...rowFor(signed[i], inputs[i] as string | JsonObject, result, now, keys, d && this.diReceived(d, verifyOptions)) };
    });
  }

  /**
   * A Data Integrity credential as received, with the material its verification was
   * given: the call's `dataIntegrity`, which replaces the wallet's wholesale (as the
   * verifier reads it), else the wallet's.
   */
  private diReceived(di: { text: string; credential: JsonObject }, options: VerifyOptions): DiReceived {
    return { ...di, supplied: [dataIntegrityOf(options) ?? this.dataIntegrity] };
  }

  /** The wallet's holder keys, read when a verified SD-JWT VC must be checked against them. */
  private async keysFor(results: readonly CredentialVerificationResult[]): Promise<WalletKeys | undefined> {
    if (!results.some((r) => r.verified && r.format === 'dc+sd-jwt')) return undefined;
    return walletKeys(await this.agent.listDids());
  }

  /**
   * Accepts an OpenID4VCI 1.0 credential offer (pre-authorized code flow) and stores the
   * credential: the offer (`openid-credential-offer://?credential_offer=…` or
   * `…?credential_offer_uri=…`) → issuer and authorization server metadata → access token
   * (with `txCode` when the offer asks for one) → c_nonce → a proof of possession signed
   * by the holder DID's key → the credential → verified before it is stored: its issuer
   * must be the did:web of the credential issuer's host (its DID document is fetched
   * through the same `fetch`), and it must be bound to the holder DID (its subject; for
   * an SD-JWT VC, `format: 'dc+sd-jwt'`, its `cnf` names the holder DID's key). Failures are
   * `OfferError`s (`UNREACHABLE`, `NOT_FOUND`, `MALFORMED`, `REFUSED` with the issuer's
   * `oauthError`, ...), a `CredentialRejectedError` when the credential does not verify,
   * or `HOLDER_BINDING` when it is not bound to the holder; nothing is stored then.
   *
   * @example
   * ```ts
   * const { credential } = await wallet.acceptOffer(offerUri, { txCode: '493817' })
   * credential.subject // the holder DID
   * ```
   */
  async acceptOffer(uri: string, options?: AcceptOfferOptions): Promise<Received> {
    const result = await acceptOffer(
      {
        agent: this.agent,
        listDids: () => this.listDids(),
        verifyAndStore: async (jwt, verify, holderDid, offered) => {
          const [checked] = await this.check([jwt], verify);
          const { result: verification, row, errors } = checked as Awaited<ReturnType<Wallet['check']>>[number];
          if (!verification.verified) throw new CredentialRejectedError([{ index: 0, errors: verification.errors }], false);
          if (verification.format === 'dc+sd-jwt') {
            const bound = (await this.listDids()).filter((d) => d.did === holderDid);
            if (!holderFor(verification.holderKey, walletKeys(bound)))
              throw new TradewindError(
                'HOLDER_BINDING',
                `the issuer bound the credential to ${describeConfirmation(verification.holderKey)}, not to the key of the holder DID ${holderDid}`,
                { path: '/cnf' },
              );
          } else if (verification.subject !== holderDid)
            throw new TradewindError(
              'HOLDER_BINDING',
              `the issuer bound the credential to ${verification.subject ?? 'no subject'}, not to the holder DID ${holderDid}`,
              { path: '/credentialSubject/id' },
            );
          checkOffered(
            offered,
            verification.format === 'dc+sd-jwt'
              ? verification
              : { format: verification.format, types: typesOf(verification.credential.type) },
          );
          // Verified, but not something the wallet holds (refused by rowFor): its reason.
          if (!row) throw new CredentialRejectedError([{ index: 0, errors }], false);
          const kept = await this.keepOne({ ...row, received_at: Date.now() }, verify);
          return {
            added: kept === 'added',
            updated: kept === 'updated',
            credential: await this.get(row.id),
            warnings: verification.warnings,
          };
        },
      },
      uri,
      options,
    );
    return result as Received;
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
   * Credentials matching a query (type — an SD-JWT VC's `vct` —, issuer, subject, format,
   * valid at a time), oldest first.
   *
   * @example
   * ```ts
   * const permits = await wallet.find({ type: 'DrivingPermit', validAt: new Date() })
   * const sdJwtVcs = await wallet.find({ format: 'dc+sd-jwt' })
   * ```
   */
  async find(query: CredentialQuery = {}): Promise<StoredCredential[]> {
    return this.store.find(readOptions<CredentialQuery>(query, 'a query'));
  }

  /** Every credential (or a page of them), oldest first. */
  async list(page: Pick<CredentialQuery, 'limit' | 'offset'> = {}): Promise<StoredCredential[]> {
    const { limit, offset } = readOptions<CredentialQuery>(page, 'a page');
    return this.store.find({ ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) });
  }

  /** How many credentials the wallet holds. */
  count(): Promise<number> {
    return this.store.count();
  }

  /** Deletes a credential; `NOT_FOUND` when there is none with that id. */
  async delete(id: string): Promise<void> {
    if (typeof id !== 'string' || id.length === 0) throw new TradewindError('INVALID_ARGUMENT', 'a credential id is required');
    if (!(await this.store.delete(id))) throw new TradewindError('NOT_FOUND', `no credential ${id} in this wallet`);
  }

  /**
   * Signs a presentation of stored credentials for one audience and nonce, with the key
   * of the holder DID the credentials are about. `jwt_vp` and `vp+jwt` give the compact
   * JWT; `format: 'di'` gives the presentation as a JSON object secured with a Data
   * Integrity proof (`eddsa-rdfc-2022`; `ecdsa-rdfc-2019` for a P-256 holder) with
   * `proofPurpose: 'authentication'`, `challenge` = nonce and `domain` = audience.
   * Data Integrity credentials go into either kind as their JSON object, unchanged.
   *
   * @example
   * ```ts
   * const vp = await wallet.present({ credentials: [id], audience: 'https://bank.example.bb', nonce })
   * const diVp = await wallet.present({ credentials: [id], audience: 'https://bank.example.bb', nonce, format: 'di' })
   * diVp.proof // { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', challenge: nonce, … }
   * ```
   */
  present(given: PresentationRequest & { format: 'di' }): Promise<JsonObject>;
  present(given: PresentationRequest & { format?: Exclude<PresentationRequest['format'], 'di'> }): Promise<string>;
  present(given: PresentationRequest): Promise<string | JsonObject>;
  async present(given: PresentationRequest): Promise<string | JsonObject> {
    const request = readOptions<PresentationRequest>(given ?? null, 'a presentation request');
    if (typeof request.audience !== 'string' || request.audience.length === 0) {
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs an audience');
    }
    if (typeof request.nonce !== 'string' || request.nonce.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs a nonce');
    if (!Array.isArray(request.credentials) || request.credentials.length === 0) {
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs at least one credential');
    }
    const ids = reading('the credentials', () => request.credentials.map((c) => (typeof c === 'string' ? c : c?.id)));
    const credentials = await Promise.all(ids.map((id) => this.get(id as string)));
    const sdJwt = credentials.find((c) => c.format === 'dc+sd-jwt');
    if (sdJwt)
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `credential ${sdJwt.id} is an SD-JWT VC: present it alone with presentSdJwt, which chooses the claims it shows`,
      );
    const holderDid = boundHolder(credentials);
    const holder = await this.agent.getDid(holderDid).catch((cause: unknown) => {
      throw new TradewindError('HOLDER_BINDING', `the credentials are about ${holderDid}, which is not a DID of this wallet`, { cause });
    });
    const now = request.now ?? new Date();
    if (!reading('now', () => now instanceof Date && Number.isFinite(now.getTime())))
      throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
    const at = now.getTime();
    for (const c of credentials) {
      if (c.validUntil && c.validUntil.getTime() <= at)
        throw new TradewindError('EXPIRED', `credential ${c.id} expired on ${c.validUntil.toISOString()}`);
      if (c.validFrom && c.validFrom.getTime() > at)
        throw new TradewindError('NOT_YET_VALID', `credential ${c.id} is valid from ${c.validFrom.toISOString()}`);
    }
    const format = presentationFormat(request.format, credentials);
    if (format === 'di') {
      const ttl = request.expiresInSeconds ?? 300;
      if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 366 * 86_400)
        throw new TradewindError('INVALID_ARGUMENT', 'expiresInSeconds must be a whole number of seconds from 1 to 31622400 (a year)');
      const rows = new Map((await this.store.rowsById(credentials.map((c) => c.id))).map((r) => [r.id, r]));
      const materials = credentials.map((c) =>
        c.format === 'di' ? parseMaterial(rows.get(c.id)?.material, `credential ${c.id}`) : undefined,
      );
      // Loaded on first use, with the canonicalisation it needs: JWT-only wallets never load either.
      const { signDiPresentation } = await import('./di/present.js');
      return signDiPresentation(this.agent, {
        holder,
        credentials,
        materials,
        nonce: request.nonce,
        audience: request.audience,
        now,
        expiresInSeconds: ttl,
      });
    }
    const { header, payload } = buildPresentation(format, holder, credentials, request);
    return this.agent.signJwt(header, payload, holder.keyId);
  }

  /**
   * Every claim of a stored SD-JWT VC the holder may show or withhold: its path (JSON
   * Pointer), name and value, nested ones with the `parent` they sit in. The claims every
   * presentation shows are on the stored credential (`alwaysShown`). `NOT_FOUND` for no
   * such credential, `INVALID_ARGUMENT` for one that is not an SD-JWT VC.
   *
   * @example
   * ```ts
   * await wallet.disclosableClaims(id)
   * // [{ path: '/given_name', name: 'given_name', value: 'Asha' }, …,
   * //  { path: '/address/locality', name: 'locality', value: 'Castries', parent: '/address' }]
   * ```
   */
  async disclosableClaims(id: string): Promise<DisclosableClaim[]> {
    const credential = await this.get(id);
    if (credential.format !== 'dc+sd-jwt')
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `credential ${credential.id} is ${credential.format}, not an SD-JWT VC: it has no disclosable claims`,
      );
    return credential.disclosable ?? [];
  }

  /**
   * Presents a stored SD-JWT VC to one verifier, showing only the chosen claims: the
   * issuer-signed JWT, the disclosures of those claims (and of the claims they sit in),
   * and a key-binding JWT (`typ: kb+jwt`, `iat`, `aud`, `nonce`, `sd_hash`) signed by the
   * key the credential's `cnf` names, through the wallet's key manager. Returns the
   * compact presentation and what it shows and withholds.
   *
   * Refusals: `INVALID_ARGUMENT` (no nonce or audience, a claim the credential does not
   * have — the message names it —, a credential that is not an SD-JWT VC), `NOT_FOUND`,
   * `HOLDER_BINDING` (the wallet does not hold the key `cnf` names), `EXPIRED`,
   * `NOT_YET_VALID`.
   *
   * @example
   * ```ts
   * const { presentation, withheld } = await wallet.presentSdJwt({
   *   credential: id, disclose: ['nationality'], nonce, audience: 'https://bank.example.bb',
   * })
   * ```
   */
  async presentSdJwt(given: SdJwtPresentationRequest): Promise<SdJwtPresentation> {
    const request = readOptions<SdJwtPresentationRequest>(given ?? null, 'an SD-JWT presentation request');
    if (typeof request.audience !== 'string' || request.audience.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs an audience');
    if (typeof request.nonce !== 'string' || request.nonce.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a presentation needs a nonce');
    if (!Array.isArray(request.disclose))
      throw new TradewindError('INVALID_ARGUMENT', 'disclose lists the claims to show (an array; [] shows only the always-shown ones)');
    const disclose = reading('disclose', () => Array.from(request.disclose as readonly unknown[]));
    const now = request.now ?? new Date();
    if (!reading('now', () => now instanceof Date && Number.isFinite(now.getTime())))
      throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
    if (typeof request.credential !== 'string' || request.credential.length === 0)
      throw new TradewindError('INVALID_ARGUMENT', 'a credential id is required');
    const credential = await this.get(request.credential);
    if (credential.format !== 'dc+sd-jwt')
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `credential ${credential.id} is ${credential.format}, not an SD-JWT VC: present it with present(), which shows it whole`,
      );
    const at = now.getTime();
    if (credential.validUntil && credential.validUntil.getTime() <= at)
      throw new TradewindError('EXPIRED', `credential ${credential.id} expired on ${credential.validUntil.toISOString()}`);
    if (credential.validFrom && credential.validFrom.getTime() > at)
      throw new TradewindError('NOT_YET_VALID', `credential ${credential.id} is valid from ${credential.validFrom.toISOString()}`);
    const parts = sdJwtParts(credential.raw);
    const claims = parts.resolve(parts.payload, () => true);
    const pointers = disclose.map((entry) => pointerOf(entry, claims));
    const cnf = confirmationKeyOf(parts.payload);
    const holder = holderFor(cnf, walletKeys(await this.agent.listDids()));
    if (!holder)
      throw new TradewindError(
        'HOLDER_BINDING',
        `credential ${credential.id} is bound to ${describeConfirmation(cnf)}, which is not a key of this wallet`,
      );
    return presentSdJwt(this.agent, holder, parts, selectDisclosures(parts, pointers), {
      nonce: request.nonce,
      audience: request.audience,
      now,
    });
  }

  /**
   * Reads an OpenID4VP 1.0 request (`openid4vp://?…`, or `https://…?…` with the same
   * parameters; by value, or by reference through `request_uri`) and checks it against the
   * profile the wallet answers: `response_type=vp_token`, `response_mode=direct_post`, a
   * nonce, a DCQL query, client_id `redirect_uri:` + response_uri. Errors:
   * `REQUEST_UNKNOWN` (not a request), `MALFORMED` (a broken one, an unsupported client
   * identifier prefix, or an http:// response_uri off 127.0.0.1 / localhost without
   * `allowInsecureHttp`), `LIMIT_EXCEEDED`, `UNREACHABLE` (a request_uri that cannot be read).
   *
   * @example
   * ```ts
   * const request = await wallet.parsePresentationRequest(qrText)
   * request.verifierName // 'Barbados Immigration'
   * ```
   */
  parsePresentationRequest(uri: string, options?: ParsePresentationRequestOptions): Promise<ParsedPresentationRequest> {
    return parsePresentationRequest(uri, options);
  }

  /**
   * Which stored credentials answer each credential query of a request, and exactly what
   * presenting each one shows: for an SD-JWT VC only the requested claims (and a
   * disclosable claim they sit in); a W3C credential is always shown whole. Expired and
   * not-yet-valid credentials are not offered.
   *
   * @example
   * ```ts
   * const match = await wallet.matchPresentationRequest(request)
   * match.queries[0].candidates[0].disclose // [{ path: ['given_name'], value: 'Asha' }]
   * ```
   */
  matchPresentationRequest(request: ParsedPresentationRequest, options: { now?: Date } = {}): Promise<PresentationMatch> {
    const now = readOptions<{ now?: Date }>(options, 'matchPresentationRequest options').now ?? new Date();
    if (!reading('now', () => now instanceof Date && Number.isFinite(now.getTime())))
      throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
    return matchPresentationRequest(this.openid4vpHolder(), request, now);
  }

  /**
   * Answers a request: one presentation per credential query answered (`dc+sd-jwt` with a
   * key-binding JWT and only the requested claims, `jwt_vc` as a `jwt_vp`, `vc+jwt` as a
   * `vp+jwt`, `di` as a Data Integrity presentation; nonce = the request's, audience = its
   * client_id), posted as `vp_token` with `state` to its response_uri. `choose` picks the
   * credential for a query. `QUERY_UNSATISFIED` (nothing is sent) when the wallet holds
   * nothing valid for a query the request requires; `UNREACHABLE` when the verifier cannot
   * be reached. A verifier's refusal is not thrown: `accepted: false` with its `code`.
   *
   * @example
   * ```ts
   * const answer = await wallet.respondToPresentationRequest(request, { choose: { national_id: id } })
   * answer.accepted // true
   * ```
   */
  respondToPresentationRequest(request: ParsedPresentationRequest, options?: RespondOptions): Promise<PresentationResponse> {
    return respondToPresentationRequest(this.openid4vpHolder(), request, options);
  }

  /**
   * Tells the verifier the holder declines: posts `error=access_denied` with the request's
   * `state` to its response_uri and returns the verifier's answer.
   *
   * @example
   * ```ts
   * await wallet.declinePresentationRequest(request) // { httpStatus: 200, body: { status: 'declined' } }
   * ```
   */
  declinePresentationRequest(
    request: ParsedPresentationRequest,
    options?: Pick<RespondOptions, 'fetch' | 'allowInsecureHttp' | 'timeoutMs'>,
  ): Promise<{ httpStatus: number; body: JsonObject }> {
    return declinePresentationRequest(request, options);
  }

  /** What the OpenID4VP flow uses of this wallet. */
  private openid4vpHolder(): RespondingWallet & MatchingWallet {
    return {
      credentials: () => this.store.find({}),
      expandedTypes: async (credential, json) => {
        const { expandedTypes } = await import('@tradewind/verifier/data-integrity');
        if (credential.format !== 'di') return expandedTypes(json);
        const [row] = await this.store.rowsById([credential.id]);
        const material = parseMaterial(row?.material, `credential ${credential.id}`);
        return expandedTypes(json, material?.contexts ? { contexts: material.contexts } : undefined);
      },
      present: (request) => this.present(request),
      presentSdJwt: (request) => this.presentSdJwt(request),
    };
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
    const { kdf } = readOptions<{ kdf?: BackupKdf }>(options ?? null, 'exportBackup options');
    const dids = await exportDids(this.agent);
    const [rows, aliases] = await Promise.all([this.store.rows(), this.store.aliases()]);
    return sealBackup(backupContents(dids, rows, aliases, new Date()), passphrase, kdf ?? DEFAULT_BACKUP_KDF);
  }

  /**
   * Restores a backup into this wallet, which must be empty. Everything is restored in
   * one transaction, or nothing: a wrong passphrase or a damaged file is
   * `BACKUP_INVALID`, a storage failure `STORAGE_ERROR`, and a kill leaves the wallet
   * empty, so the same restore can be run again. A credential the backup holds twice
   * (schema 1 wallets could) is restored once. To restore into a new file without
   * leaving one behind when the backup is refused, use {@link restoreWallet}.
   *
   * @example
   * ```ts
   * const fresh = await openWallet({ path: 'restored.db', secret })
   * await fresh.importBackup(await readFile('wallet.twbackup'), passphrase)
   * ```
   */
  async importBackup(file: Uint8Array, passphrase: string): Promise<RestoreSummary> {
    const { contents, rows } = await readBackupRows(file, passphrase, this.restoreVerifier);
    return restoreContents(this.agent, contents, rows);
  }

  /** @internal use {@link restoreWallet}. */
  static async restoreInto(
    options: OpenWalletOptions,
    file: Uint8Array,
    passphrase: string,
  ): Promise<{ wallet: Wallet; restored: RestoreSummary }> {
    if (!isJsonObject(options)) throw new TradewindError('INVALID_ARGUMENT', 'restoreWallet needs an options object');
    const { contents, rows } = await readBackupRows(file, passphrase, restoreVerifier(options.verify));
    // The database and the files SQLite and the agent keep beside it; those this call creates go again on failure.
    const path = typeof options?.path === 'string' ? options.path : '';
    const created =
      path === '' ? [] : [path, `${path}-wal`, `${path}-shm`, `${path}-journal`, `${path}.init-lock`].filter((f) => !existsSync(f));
    let wallet: Wallet | undefined;
    try {
      wallet = await Wallet.open(options);
      return { wallet, restored: await restoreContents(wallet.agent, contents, rows) };
    } catch (e) {
      await wallet?.close().catch(() => undefined);
      if (created.includes(path)) for (const f of created) rmSync(f, { force: true });
      throw e;
    }
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

/**
 * Restores a backup into the wallet at `options.path` (a new file, or an empty wallet)
 * and returns it open. The backup is decrypted and checked before any file is created,
 * and a file this call created is removed again when the restore fails, so a refused
 * backup leaves nothing behind.
 *
 * @example
 * ```ts
 * const { wallet, restored } = await restoreWallet({ path: 'restored.db', secret }, await readFile('wallet.twbackup'), passphrase)
 * restored.credentials // 9000
 * ```
 */
export function restoreWallet(
  options: OpenWalletOptions,
  file: Uint8Array,
  passphrase: string,
): Promise<{ wallet: Wallet; restored: RestoreSummary }> {
  return Wallet.restoreInto(options, file, passphrase);
}

/**
 * The verifier a restore checks backed-up credentials with: signatures and keys only
 * (with the wallet's DID resolver, for did:web issuers), no trust or recognition policy
 * and no status — those were decided when each credential was received.
 */
function restoreVerifier(verify: VerifyOptions | undefined): RestoreVerifiers {
  const base: VerifyOptions = {
    allowHighS: true,
    status: { onUnavailable: 'warn' },
    ...(verify?.didResolver === undefined ? {} : { didResolver: verify.didResolver }),
  };
  const out: RestoreVerifiers = { plain: createVerifier(base) };
  // did:web issuers whose keys only the recognition lists carry.
  if (verify?.policy !== undefined) {
    const recognition: VerifyOptions = { ...base, policy: verify.policy };
    if (verify.recognitionLists !== undefined) recognition.recognitionLists = verify.recognitionLists;
    out.recognition = { verifier: createVerifier(recognition), ...(verify.now === undefined ? {} : { now: verify.now }) };
  }
  return out;
}

/** The row a verification result stores, or why it stores nothing. */
function rowFor(
  signed: SignedInput | undefined,
  input: string | JsonObject,
  result: CredentialVerificationResult,
  now: number,
  keys: WalletKeys | undefined,
  di?: DiReceived,
): { row?: CredentialRow; errors: VerificationIssue[] } {
  const text = typeof input === 'string' ? sdJwtText(input) : undefined;
  // A wallet holds credentials as issued; one with a key-binding JWT was shown to someone.
  if (text !== undefined && hasKeyBinding(text))
    return {
      errors: [
        {
          code: 'MALFORMED',
          message: 'this SD-JWT is a presentation (a key-binding JWT follows its disclosures); a wallet stores it as issued, ending in "~"',
          path: '/',
        },
      ],
    };
  if (!result.verified) return { errors: result.errors };
  if (result.format === 'dc+sd-jwt') {
    if (text === undefined || !looksLikeSdJwt(text))
      return { errors: [{ code: 'UNSUPPORTED_FORMAT', message: 'the wallet stores SD-JWT VCs given as compact SD-JWT text', path: '/' }] };
    if (!keys || !holderFor(result.holderKey, keys))
      return {
        errors: [
          {
            code: 'HOLDER_BINDING',
            message: `the credential is bound to ${describeConfirmation(result.holderKey)}, which is not a key of this wallet`,
            path: '/cnf',
          },
        ],
      };
    try {
      return { row: sdJwtRow(text, result, now), errors: [] };
    } catch (e) {
      if (!(e instanceof TradewindError)) throw e;
      return { errors: [{ code: e.code, message: e.message, path: '/' }] };
    }
  }
  if (result.format === 'di') {
    if (!di)
      return { errors: [{ code: 'UNSUPPORTED_FORMAT', message: 'the wallet stores Data Integrity credentials given as JSON', path: '/' }] };
    const used = result.warnings.some((w) => w.code === 'COMPATIBILITY');
    return { row: diRow(di.text, di.credential, result, materialFor(di.credential, di.supplied, used), now), errors: [] };
  }
  // The verifier accepted something that carries no JWT the wallet could keep (a format
  // it learned later): refused rather than stored unsigned.
  if (!signed) return { errors: [{ code: 'UNSUPPORTED_FORMAT', message: 'the wallet stores JWT-secured credentials only', path: '/' }] };
  return { row: toRow(signed, result, now), errors: [] };
}

/** A Data Integrity credential as received (a copy) and the material its verification was given. */
interface DiReceived {
  text: string;
  credential: JsonObject;
  supplied: ReadonlyArray<DataIntegrityOptions | undefined>;
}

/** The Data Integrity options of verify options, when there are any. */
function dataIntegrityOf(options: VerifyOptions): DataIntegrityOptions | undefined {
  const di = (options as { dataIntegrity?: unknown }).dataIntegrity;
  return isJsonObject(di) ? (di as DataIntegrityOptions) : undefined;
}

/**
 * What the verifier is given: the signed JWT, or for an EnvelopedVerifiableCredential the
 * envelope itself, so that its shape and media type are checked against the JWT inside
 * (the wallet still stores only that JWT).
 */
function toVerify(signed: SignedInput | undefined, input: string | JsonObject): string | JsonObject {
  if (!signed) return input;
  return signed.form === 'envelope' ? input : signed.jws;
}
