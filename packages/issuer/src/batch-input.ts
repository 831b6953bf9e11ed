import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type ErrorCode, isJsonObject, type JsonObject, TradewindError, type VerificationIssue } from '@tradewind/core';
import { canonicalJson } from './content-digest.js';
import { FORBIDDEN_KEYS, jsonTextProblem, ownCopy } from './untrusted-json.js';

/** Input formats of a batch: one JSON object per line, or CSV with a header row. */
export type BatchInputFormat = 'jsonl' | 'csv';

/** A record as read from the input, before validation. Its objects have no prototype. */
export interface RawRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: JsonObject;
}

/** A record that cannot be issued, and why. */
export interface InvalidRecord {
  line: number;
  /**
   * Why, as a stable code: `MALFORMED` (not JSON / CSV, not UTF-8, a forbidden key),
   * `LIMIT_EXCEEDED` (longer than {@link MAX_RECORD_BYTES}, nested too deep),
   * `INVALID_ARGUMENT` (a field or rule fails), `ALREADY_EXISTS` (its credential id or
   * record key is taken, or it was issued before with other content).
   */
  code: ErrorCode;
  reason: string;
  /** The field at fault, when one is, as a JSON pointer into the record. */
  path?: string;
  /** For a document record that is not a valid credential (`MALFORMED`): every violation, each with its path. */
  issues?: VerificationIssue[];
}

/** Column / member names with a meaning of their own; every other one is a subject claim. */
export const RESERVED_FIELDS = ['recordKey', 'id', 'subjectId', 'validFrom', 'validUntil', 'credentialSubject'] as const;

/**
 * Longest accepted record, in bytes of UTF-8 (a registry row is far smaller). Input is
 * read as a stream: a longer line is reported and skipped without being held in memory.
 */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Where a batch comes from. */
export type RecordSource = { path: string } | { text: string };

/** One item read from a batch: a record, or a line that is not one. */
export type ReadItem = { record: RawRecord } | { invalid: InvalidRecord };

/**
 * Reads the records of a batch, a few hundred at a time: JSONL (blank lines skipped) or
 * RFC 4180 CSV with a header row (quoted cells may hold commas, `""` and line breaks;
 * empty cells are left out; a header like `address.locality` makes a nested claim). A
 * file is streamed, never read whole. Every problem is an `invalid` item naming its line.
 */
export async function* readRecords(source: RecordSource, format: BatchInputFormat): AsyncGenerator<ReadItem[]> {
  // The parsers are synchronous and fed whole chunks of lines: one await per chunk of
  // input, not per line, keeps parsing off the per-record cost of a batch.
  const parser: LineParser = format === 'jsonl' ? new JsonlParser() : new CsvParser();
  for await (const lines of physicalLines(source)) {
    const out: ReadItem[] = [];
    for (const line of lines) {
      parser.push(line, out);
      if (parser.stopped) break;
    }
    if (out.length > 0) yield out;
    if (parser.stopped) return;
  }
  const out: ReadItem[] = [];
  parser.end(out);
  if (out.length > 0) yield out;
}

interface LineParser {
  /** No more input should be read (the rest cannot be split into records). */
  readonly stopped: boolean;
  push(line: PhysicalLine, out: ReadItem[]): void;
  end(out: ReadItem[]): void;
}

interface PhysicalLine {
  line: number;
  /** The line without its `\n` (a `\r` before it is kept); undefined when too long. */
  text?: string;
  /** The bytes were not valid UTF-8 (text then holds U+FFFD replacements, for structure only). */
  badUtf8?: boolean;
  /** For a line too long to keep: how many `"` it held (whether it opens or closes a CSV quote). */
  quotes?: number;
}

const QUOTE = 0x22;

function countQuotes(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(QUOTE, from); i >= 0 && i < to; i = bytes.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/**
 * Checks that a batch file can be read twice (validation, then issuance): a regular
 * file. A pipe or a device (`/dev/stdin`, `/dev/zero`) would be empty or endless the
 * second time.
 */
export async function checkInputFile(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (cause) {
    throw inputError(path, cause);
  }
  if (!info.isFile())
    throw new TradewindError(
      'INVALID_ARGUMENT',
      `batch input ${path} is not a regular file (a batch file is read twice: to validate, then to issue)`,
    );
}

function inputError(path: string, cause: unknown): TradewindError {
  if (cause instanceof TradewindError) return cause;
  const code = (cause as { code?: unknown }).code;
  const message = `cannot read batch input ${path}: ${(cause as Error).message}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new TradewindError('NOT_FOUND', message, { cause });
  if (code === 'EISDIR') return new TradewindError('INVALID_ARGUMENT', message, { cause });
  return new TradewindError('STORAGE_ERROR', message, { cause });
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

async function* physicalLines(source: RecordSource): AsyncGenerator<PhysicalLine[]> {
  if ('text' in source) {
    let batch: PhysicalLine[] = [];
    for (const line of textLines(source.text)) {
      batch.push(line);
      if (batch.length === 1024) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const stream = createReadStream(source.path, { highWaterMark: 64 * 1024 });
  const parts: Buffer[] = [];
  let held = 0;
  let overlong = false;
  let quotes = 0;
  let line = 1;
  const finish = (): PhysicalLine => {
    const n = line++;
    if (overlong) {
      overlong = false;
      parts.length = 0;
      held = 0;
      return { line: n, quotes };
    }
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, held);
    parts.length = 0;
    held = 0;
    const skip = n === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const body = bytes.subarray(skip);
    try {
      return { line: n, text: fatalUtf8.decode(body) };
    } catch {
      return { line: n, text: lenientUtf8.decode(body), badUtf8: true };
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const out: PhysicalLine[] = [];
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 ? chunk.length : nl;
        if (overlong) quotes += countQuotes(chunk, start, end);
        else if (held + (end - start) > MAX_RECORD_BYTES) {
          // Too long to keep: drop what is held, keep only the count of quote bytes.
          overlong = true;
          quotes = countQuotes(chunk, start, end);
          for (const part of parts) quotes += countQuotes(part, 0, part.length);
          parts.length = 0;
          held = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          held += end - start;
        }
        if (nl < 0) break;
        out.push(finish());
        start = nl + 1;
      }
      if (out.length > 0) yield out;
    }
    if (held > 0 || overlong) yield [finish()];
  } catch (cause) {
    throw inputError(source.path, cause);
  } finally {
    stream.destroy();
  }
}

// Text given as a string has no bytes to check: a lone surrogate is what cannot be UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

function* textLines(text: string): Generator<PhysicalLine> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const n = line++;
    // Three bytes of UTF-8 per UTF-16 unit at most: only long lines need measuring.
    if (end - start > MAX_RECORD_BYTES / 3 && Buffer.byteLength(text.slice(start, end)) > MAX_RECORD_BYTES) {
      let quotes = 0;
      for (let i = text.indexOf('"', start); i >= 0 && i < end; i = text.indexOf('"', i + 1)) quotes++;
      yield { line: n, quotes };
    } else {
      const s = text.slice(start, end);
      yield LONE_SURROGATE.test(s) ? { line: n, text: s.replace(LONE_SURROGATE_ALL, '\uFFFD'), badUtf8: true } : { line: n, text: s };
    }
    if (nl < 0) break;
    start = nl + 1;
  }
}

const TOO_LONG = `record is longer than ${MAX_RECORD_BYTES} bytes`;
const NOT_UTF8 = 'not valid UTF-8';
const RUNAWAY = `${TOO_LONG} (an unterminated quoted cell?); the rest of the input was not read`;

class JsonlParser implements LineParser {
  readonly stopped = false;

  push({ line, text, badUtf8 }: PhysicalLine, out: ReadItem[]): void {
    if (text === undefined) {
      out.push({ invalid: { line, code: 'LIMIT_EXCEEDED', reason: TOO_LONG } });
      return;
    }
    if (text.trim() === '') return;
    if (badUtf8) {
      out.push({ invalid: { line, code: 'MALFORMED', reason: NOT_UTF8 } });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      out.push({ invalid: { line, code: 'MALFORMED', reason: `not valid JSON: ${(e as Error).message}` } });
      return;
    }
    if (!isJsonObject(value)) {
      out.push({ invalid: { line, code: 'MALFORMED', reason: 'a record must be a JSON object' } });
      return;
    }
    const problem = jsonTextProblem(text);
    if (problem !== undefined) {
      out.push({ invalid: { line, code: 'MALFORMED', reason: problem.reason, path: problem.path } });
      return;
    }
    try {
      out.push({ record: { line, fields: ownCopy(value, '', 0) as JsonObject } });
    } catch (error) {
      out.push({ invalid: toInvalid(line, error) });
    }
  }

  end(): void {}
}

function toInvalid(line: number, error: unknown): InvalidRecord {
  if (!(error instanceof TradewindError)) throw error;
  const out: InvalidRecord = { line, code: error.code, reason: error.message };
  if (error.path !== undefined) out.path = error.path;
  return out;
}

// CSV: rows are assembled from physical lines (a quoted cell may span several), the
// first row is the header, every other row a record. A record is bounded by
// MAX_RECORD_BYTES: an unterminated quote ends the input at that bound instead of
// swallowing the rest of the file.
class CsvParser implements LineParser {
  stopped = false;
  private names: string[] | undefined;
  private paths: string[][] = [];
  private row: CsvRow | undefined;
  private cell = '';
  private quoted = false; // inside a quoted cell that continues on the next line
  private size = 0;
  private badUtf8 = false;

  push(physical: PhysicalLine, out: ReadItem[]): void {
    const row = this.assemble(physical);
    if (row) this.take(row, out);
  }

  end(out: ReadItem[]): void {
    if (this.stopped) return;
    const row = this.row;
    if (row) {
      if (this.quoted) row.cells.push(this.cell);
      this.take(this.quoted ? { ...row, code: 'MALFORMED', error: 'unterminated quoted field' } : row, out);
    }
    if (this.names === undefined && !this.stopped)
      out.push({ invalid: { line: 1, code: 'MALFORMED', reason: 'CSV input has no header row' } });
  }

  private take(row: CsvRow, out: ReadItem[]): void {
    if (this.names === undefined) {
      this.header(row, out);
      return;
    }
    const names = this.names;
    if (row.error) {
      out.push({ invalid: { line: row.line, code: row.code ?? 'MALFORMED', reason: row.error } });
      if (row.stop) this.stopped = true;
      return;
    }
    if (row.cells.length === 1 && row.cells[0] === '') return; // blank line
    if (row.cells.length !== names.length) {
      out.push({ invalid: { line: row.line, code: 'MALFORMED', reason: `has ${row.cells.length} cells, the header has ${names.length}` } });
      return;
    }
    const fields = Object.create(null) as JsonObject;
    let bad: string | undefined;
    row.cells.forEach((cell, i) => {
      if (cell === '' || bad) return;
      const path = this.paths[i] as string[];
      let target = fields;
      for (const part of path.slice(0, -1)) {
        const next = Object.hasOwn(target, part) ? target[part] : undefined;
        if (next === undefined) target[part] = Object.create(null) as JsonObject;
        else if (!isJsonObject(next)) {
          bad = `column ${names[i]} conflicts with column ${part}`;
          return;
        }
        target = target[part] as JsonObject;
      }
      const leaf = path[path.length - 1] as string;
      if (Object.hasOwn(target, leaf)) bad = `column ${names[i]} conflicts with another column`;
      else target[leaf] = cell;
    });
    if (bad) out.push({ invalid: { line: row.line, code: 'MALFORMED', reason: bad } });
    else out.push({ record: { line: row.line, fields } });
  }

  // The header row: every column name once, none refused. A bad header ends the input.
  private header(row: CsvRow, out: ReadItem[]): void {
    const problem = headerProblem(row);
    if (problem !== undefined) {
      out.push({ invalid: { line: row.line, code: row.error ? (row.code ?? 'MALFORMED') : 'MALFORMED', reason: problem } });
      this.stopped = true;
      return;
    }
    this.names = row.cells.map((c) => c.trim());
    this.paths = this.names.map((n) => n.split('.'));
  }

  // Adds a physical line to the row being assembled; returns the row once it is complete.
  private assemble(physical: PhysicalLine): CsvRow | undefined {
    if (physical.text === undefined) {
      // Too long to keep. Its quote count still says whether a quoted cell is open after
      // it: if so the record has no end in sight, and the rest cannot be split reliably.
      const start = this.row?.line ?? physical.line;
      const open = this.quoted !== ((physical.quotes ?? 0) % 2 === 1);
      this.row = undefined;
      this.quoted = false;
      this.cell = '';
      return open
        ? { line: start, cells: [], code: 'LIMIT_EXCEEDED', error: RUNAWAY, stop: true }
        : { line: start, cells: [], code: 'LIMIT_EXCEEDED', error: TOO_LONG };
    }
    const text = physical.text;
    if (!this.row) {
      this.row = { line: physical.line, cells: [] };
      this.size = 0;
      this.badUtf8 = false;
    }
    const row = this.row;
    this.size += text.length + 1;
    this.badUtf8 ||= physical.badUtf8 === true;
    if (this.size > MAX_RECORD_BYTES) {
      const stop = this.quoted;
      this.row = undefined;
      this.quoted = false;
      this.cell = '';
      return { line: row.line, cells: [], code: 'LIMIT_EXCEEDED', error: stop ? RUNAWAY : TOO_LONG, stop };
    }
    // A trailing \r ends the line, except inside a quoted cell (kept, as RFC 4180 keeps CRLF there).
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    let i = 0;
    for (;;) {
      if (this.quoted) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.cell += `${text.slice(i)}\n`;
          break; // the cell goes on on the next line
        }
        this.cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          this.cell += '"';
          i = q + 2;
          continue;
        }
        this.quoted = false;
        const sep = nextComma(text, q + 1, end);
        if (sep > q + 1) row.error ??= 'characters after a closing quote';
        i = sep;
      } else if (text[i] === '"' && i < end) {
        this.quoted = true;
        i++;
        continue;
      } else {
        const sep = nextComma(text, i, end);
        const raw = text.slice(i, sep);
        if (raw.includes('"')) row.error ??= 'a quote inside an unquoted field';
        this.cell += raw;
        i = sep;
      }
      row.cells.push(this.cell);
      this.cell = '';
      if (i >= end) break;
      i++; // past the comma
    }
    if (this.quoted) return undefined;
    if (this.badUtf8) {
      row.error = NOT_UTF8;
      row.code = 'MALFORMED';
    }
    this.row = undefined;
    return row;
  }
}

// What is wrong with a header row, if anything: every column named once, no name refused.
function headerProblem(row: CsvRow): string | undefined {
  if (row.error) return row.error;
  const seen = new Set<string>();
  for (const n of row.cells.map((c) => c.trim())) {
    if (n === '' || seen.has(n)) return `header has an empty or repeated column name "${n}"`;
    // A CR (old Mac line ends) or another control character: no column name, but a sign the rows were not split.
    if (hasControlCharacter(n))
      return `column ${JSON.stringify(n)}: a control character in a column name (line ends other than LF or CRLF?)`;
    const bad = n.split('.').find((p) => FORBIDDEN_KEYS.has(p) || p === '');
    if (bad !== undefined) return `column "${n}": ${bad === '' ? 'an empty name part' : `the name ${JSON.stringify(bad)} is not allowed`}`;
    seen.add(n);
  }
  return undefined;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

interface CsvRow {
  line: number;
  cells: string[];
  error?: string;
  code?: ErrorCode;
  /** The input cannot be split into records past this point. */
  stop?: boolean;
}

function nextComma(text: string, from: number, end: number): number {
  const comma = text.indexOf(',', from);
  return comma >= 0 && comma < end ? comma : end;
}

/**
 * The idempotency key of a record: its `recordKey`, else its credential `id`, else a
 * hash of the credential type and the record's content. Issuing the same extract again
 * after a crash therefore skips what was already issued.
 */
export function recordKeyOf(fields: JsonObject, types: string[]): string {
  const own = (k: string) => (Object.hasOwn(fields, k) ? fields[k] : undefined);
  const recordKey = own('recordKey');
  if (typeof recordKey === 'string' && recordKey !== '') return recordKey;
  const id = own('id');
  if (typeof id === 'string' && id !== '') return `id:${id}`;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([types, canonicalJson(fields)]))
    .digest('base64url')}`;
}
