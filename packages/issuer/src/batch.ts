import { randomUUID } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type CredentialSchema, isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import {
  type BatchInputFormat,
  type InvalidRecord,
  parseCsv,
  parseJsonl,
  type RawRecord,
  RESERVED_FIELDS,
  recordKeyOf,
} from './batch-input.js';
import { type IssueFormat, type IssueRequest, type NormalizedRequest, normalizeRequest } from './credential-request.js';
import { type LoggedCredential, loggedByRecordKeys } from './issuance-log.js';
import { type GroupContext, type IssuedCredential, issueGroup } from './issue-group.js';
import { buildCredential, signCredential, statusEntry } from './sign-credential.js';
import type { StatusPurpose } from './status-store.js';

/** A registry extract: a file path or the text itself. */
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

export interface BatchOptions {
  /** Credential type(s) of every record. */
  type: string | string[];
  format?: IssueFormat;
  issuer?: string;
  /** Default `['revocation']`. */
  status?: StatusPurpose[];
  /** Default validity of every record (a record's own `validFrom`/`validUntil` wins). */
  validFrom?: Date | string;
  validUntil?: Date | string;
  credentialSchema?: CredentialSchema | CredentialSchema[];
  context?: string[];
  /** Claims every record must have (dot paths for nested claims). */
  requiredClaims?: string[];
  /** An agency rule: return a reason to reject the record. */
  validate?: (subject: JsonObject, line: number) => string | undefined;
  /** Records per transaction (default 500). */
  transactionSize?: number;
  /** Called after every committed transaction. */
  onProgress?: (progress: BatchProgress) => void;
  /** Called for every credential once it is committed (and, with `reemit`, for ones committed by an earlier run). */
  onIssued?: (credential: IssuedCredential & { line: number; reemitted: boolean }) => void | Promise<void>;
  /** Appends `{"line","recordKey","id","format","jwt"}` lines for the issued credentials to this file. */
  outputPath?: string;
  /**
   * For records an earlier run already issued, sign the same credential again (same id,
   * status indexes, dates) and hand it to `onIssued`/`outputPath` — for a run that
   * crashed after committing but before delivering. Writes nothing to the database.
   */
  reemit?: boolean;
  /** Stored with every log row; default a random id. */
  batchId?: string;
  /** Only validate; issue nothing. */
  dryRun?: boolean;
}

export interface BatchResult {
  batchId: string;
  /** Valid records. */
  total: number;
  /** Issued by this run. */
  issued: number;
  /** Already issued by an earlier run (same record key). */
  skipped: number;
  /** Records rejected by validation, by line. */
  invalid: InvalidRecord[];
}

/** What the batch needs from the issuer. */
export interface BatchHost {
  agent: TradewindAgent;
  defaultIssuer: string | undefined;
  loadSigners(requests: NormalizedRequest[]): Promise<void>;
  groupContext(batchId: string): GroupContext;
  signerOf(did: string): Promise<ManagedDid>;
}

// A validated record is kept as its JSON text until its transaction: a few hundred
// thousand records then cost tens of megabytes, not the objects' hundreds.
interface ValidRecord {
  line: number;
  recordKey: string;
  issuer: string;
  source: string;
}

type Materialized = { line: number; request: NormalizedRequest & { recordKey: string } };

/** Runs a batch; see `Issuer.issueBatch`. */
export async function runBatch(host: BatchHost, input: BatchInput, options: BatchOptions): Promise<BatchResult> {
  const size = options.transactionSize ?? 500;
  if (!Number.isSafeInteger(size) || size < 1 || size > 10_000)
    throw new TradewindError('INVALID_ARGUMENT', 'transactionSize must be between 1 and 10000');
  const batchId = options.batchId ?? randomUUID();
  let parsed: { records: RawRecord[]; invalid: InvalidRecord[] } | undefined = await readInput(input);
  const invalid = parsed.invalid;
  const valid = validateRecords(parsed.records, invalid, options, host.defaultIssuer);
  parsed = undefined;
  invalid.sort((a, b) => a.line - b.line);
  const result: BatchResult = { batchId, total: valid.length, issued: 0, skipped: 0, invalid };
  if (options.dryRun || valid.length === 0) return result;
  const issuers = [...new Set(valid.map((v) => v.issuer))];
  await host.loadSigners(issuers.map((issuer) => ({ issuer }) as NormalizedRequest));
  const ctx = host.groupContext(batchId);
  const report = () =>
    options.onProgress?.({
      total: result.total,
      done: result.issued + result.skipped,
      issued: result.issued,
      skipped: result.skipped,
      invalid: invalid.length,
    });

  for (let start = 0; start < valid.length; start += size) {
    const now = new Date();
    const chunk: Materialized[] = [];
    for (const v of valid.slice(start, start + size)) {
      try {
        chunk.push({
          line: v.line,
          request: {
            ...normalizeRequest(toRequest(JSON.parse(v.source) as JsonObject, options), { issuer: host.defaultIssuer, now }),
            recordKey: v.recordKey,
          },
        });
      } catch (error) {
        // Only time can change a verdict since validation (a validUntil that has now passed).
        if (!(error instanceof TradewindError)) throw error;
        invalid.push({ line: v.line, reason: error.message, ...(error.path === undefined ? {} : { path: error.path }) });
        result.total -= 1;
      }
    }
    const { issued, earlier } = await host.agent.transaction(async (q) => {
      const logged = await loggedByRecordKeys(
        q,
        chunk.map((v) => v.request.recordKey),
      );
      const todo = chunk.filter((v) => !logged.has(v.request.recordKey));
      const issued =
        todo.length > 0
          ? await issueGroup(
              q,
              ctx,
              todo.map((v) => v.request),
              now,
            )
          : [];
      return {
        issued: issued.map((c, i) => ({ ...c, line: (todo[i] as Materialized).line })),
        earlier: chunk
          .filter((v) => logged.has(v.request.recordKey))
          .map((v) => ({ v, log: logged.get(v.request.recordKey) as LoggedCredential })),
      };
    });
    result.issued += issued.length;
    result.skipped += earlier.length;
    const delivered: Array<IssuedCredential & { line: number; reemitted: boolean }> = issued.map((c) => ({ ...c, reemitted: false }));
    if (options.reemit) {
      for (const { v, log } of earlier) delivered.push({ ...(await reconstruct(host, v, log)), line: v.line, reemitted: true });
    }
    await deliver(delivered, options);
    report();
  }
  invalid.sort((a, b) => a.line - b.line);
  return result;
}

async function readInput(input: BatchInput): Promise<{ records: RawRecord[]; invalid: InvalidRecord[] }> {
  let text: string;
  let format: BatchInputFormat | undefined = input.format;
  if ('path' in input) {
    try {
      text = await readFile(input.path, 'utf8');
    } catch (cause) {
      throw new TradewindError('NOT_FOUND', `cannot read batch input ${input.path}`, { cause });
    }
    format ??= /\.csv$/i.test(input.path) ? 'csv' : /\.(jsonl|ndjson)$/i.test(input.path) ? 'jsonl' : undefined;
    if (!format)
      throw new TradewindError('INVALID_ARGUMENT', 'batch input format is not known: name the file .csv or .jsonl, or pass format');
  } else {
    text = input.text;
  }
  if (format === 'csv') return parseCsv(text);
  if (format === 'jsonl') return parseJsonl(text);
  throw new TradewindError('INVALID_ARGUMENT', `batch input format must be jsonl or csv, not ${String(format)}`);
}

function validateRecords(
  records: RawRecord[],
  invalid: InvalidRecord[],
  options: BatchOptions,
  defaultIssuer: string | undefined,
): ValidRecord[] {
  const types = typeof options.type === 'string' ? [options.type] : options.type;
  const seen = new Map<string, number>();
  const ids = new Map<string, number>();
  const now = new Date();
  const out: ValidRecord[] = [];
  for (const { line, fields } of records) {
    try {
      const request = toRequest(fields, options);
      const normalized = normalizeRequest(request, { issuer: defaultIssuer, now });
      for (const claim of options.requiredClaims ?? []) {
        if (valueAt(normalized.credentialSubject, claim) === undefined) {
          throw new TradewindError('INVALID_ARGUMENT', `missing required claim ${claim}`, { path: `/${claim.replace(/\./g, '/')}` });
        }
      }
      const reason = options.validate?.(normalized.credentialSubject, line);
      if (reason) throw new TradewindError('INVALID_ARGUMENT', reason);
      const recordKey = recordKeyOf(fields, Array.isArray(types) ? types : []);
      const earlier = seen.get(recordKey);
      if (earlier !== undefined) throw new TradewindError('INVALID_ARGUMENT', `same record as line ${earlier}`);
      if (typeof fields.id === 'string') {
        const other = ids.get(fields.id);
        if (other !== undefined) throw new TradewindError('INVALID_ARGUMENT', `credential id also used on line ${other}`, { path: '/id' });
        ids.set(fields.id, line);
      }
      seen.set(recordKey, line);
      out.push({ line, recordKey, issuer: normalized.issuer, source: JSON.stringify(fields) });
    } catch (error) {
      if (!(error instanceof TradewindError)) throw error;
      invalid.push(error.path === undefined ? { line, reason: error.message } : { line, reason: error.message, path: error.path });
    }
  }
  return out;
}

function toRequest(fields: JsonObject, options: BatchOptions): IssueRequest {
  let subject: JsonObject;
  if (fields.credentialSubject !== undefined) {
    if (!isJsonObject(fields.credentialSubject))
      throw new TradewindError('INVALID_ARGUMENT', 'credentialSubject must be an object', { path: '/credentialSubject' });
    subject = { ...fields.credentialSubject };
  } else {
    subject = {};
    for (const [k, v] of Object.entries(fields)) if (!(RESERVED_FIELDS as readonly string[]).includes(k)) subject[k] = v;
  }
  if (fields.subjectId !== undefined) subject.id = fields.subjectId;
  for (const k of ['recordKey', 'id', 'validFrom', 'validUntil'] as const) {
    if (fields[k] !== undefined && typeof fields[k] !== 'string')
      throw new TradewindError('INVALID_ARGUMENT', `${k} must be a string`, { path: `/${k}` });
  }
  const request: IssueRequest = { type: options.type, credentialSubject: subject };
  if (options.format !== undefined) request.format = options.format;
  if (options.issuer !== undefined) request.issuer = options.issuer;
  if (options.status !== undefined) request.status = options.status;
  if (options.credentialSchema !== undefined) request.credentialSchema = options.credentialSchema;
  if (options.context !== undefined) request.context = options.context;
  const validFrom = (fields.validFrom as string | undefined) ?? options.validFrom;
  const validUntil = (fields.validUntil as string | undefined) ?? options.validUntil;
  if (validFrom !== undefined) request.validFrom = validFrom;
  if (validUntil !== undefined) request.validUntil = validUntil;
  if (typeof fields.id === 'string') request.id = fields.id;
  return request;
}

function valueAt(subject: JsonObject, path: string): unknown {
  let v: unknown = subject;
  for (const part of path.split('.')) v = isJsonObject(v) ? v[part] : undefined;
  return v === '' ? undefined : v;
}

// Rebuilds the credential an earlier run committed from the record and its log row:
// same id, dates, status indexes and iat, so the JWT says what the log says.
async function reconstruct(host: BatchHost, v: Materialized, log: LoggedCredential): Promise<IssuedCredential> {
  const request: NormalizedRequest = { ...v.request, id: log.credentialId, issuer: log.issuer, format: log.format };
  if (log.validFrom !== undefined) request.validFrom = log.validFrom;
  if (log.validUntil !== undefined) request.validUntil = log.validUntil;
  const status = log.status.map(statusEntry);
  const credential = buildCredential(request, status);
  const signer = await host.signerOf(log.issuer);
  const jwt = await signCredential(host.agent, signer, credential, log.format, Math.floor(Date.parse(log.issuedAt) / 1000));
  return {
    id: log.credentialId,
    format: log.format,
    jwt,
    credential,
    issuer: log.issuer,
    status,
    issuedAt: log.issuedAt,
    recordKey: v.request.recordKey,
  };
}

async function deliver(credentials: Array<IssuedCredential & { line: number; reemitted: boolean }>, options: BatchOptions): Promise<void> {
  if (options.outputPath !== undefined && credentials.length > 0) {
    const lines = credentials
      .map((c) => JSON.stringify({ line: c.line, recordKey: c.recordKey, id: c.id, format: c.format, jwt: c.jwt }))
      .join('\n');
    await appendFile(options.outputPath, `${lines}\n`);
  }
  if (options.onIssued) for (const c of credentials) await options.onIssued(c);
}
