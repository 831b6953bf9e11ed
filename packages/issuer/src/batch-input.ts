import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type ErrorCode, isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';
import { canonicalJson } from './content-digest.js';
import { FORBIDDEN_KEYS, ownCopy } from './untrusted-json.js';

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
 * Reads the records of a batch one by one: JSONL (blank lines skipped) or RFC 4180 CSV
 * with a header row (quoted cells may hold commas, `""` and line breaks; empty cells are
 * left out; a header like `address.locality` makes a nested claim). A file is streamed,
 * never read whole. Every problem is an `invalid` item naming its line.
 */
export async function* readRecords(source: RecordSource, format: BatchInputFormat): AsyncGenerator<ReadItem> {
  const lines = physicalLines(source);
  try {
    if (format === 'jsonl') yield* jsonlRecords(lines);
    else yield* csvRecords(lines);
  } finally {
    await lines.return(undefined);
  }
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

async function* physicalLines(source: RecordSource): AsyncGenerator<PhysicalLine> {
  if ('text' in source) {
    yield* textLines(source.text);
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
        yield finish();
        start = nl + 1;
      }
    }
    if (held > 0 || overlong) yield finish();
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

async function* jsonlRecords(lines: AsyncGenerator<PhysicalLine>): AsyncGenerator<ReadItem> {
  for await (const { line, text, badUtf8 } of lines) {
    if (text === undefined) {
      yield { invalid: { line, code: 'LIMIT_EXCEEDED', reason: TOO_LONG } };
      continue;
    }
    if (text.trim() === '') continue;
    if (badUtf8) {
      yield { invalid: { line, code: 'MALFORMED', reason: NOT_UTF8 } };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { invalid: { line, code: 'MALFORMED', reason: `not valid JSON: ${(e as Error).message}` } };
      continue;
    }
    if (!isJsonObject(value)) {
      yield { invalid: { line, code: 'MALFORMED', reason: 'a record must be a JSON object' } };
      continue;
    }
    try {
      yield { record: { line, fields: ownCopy(value, '', 0) as JsonObject } };
    } catch (error) {
      yield { invalid: toInvalid(line, error) };
    }
  }
}

function toInvalid(line: number, error: unknown): InvalidRecord {
  if (!(error instanceof TradewindError)) throw error;
  const out: InvalidRecord = { line, code: error.code, reason: error.message };
  if (error.path !== undefined) out.path = error.path;
  return out;
}

async function* csvRecords(lines: AsyncGenerator<PhysicalLine>): AsyncGenerator<ReadItem> {
  const rows = csvRows(lines);
  const first = await rows.next();
  if (first.done) {
    yield { invalid: { line: 1, code: 'MALFORMED', reason: 'CSV input has no header row' } };
    return;
  }
  const header = first.value;
  if (header.error) {
    yield { invalid: { line: header.line, code: header.code ?? 'MALFORMED', reason: header.error } };
    return;
  }
  const names = header.cells.map((c) => c.trim());
  const seen = new Set<string>();
  const paths: string[][] = [];
  for (const n of names) {
    if (n === '' || seen.has(n)) {
      yield { invalid: { line: header.line, code: 'MALFORMED', reason: `header has an empty or repeated column name "${n}"` } };
      return;
    }
    const path = n.split('.');
    const bad = path.find((p) => FORBIDDEN_KEYS.has(p) || p === '');
    if (bad !== undefined) {
      yield {
        invalid: {
          line: header.line,
          code: 'MALFORMED',
          reason: `column "${n}": ${bad === '' ? 'an empty name part' : `the name ${JSON.stringify(bad)} is not allowed`}`,
        },
      };
      return;
    }
    seen.add(n);
    paths.push(path);
  }
  for await (const row of rows) {
    if (row.error) {
      yield { invalid: { line: row.line, code: row.code ?? 'MALFORMED', reason: row.error } };
      if (row.stop) return;
      continue;
    }
    if (row.cells.length === 1 && row.cells[0] === '') continue; // blank line
    if (row.cells.length !== names.length) {
      yield { invalid: { line: row.line, code: 'MALFORMED', reason: `has ${row.cells.length} cells, the header has ${names.length}` } };
      continue;
    }
    const fields = Object.create(null) as JsonObject;
    let bad: string | undefined;
    row.cells.forEach((cell, i) => {
      if (cell === '' || bad) return;
      const path = paths[i] as string[];
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
    if (bad) yield { invalid: { line: row.line, code: 'MALFORMED', reason: bad } };
    else yield { record: { line: row.line, fields } };
  }
}

interface CsvRow {
  line: number;
  cells: string[];
  error?: string;
  code?: ErrorCode;
  /** The input cannot be split into records past this point. */
  stop?: boolean;
}

// Assembles CSV records from physical lines; a quoted cell may span several. A record is
// bounded by MAX_RECORD_BYTES: an unterminated quote ends the input at that bound instead
// of swallowing the rest of the file.
async function* csvRows(lines: AsyncGenerator<PhysicalLine>): AsyncGenerator<CsvRow> {
  let row: CsvRow | undefined;
  let cell = '';
  let quoted = false; // inside a quoted cell that continues on the next line
  let size = 0;
  let badUtf8 = false;
  for await (const physical of lines) {
    if (physical.text === undefined) {
      // Too long to keep. Its quote count still says whether a quoted cell is open after
      // it: if so the record has no end in sight, and the rest cannot be split reliably.
      const start = row?.line ?? physical.line;
      const open = quoted !== ((physical.quotes ?? 0) % 2 === 1);
      if (open) {
        yield { line: start, cells: [], code: 'LIMIT_EXCEEDED', error: RUNAWAY, stop: true };
        return;
      }
      yield { line: start, cells: [], code: 'LIMIT_EXCEEDED', error: TOO_LONG };
      row = undefined;
      quoted = false;
      cell = '';
      continue;
    }
    const text = physical.text;
    if (!row) {
      row = { line: physical.line, cells: [] };
      size = 0;
      badUtf8 = false;
    }
    size += text.length + 1;
    badUtf8 ||= physical.badUtf8 === true;
    if (size > MAX_RECORD_BYTES) {
      yield {
        line: row.line,
        cells: [],
        code: 'LIMIT_EXCEEDED',
        error: quoted ? RUNAWAY : TOO_LONG,
        stop: quoted,
      };
      if (quoted) return;
      row = undefined;
      continue;
    }
    // A trailing \r ends the line, except inside a quoted cell (kept, as RFC 4180 keeps CRLF there).
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    let i = 0;
    for (;;) {
      if (quoted) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          cell += `${text.slice(i)}\n`;
          break; // the cell goes on on the next line
        }
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
          continue;
        }
        quoted = false;
        const sep = nextComma(text, q + 1, end);
        if (sep > q + 1) row.error ??= 'characters after a closing quote';
        i = sep;
      } else if (text[i] === '"' && i < end) {
        quoted = true;
        i++;
        continue;
      } else {
        const sep = nextComma(text, i, end);
        const raw = text.slice(i, sep);
        if (raw.includes('"')) row.error ??= 'a quote inside an unquoted field';
        cell += raw;
        i = sep;
      }
      row.cells.push(cell);
      cell = '';
      if (i >= end) break;
      i++; // past the comma
    }
    if (quoted) continue;
    if (badUtf8) {
      row.error = NOT_UTF8;
      row.code = 'MALFORMED';
    }
    yield row;
    row = undefined;
  }
  if (row) {
    if (quoted) row.cells.push(cell);
    yield quoted ? { ...row, code: 'MALFORMED', error: 'unterminated quoted field' } : row;
  }
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
