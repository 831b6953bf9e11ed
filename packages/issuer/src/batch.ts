import { randomUUID } from 'node:crypto';
import type { ManagedDid, Query, TradewindAgent } from '@tradewind/agent';
import {
  asArray,
  type CredentialSchema,
  DidKeyResolver,
  isJsonObject,
  type JsonObject,
  TradewindError,
  type VerificationIssue,
} from '@tradewind/core';
import {
  type BatchInputFormat,
  checkInputFile,
  type InvalidRecord,
  type RawRecord,
  RESERVED_FIELDS,
  type RecordSource,
  readRecords,
  recordKeyOf,
} from './batch-input.js';
import { BatchDeliveryError, BatchOutput, type OutputLine } from './batch-output.js';
import { canonicalJson } from './content-digest.js';
import { type NormalizedRequest, normalizeDocument } from './credential-document.js';
import { type IssueFormat, type IssueRequest, normalizeRequest } from './credential-request.js';
import { checkContexts, type DataIntegritySettings } from './data-integrity.js';
import {
  existingCredentialIds,
  insertReemissions,
  issuedRecordKeys,
  type LoggedCredential,
  logConflict,
  loggedByRecordKeys,
} from './issuance-log.js';
import { type GroupContext, type IssuedCredential, issueGroup, type Reservations, reserveStatus } from './issue-group.js';
import { type Rebuilt, rebuildLogged, signRebuilt } from './reemit.js';
import { resolveHolders, type SdJwtSettings } from './sd-jwt-request.js';
import { refuseOwnLists, STATUS_PURPOSES, type StatusPurpose } from './status-store.js';
import { storage } from './storage-error.js';
import { FORBIDDEN_KEYS, snapshot, unreadable } from './untrusted-json.js';

/** A registry extract: a file path (read as a stream) or the text itself. */
export type BatchInput = { path: string; format?: BatchInputFormat } | { text: string; format: BatchInputFormat };

export interface BatchProgress {
  /** Valid records in the input. */
  total: number;
  /** Records handled so far (issued now + already issued before). */
  done: number;
  issued: number;
  skipped: number;
  invalid: number;
}

/** A credential handed to `onIssued`. */
export type DeliveredCredential = IssuedCredential & { line: number; reemitted: boolean };

/**
 * Options of a batch. A JSONL record may be a whole credential document,
 * `{"credential": {...}, "recordKey"?: "..."}` (issued as `Issuer.issue` issues one);
 * every other record (and every CSV row) is the convenience shape: subject claims plus
 * the {@link RESERVED_FIELDS}, made a credential with `type`, `validFrom`, `validUntil`,
 * `credentialSchema` and `context` below (those four apply to convenience records only).
 */
export interface BatchOptions {
  /** Credential type(s) of every convenience record (required for them, and for CSV). */
  type?: string | string[];
  /**
   * The format of every record; a document record's default comes from its first
   * `@context`. `dc+sd-jwt`: convenience records only, each bound to its `subjectId` DID
   * (see the README, "SD-JWT VC").
   */
  format?: IssueFormat;
  /** Issuer DID for records that name none (default: the issuer's default DID). */
  issuer?: string;
  /** Default `['revocation']`. */
  status?: StatusPurpose[];
  /** Default validity of every convenience record (a record's own `validFrom`/`validUntil` wins). */
  validFrom?: Date | string;
  validUntil?: Date | string;
  credentialSchema?: CredentialSchema | CredentialSchema[];
  context?: string[];
  /** Claims every record's subject(s) must have (dot paths for nested claims; only the record's own members count). */
  requiredClaims?: string[];
  /** An agency rule, run on every subject of a record: return a reason to reject the record. `subject` has no prototype (use `Object.hasOwn`, not `subject.hasOwnProperty`). */
  validate?: (subject: JsonObject, line: number) => string | undefined;
  /** Records per transaction (default 500). */
  transactionSize?: number;
  /** Called after every committed transaction. */
  onProgress?: (progress: BatchProgress) => void;
  /** Called for every credential once it is committed, and for every re-emitted one. */
  onIssued?: (credential: DeliveredCredential) => void | Promise<void>;
  /**
   * Appends `{"line","recordKey","id","format","jwt"}` lines for the credentials to this
   * file, one whole line per credential, flushed after every transaction. The file is
   * also what a resumed run checks: a torn last line is cut off, and every credential
   * of this input that an earlier run committed but the file lacks is re-emitted into it.
   */
  outputPath?: string;
  /**
   * Also re-emit the credentials an earlier run committed for records of this input
   * (same id, status indexes, dates; to `onIssued`, and to `outputPath` when the file
   * lacks them), for a run that died between commit and delivery. A record whose content
   * differs from what was issued under its key is refused (`ALREADY_EXISTS`), never
   * signed. Every re-emission is logged (`LoggedCredential.reemissions`).
   */
  reemit?: boolean;
  /** Stored with every log row; default a random id. */
  batchId?: string;
  /** Only validate; issue nothing. */
  dryRun?: boolean;
  /**
   * Stops the batch at a transaction boundary: once aborted, the transaction under way
   * commits, its lines are written to `outputPath` and handed to `onIssued`, and no other
   * starts. The batch then resolves (it does not throw) with `stopped: true` and the
   * counts of what was committed; running the same input again (same `outputPath`)
   * goes on from there. Aborted while the records are still being validated, it stops
   * there, having issued nothing.
   */
  signal?: AbortSignal;
}

export interface BatchResult {
  batchId: string;
  /** Valid records. */
  total: number;
  /** Issued by this run. */
  issued: number;
  /** Already issued by an earlier run (same record key, same content). */
  skipped: number;
  /** Of the skipped ones, signed again and delivered by this run. */
  reemitted: number;
  /** Records that were not issued, by line: the first {@link MAX_INVALID_LISTED} of them. */
  invalid: InvalidRecord[];
  /** How many records were not issued (also those past the listed ones). */
  invalidCount: number;
  /**
   * Present (true) when `signal` stopped the batch before its end: `issued`, `skipped`
   * and `reemitted` count what was committed and delivered; records after that point
   * were not looked at (stopped while validating: `total` and `invalid` cover only the
   * records read so far).
   */
  stopped?: true;
}

/**
 * Most invalid records a result lists; the rest are only counted (`invalidCount`), so
 * that a file of millions of bad lines costs no more memory than a good one.
 */
export const MAX_INVALID_LISTED = 10_000;

/** What the batch needs from the issuer. */
export interface BatchHost {
  agent: TradewindAgent;
  defaultIssuer: string | undefined;
  /** Base URL of the issuer's status lists. */
  baseUrl: string | undefined;
  loadSigners(requests: Array<{ issuer: string }>): Promise<void>;
  /** Throws when the issuer is closed. */
  checkOpen(): void;
  groupContext(batchId: string): GroupContext;
  signerOf(did: string, path?: string): Promise<ManagedDid>;
  /** The issuer's SD-JWT VC settings (`openIssuer`'s `sdJwt`). */
  sdJwt?: SdJwtSettings | undefined;
  /** The issuer's Data Integrity settings (`openIssuer`'s `dataIntegrity`). */
  dataIntegrity?: DataIntegritySettings | undefined;
}

type Materialized = { line: number; request: unknown; normalized: NormalizedRequest & { recordKey: string } };

const OPTION_KEYS = new Set([
  'type',
  'format',
  'issuer',
  'status',
  'validFrom',
  'validUntil',
  'credentialSchema',
  'context',
  'requiredClaims',
  'validate',
  'transactionSize',
  'onProgress',
  'onIssued',
  'outputPath',
  'reemit',
  'batchId',
  'dryRun',
  'signal',
]);

/** Runs a batch; see `Issuer.issueBatch`. */
export async function runBatch(host: BatchHost, givenInput: BatchInput, givenOptions: BatchOptions): Promise<BatchResult> {
  host.checkOpen();
  // Read once: a getter is run one time, and what is checked is what is used.
  const input = snapshot<BatchInput>(givenInput, 'the batch input');
  const options = snapshot<BatchOptions>(givenOptions, 'batch options');
  let checked: ReturnType<typeof checkInput>;
  try {
    checked = checkInput(input);
    checkOptions(options, host.defaultIssuer, checked.format);
  } catch (error) {
    throw unreadable(error, 'batch options');
  }
  const { source, format } = checked;
  if ('path' in source) await checkInputFile(source.path);
  const size = options.transactionSize ?? 500;
  const types = options.type === undefined ? [] : typeof options.type === 'string' ? [options.type] : options.type;
  const batchId = options.batchId ?? randomUUID();

  // Pass 1: validate every record, keeping only what identifies the valid ones.
  const invalid: InvalidRecord[] = [];
  let invalidCount = 0;
  const note = (record: InvalidRecord) => {
    invalidCount += 1;
    if (invalid.length < MAX_INVALID_LISTED) invalid.push(record);
  };
  const validLines: number[] = [];
  const seen = new Map<string, number>();
  const ids = new Map<string, number>();
  const now = new Date();
  const recordDefaults = { issuer: options.issuer ?? host.defaultIssuer, now, baseUrl: host.baseUrl, sdJwt: host.sdJwt };
  // dc+sd-jwt records: holder DIDs resolved offline (cached across both passes).
  const holders = new DidKeyResolver();
  // Issuer DIDs records name, checked once each: one of another database is that record's NOT_FOUND.
  const dids = new Map<string, Promise<unknown>>();
  const signal = options.signal;
  let stopped = signal?.aborted === true;
  for await (const items of readRecords(source, format)) {
    if (stopped || signal?.aborted) {
      stopped = true;
      break;
    }
    for (const item of items) {
      if ('invalid' in item) {
        note(item.invalid);
        continue;
      }
      const { line, fields } = item.record;
      try {
        const { normalized } = readRecord(fields, format, options, recordDefaults);
        if (normalized.sdJwt !== undefined) await resolveHolders([normalized], holders);
        if (normalized.format === 'di') await checkContexts(normalized.document, host.dataIntegrity);
        const subjects = asArray(normalized.claims);
        for (const [s, subject] of subjects.entries()) {
          const at = Array.isArray(normalized.claims) ? `/${s}` : '';
          const base = isDocumentRecord(fields, format) ? `/credential/credentialSubject${at}` : '';
          for (const claim of options.requiredClaims ?? []) {
            if (ownValueAt(subject, claim) === undefined) {
              throw new TradewindError('INVALID_ARGUMENT', `missing required claim ${claim}`, {
                path: `${base}/${claim.replace(/\./g, '/')}`,
              });
            }
          }
          const reason = agencyRule(options.validate, subject, line);
          if (reason) throw new TradewindError('INVALID_ARGUMENT', reason);
        }
        let known = dids.get(normalized.issuer);
        if (known === undefined) {
          known = host.signerOf(normalized.issuer, normalized.issuerPath).then(
            () => undefined,
            (error: unknown) => error,
          );
          dids.set(normalized.issuer, known);
        }
        const unknownIssuer = await known;
        if (unknownIssuer instanceof TradewindError)
          throw new TradewindError(unknownIssuer.code, unknownIssuer.message, { path: normalized.issuerPath });
        if (unknownIssuer !== undefined) throw unknownIssuer;
        if (normalized.statusLists !== undefined) await refuseOwnLists((sql, params) => host.agent.query(sql, params), [normalized]);
        const recordKey = keyOfRecord(fields, format, types);
        const earlier = seen.get(recordKey);
        if (earlier !== undefined) throw new TradewindError('INVALID_ARGUMENT', `same record as line ${earlier}`);
        if (normalized.idChosen) {
          const id = normalized.id;
          const other = ids.get(id);
          if (other !== undefined)
            throw new TradewindError('INVALID_ARGUMENT', `credential id also used on line ${other}`, {
              path: isDocumentRecord(fields, format) ? '/credential/id' : '/id',
            });
          ids.set(id, line);
        }
        seen.set(recordKey, line);
        validLines.push(line);
      } catch (error) {
        note(toInvalid(line, error));
      }
    }
  }
  seen.clear();
  ids.clear();
  const result: BatchResult = { batchId, total: validLines.length, issued: 0, skipped: 0, reemitted: 0, invalid, invalidCount };
  if (stopped) result.stopped = true;
  if (stopped || options.dryRun || validLines.length === 0) return sorted(result);

  const issuers = new Set<string>([options.issuer ?? host.defaultIssuer].filter((d): d is string => d !== undefined));
  await host.loadSigners([...issuers].map((issuer) => ({ issuer }) as NormalizedRequest));
  const ctx = host.groupContext(batchId);
  const output = options.outputPath === undefined ? undefined : await BatchOutput.open(options.outputPath);
  const report = () =>
    options.onProgress?.({
      total: result.total,
      done: result.issued + result.skipped,
      issued: result.issued,
      skipped: result.skipped,
      invalid: result.invalidCount,
    });

  // Pass 2: read the input again and issue the valid records, a transaction at a time.
  // The signal is read only between transactions: one that has begun commits, and its
  // credentials are delivered, before the batch stops.
  const stop = () => {
    if (signal?.aborted) result.stopped = true;
    return result.stopped === true;
  };
  try {
    let next = 0;
    let chunk: RawRecord[] = [];
    reading: for await (const items of readRecords(source, format)) {
      if (next < validLines.length && stop()) break;
      for (const item of items) {
        if (!('record' in item)) continue;
        const line = item.record.line;
        while (next < validLines.length && (validLines[next] as number) < line) next++;
        if (validLines[next] !== line) continue;
        next++;
        chunk.push(item.record);
        if (chunk.length === size) {
          if (stop()) break reading;
          await issueChunk(host, ctx, chunk, format, options, types, result, output, holders);
          report();
          chunk = [];
        }
      }
    }
    if (chunk.length > 0 && !stop()) {
      await issueChunk(host, ctx, chunk, format, options, types, result, output, holders);
      report();
    }
  } finally {
    await output?.close();
  }
  return sorted(result);
}

async function issueChunk(
  host: BatchHost,
  ctx: GroupContext,
  records: RawRecord[],
  format: BatchInputFormat,
  options: BatchOptions,
  types: string[],
  result: BatchResult,
  output: BatchOutput | undefined,
  holders: DidKeyResolver,
): Promise<void> {
  const now = new Date();
  const chunk: Materialized[] = [];
  const keys = new Set<string>();
  const ids = new Set<string>();
  const refuse = (line: number, error: unknown) => {
    result.invalidCount += 1;
    if (result.invalid.length < MAX_INVALID_LISTED) result.invalid.push(toInvalid(line, error));
    result.total -= 1;
  };
  for (const { line, fields } of records) {
    try {
      const { request, normalized } = readRecord(fields, format, options, {
        issuer: options.issuer ?? host.defaultIssuer,
        now,
        baseUrl: host.baseUrl,
        sdJwt: host.sdJwt,
      });
      if (normalized.sdJwt !== undefined) await resolveHolders([normalized], holders);
      if (normalized.format === 'di') await checkContexts(normalized.document, host.dataIntegrity);
      const recordKey = keyOfRecord(fields, format, types);
      // The input changed between the passes: never let two records share a key in one insert.
      if (keys.has(recordKey) || ids.has(normalized.id))
        throw new TradewindError('INVALID_ARGUMENT', 'the input changed while it was being issued: a repeated record');
      keys.add(recordKey);
      ids.add(normalized.id);
      chunk.push({ line, request, normalized: { ...normalized, recordKey } });
    } catch (error) {
      refuse(line, error);
    }
  }
  // Each issuer of the chunk once (its current key is read again inside the transaction).
  const chunkIssuers = new Map<string, string | undefined>();
  for (const m of chunk) if (!chunkIssuers.has(m.normalized.issuer)) chunkIssuers.set(m.normalized.issuer, m.normalized.issuerPath);
  for (const [issuer, path] of chunkIssuers) await host.signerOf(issuer, path);

  // PostgreSQL: the status indexes of the records not issued yet are reserved before the
  // transaction, in short transactions of their own (see status-store.ts); the
  // transaction reads again which records are issued, and uses as many as it needs.
  let reserved: Reservations | undefined;
  if (host.agent.engine === 'postgres') {
    const read: Query = (sql, params) => host.agent.query(sql, params);
    const done = await issuedRecordKeys(
      read,
      chunk.map((m) => m.normalized.recordKey),
    );
    const todo = chunk.filter((m) => !done.has(m.normalized.recordKey));
    const chosen = todo.filter((m) => m.normalized.idChosen).map((m) => m.normalized.id);
    const existing = chosen.length > 0 ? await existingCredentialIds(read, chosen) : new Set<string>();
    reserved = await reserveStatus(
      ctx,
      todo.filter((m) => !existing.has(m.normalized.id)).map((m) => m.normalized),
      now,
    );
  }
  // Another instance running the same extract may commit some of these records between
  // this transaction's read of the log and its insert (PostgreSQL): the insert then fails
  // on the record key, and the transaction runs again, finding them issued.
  const runChunk = async <T>(fn: (q: Query) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await host.agent.transaction(fn);
      } catch (error) {
        if (logConflict(error) !== 'recordKey' || attempt >= 3) throw error;
      }
    }
  };
  const { issued, earlier, taken } = await storage(
    'the batch transaction failed',
    () =>
      runChunk(async (q) => {
        const logged = await loggedByRecordKeys(
          q,
          chunk.map((m) => m.normalized.recordKey),
        );
        const todo = chunk.filter((m) => !logged.has(m.normalized.recordKey));
        // Generated ids are random UUIDs; an id the record chose may belong to another record.
        const chosen = todo.filter((m) => m.normalized.idChosen).map((m) => m.normalized.id);
        const existing = chosen.length > 0 ? await existingCredentialIds(q, chosen) : new Set<string>();
        const fresh = todo.filter((m) => !existing.has(m.normalized.id));
        const issued =
          fresh.length > 0
            ? await issueGroup(
                q,
                ctx,
                fresh.map((m) => m.normalized),
                now,
                reserved,
              )
            : [];
        return {
          issued: issued.map((c, i) => ({ ...c, line: (fresh[i] as Materialized).line, reemitted: false })),
          earlier: chunk
            .filter((m) => logged.has(m.normalized.recordKey))
            .map((m) => ({ m, log: logged.get(m.normalized.recordKey) as LoggedCredential })),
          taken: todo.filter((m) => existing.has(m.normalized.id)),
        };
      }),
    host.agent.location,
  );
  for (const m of taken) {
    refuse(
      m.line,
      new TradewindError('ALREADY_EXISTS', `credential id ${m.normalized.id} was already issued for another record`, { path: '/id' }),
    );
  }
  result.issued += issued.length;

  // Records an earlier run committed: the same content is skipped (or re-emitted), other content refused.
  const again: Array<{ line: number; rebuilt: Rebuilt }> = [];
  for (const { m, log } of earlier) {
    const wanted = options.reemit === true || (output !== undefined && !output.has(log.credentialId));
    if (!wanted && log.contentDigest === undefined) {
      result.skipped += 1; // issued before digests were kept: nothing to compare with
      continue;
    }
    try {
      const rebuilt = await rebuildLogged(m.request, log, host.baseUrl, host.sdJwt);
      result.skipped += 1;
      if (wanted) again.push({ line: m.line, rebuilt });
    } catch (error) {
      refuse(m.line, error);
    }
  }
  const delivered: DeliveredCredential[] = issued;
  if (again.length > 0) {
    const signed = await Promise.all(
      again.map(async ({ line, rebuilt }) => ({
        ...(await signRebuilt(host.agent, await host.signerOf(rebuilt.log.issuer), rebuilt, ctx.dataIntegrity)),
        line,
        reemitted: true,
      })),
    );
    await storage(
      'cannot log the re-emission',
      () =>
        host.agent.transaction((q) =>
          insertReemissions(
            q,
            again.map((a) => ({ credentialId: a.rebuilt.log.credentialId, contentDigest: a.rebuilt.digest })),
            new Date().toISOString(),
            ctx.batchId,
          ),
        ),
      host.agent.location,
    );
    result.reemitted += signed.length;
    delivered.push(...signed);
  }
  if (output !== undefined && delivered.length > 0) {
    const lines: OutputLine[] = delivered.map((c) => ({ line: c.line, recordKey: c.recordKey, id: c.id, format: c.format, jwt: c.jwt }));
    try {
      await output.append(lines);
    } catch (cause) {
      throw new BatchDeliveryError(result.issued, output.path, cause);
    }
  }
  if (options.onIssued) for (const c of delivered) await options.onIssued(c);
}

function sorted(result: BatchResult): BatchResult {
  result.invalid.sort((a, b) => a.line - b.line);
  return result;
}

function toInvalid(line: number, error: unknown): InvalidRecord {
  if (!(error instanceof TradewindError)) throw error;
  const out: InvalidRecord = { line, code: error.code, reason: error.message };
  if (error.path !== undefined) out.path = error.path;
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) out.issues = issues as VerificationIssue[];
  return out;
}

function checkInput(input: BatchInput): { source: RecordSource; format: BatchInputFormat } {
  if (!isJsonObject(input)) throw new TradewindError('INVALID_ARGUMENT', 'batch input must be { path } or { text, format }');
  let format = (input as { format?: unknown }).format;
  if (format !== undefined && format !== 'jsonl' && format !== 'csv')
    throw new TradewindError('INVALID_ARGUMENT', `batch input format must be jsonl or csv, not ${String(format)}`);
  if ('path' in input) {
    if (typeof input.path !== 'string' || input.path === '')
      throw new TradewindError('INVALID_ARGUMENT', 'batch input path must be a non-empty string');
    format ??= /\.csv$/i.test(input.path) ? 'csv' : /\.(jsonl|ndjson)$/i.test(input.path) ? 'jsonl' : undefined;
    if (!format)
      throw new TradewindError('INVALID_ARGUMENT', 'batch input format is not known: name the file .csv or .jsonl, or pass format');
    return { source: { path: input.path }, format: format as BatchInputFormat };
  }
  if (typeof (input as { text?: unknown }).text !== 'string')
    throw new TradewindError('INVALID_ARGUMENT', 'batch input text must be a string');
  if (format === undefined) throw new TradewindError('INVALID_ARGUMENT', 'batch input text needs a format (jsonl or csv)');
  return { source: { text: (input as { text: string }).text }, format: format as BatchInputFormat };
}

// Options are checked once, up front, as INVALID_ARGUMENT: a bad option is the caller's
// mistake, not a fault of every record.
function checkOptions(options: BatchOptions, defaultIssuer: string | undefined, format: BatchInputFormat): void {
  const bad = (message: string, key: string) => new TradewindError('INVALID_ARGUMENT', message, { path: `/${key}` });
  if (!isJsonObject(options)) throw new TradewindError('INVALID_ARGUMENT', 'batch options must be an object');
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw bad(`unknown batch option ${JSON.stringify(key)}`, key);
  const size = options.transactionSize;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || size > 10_000))
    throw bad('transactionSize must be an integer from 1 to 10000', 'transactionSize');
  const signal = options.signal as unknown;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw bad('signal must be an AbortSignal', 'signal');
  for (const key of ['validate', 'onProgress', 'onIssued'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw bad(`${key} must be a function`, key);
  }
  for (const key of ['reemit', 'dryRun'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') throw bad(`${key} must be true or false`, key);
  }
  for (const key of ['outputPath', 'batchId'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 4096)) throw bad(`${key} must be a non-empty string`, key);
  }
  const required = options.requiredClaims;
  if (
    required !== undefined &&
    (!Array.isArray(required) ||
      !required.every((c) => typeof c === 'string' && c !== '' && c.split('.').every((p) => p !== '' && !FORBIDDEN_KEYS.has(p))))
  )
    throw bad('requiredClaims must be a list of claim names (dot paths)', 'requiredClaims');
  if (options.status !== undefined && (!Array.isArray(options.status) || !options.status.every((s) => STATUS_PURPOSES.includes(s))))
    throw bad('status must list purposes among revocation and suspension', 'status');
  if (options.type === undefined && format === 'csv')
    throw bad('type is needed: CSV records are subject claims, made credentials of that type', 'type');
  // The options every request shares: one sample request finds a bad type, format,
  // date, schema or context before any record is read.
  try {
    normalizeRequest(
      toRequest(Object.create(null) as JsonObject, { ...options, type: (options.type ?? 'Sample') as string | string[] }, { sample: true }),
      {
        issuer: defaultIssuer ?? 'did:example:issuer',
        now: new Date(),
      },
    );
  } catch (error) {
    if (error instanceof TradewindError) throw new TradewindError('INVALID_ARGUMENT', `batch options: ${error.message}`, { cause: error });
    throw error;
  }
}

function toRequest(fields: JsonObject, options: BatchOptions, sample?: { sample: true }): IssueRequest {
  const own = (k: string) => (Object.hasOwn(fields, k) ? fields[k] : undefined);
  let subject: JsonObject;
  const given = own('credentialSubject');
  if (given !== undefined) {
    if (!isJsonObject(given))
      throw new TradewindError('INVALID_ARGUMENT', 'credentialSubject must be an object', { path: '/credentialSubject' });
    subject = Object.assign(Object.create(null) as JsonObject, given);
    // Claims beside credentialSubject would be dropped without a word: refused instead.
    for (const k of Object.keys(fields)) {
      if (!(RESERVED_FIELDS as readonly string[]).includes(k))
        throw new TradewindError(
          'INVALID_ARGUMENT',
          `claim ${JSON.stringify(k)} is outside credentialSubject: give claims either as members or in credentialSubject`,
          {
            path: `/${k}`,
          },
        );
    }
    const subjectId = own('subjectId');
    if (subjectId !== undefined && Object.hasOwn(subject, 'id') && subject.id !== subjectId)
      throw new TradewindError('INVALID_ARGUMENT', 'subjectId and credentialSubject.id differ', { path: '/subjectId' });
  } else {
    subject = Object.create(null) as JsonObject;
    for (const k of Object.keys(fields))
      if (!(RESERVED_FIELDS as readonly string[]).includes(k)) subject[k] = fields[k] as JsonObject[string];
  }
  if (own('subjectId') !== undefined) subject.id = own('subjectId') as string;
  if (sample) subject.sample = true;
  for (const k of ['recordKey', 'id', 'validFrom', 'validUntil'] as const) {
    if (own(k) !== undefined && typeof own(k) !== 'string')
      throw new TradewindError('INVALID_ARGUMENT', `${k} must be a string`, { path: `/${k}` });
  }
  const recordKey = own('recordKey') as string | undefined;
  if (recordKey !== undefined && recordKey.length > 512)
    throw new TradewindError('INVALID_ARGUMENT', 'recordKey must be at most 512 characters', { path: '/recordKey' });
  if (options.type === undefined)
    throw new TradewindError(
      'INVALID_ARGUMENT',
      'a record of subject claims needs the batch option type (or give a whole credential document: {"credential": {...}})',
      { path: '/type' },
    );
  const request: IssueRequest = { type: options.type, credentialSubject: subject };
  if (options.format !== undefined) request.format = options.format;
  if (options.issuer !== undefined) request.issuer = options.issuer;
  if (options.status !== undefined) request.status = options.status;
  if (options.credentialSchema !== undefined) request.credentialSchema = options.credentialSchema;
  if (options.context !== undefined) request.context = options.context;
  const validFrom = (own('validFrom') as string | undefined) ?? options.validFrom;
  const validUntil = (own('validUntil') as string | undefined) ?? options.validUntil;
  if (validFrom !== undefined) request.validFrom = validFrom;
  if (validUntil !== undefined) request.validUntil = validUntil;
  const id = own('id');
  if (typeof id === 'string') request.id = id;
  return request;
}

const DOCUMENT_RECORD_KEYS = new Set(['credential', 'recordKey']);

// A JSONL record with a `credential` member is a whole document; anything else is the convenience shape.
function isDocumentRecord(fields: JsonObject, format: BatchInputFormat): boolean {
  return format === 'jsonl' && Object.hasOwn(fields, 'credential');
}

// A record, checked and completed as Issuer.issue would check it; `request` is what a re-emission rebuilds from.
function readRecord(
  fields: JsonObject,
  format: BatchInputFormat,
  options: BatchOptions,
  defaults: { issuer: string | undefined; now: Date; baseUrl: string | undefined; sdJwt?: SdJwtSettings | undefined },
): { request: unknown; normalized: NormalizedRequest } {
  if (!isDocumentRecord(fields, format)) {
    const request = toRequest(fields, options);
    // The options' issuer is part of the request; the default DID is the issuer's own.
    return { request, normalized: normalizeRequest(request, { ...defaults, claimsCopied: true }) };
  }
  for (const key of Object.keys(fields)) {
    if (!DOCUMENT_RECORD_KEYS.has(key))
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `member ${JSON.stringify(key)} beside credential: a document record is {"credential": {...}, "recordKey"?: "..."}`,
        { path: `/${key}` },
      );
  }
  const request = Object.create(null) as JsonObject;
  request.credential = fields.credential;
  if (options.format !== undefined) request.format = options.format;
  if (options.status !== undefined) request.status = options.status;
  if (fields.recordKey !== undefined) request.recordKey = fields.recordKey;
  return { request, normalized: normalizeDocument(request, { ...defaults, copied: true }) };
}

/**
 * The idempotency key of a record (see {@link recordKeyOf}); for a document record its
 * `recordKey`, else its credential's `id`, else a hash of the document.
 */
function keyOfRecord(fields: JsonObject, format: BatchInputFormat, types: string[]): string {
  if (!isDocumentRecord(fields, format)) return recordKeyOf(fields, types);
  const credential = fields.credential as JsonObject;
  const flat = Object.create(null) as JsonObject;
  if (Object.hasOwn(fields, 'recordKey')) flat.recordKey = fields.recordKey;
  if (Object.hasOwn(credential, 'id')) flat.id = credential.id;
  flat.credential = canonicalJson(credential) as JsonObject;
  return recordKeyOf(flat, ['credential']);
}

// The agency's rule for one record: its reason to reject, or undefined. A rule that throws
// (or returns a reason that cannot be made a string) rejects that record, not the batch.
function agencyRule(validate: BatchOptions['validate'], subject: JsonObject, line: number): string | undefined {
  if (validate === undefined) return undefined;
  try {
    const reason = validate(subject, line);
    return reason ? String(reason) : undefined;
  } catch (error) {
    return `validate failed: ${error instanceof Error ? error.message : 'it threw'}`;
  }
}

// A claim at a dot path, read through own members only: an inherited member
// (Object.prototype's, or a polluted one) never satisfies a required claim.
function ownValueAt(subject: JsonObject, path: string): unknown {
  let v: unknown = subject;
  for (const part of path.split('.')) v = isJsonObject(v) && Object.hasOwn(v, part) ? v[part] : undefined;
  return v === '' ? undefined : v;
}
