import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject } from '@tradewind/core';

/** Input formats of a batch: one JSON object per line, or CSV with a header row. */
export type BatchInputFormat = 'jsonl' | 'csv';

/** A record as read from the input, before validation. */
export interface RawRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: JsonObject;
}

/** A record that cannot be issued, and why. */
export interface InvalidRecord {
  line: number;
  reason: string;
  /** The field at fault, when one is, as a JSON pointer into the record. */
  path?: string;
}

/** Column / member names with a meaning of their own; every other one is a subject claim. */
export const RESERVED_FIELDS = ['recordKey', 'id', 'subjectId', 'validFrom', 'validUntil', 'credentialSubject'] as const;

/** Longest accepted record, in characters (a registry row is far smaller). */
export const MAX_RECORD_CHARS = 64 * 1024;

/**
 * Splits JSONL text into records. Blank lines are skipped; a line that is not a JSON
 * object is reported by number.
 */
export function parseJsonl(text: string): { records: RawRecord[]; invalid: InvalidRecord[] } {
  const records: RawRecord[] = [];
  const invalid: InvalidRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.length > MAX_RECORD_CHARS) {
      invalid.push({ line: i + 1, reason: `record is longer than ${MAX_RECORD_CHARS} characters` });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      invalid.push({ line: i + 1, reason: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    if (!isJsonObject(value)) {
      invalid.push({ line: i + 1, reason: 'a record must be a JSON object' });
      continue;
    }
    records.push({ line: i + 1, fields: value });
  }
  return { records, invalid };
}

/**
 * Parses RFC 4180 CSV with a header row. Quoted fields may hold commas, quotes ("")
 * and line breaks. Empty cells are left out of the record; a header like
 * `address.locality` makes a nested claim.
 */
export function parseCsv(text: string): { records: RawRecord[]; invalid: InvalidRecord[] } {
  const rows = csvRows(text.replace(/^\uFEFF/, ''));
  const records: RawRecord[] = [];
  const invalid: InvalidRecord[] = [];
  const header = rows.shift();
  if (!header) return { records, invalid: [{ line: 1, reason: 'CSV input has no header row' }] };
  if (header.error) return { records, invalid: [{ line: header.line, reason: header.error }] };
  const names = header.cells.map((c) => c.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '' || seen.has(n))
      return { records, invalid: [{ line: header.line, reason: `header has an empty or repeated column name "${n}"` }] };
    seen.add(n);
  }
  for (const row of rows) {
    if (row.error) {
      invalid.push({ line: row.line, reason: row.error });
      continue;
    }
    if (row.cells.length === 1 && row.cells[0] === '') continue; // blank line
    if (row.cells.length !== names.length) {
      invalid.push({ line: row.line, reason: `has ${row.cells.length} cells, the header has ${names.length}` });
      continue;
    }
    const fields: JsonObject = {};
    let bad: string | undefined;
    row.cells.forEach((cell, i) => {
      if (cell === '' || bad) return;
      const path = (names[i] as string).split('.');
      let target = fields;
      for (const part of path.slice(0, -1)) {
        const next = target[part];
        if (next === undefined) target[part] = {};
        else if (!isJsonObject(next)) bad = `column ${names[i]} conflicts with column ${part}`;
        target = target[part] as JsonObject;
      }
      target[path[path.length - 1] as string] = cell;
    });
    if (bad) invalid.push({ line: row.line, reason: bad });
    else records.push({ line: row.line, fields });
  }
  return { records, invalid };
}

interface CsvRow {
  line: number;
  cells: string[];
  error?: string;
}

function csvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let error: string | undefined;
    let cell = '';
    let length = 0;
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) {
            error = 'unterminated quoted field';
            break;
          }
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          error ??= 'characters after a closing quote';
          i++;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') error ??= 'a quote inside an unquoted field';
          cell += text[i];
          i++;
        }
      }
      length += cell.length;
      cells.push(cell);
      cell = '';
      if (i >= text.length) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (length > MAX_RECORD_CHARS) error ??= `record is longer than ${MAX_RECORD_CHARS} characters`;
    rows.push(error ? { line: start, cells, error } : { line: start, cells });
  }
  return rows;
}

/**
 * The idempotency key of a record: its `recordKey`, else its credential `id`, else a
 * hash of the credential type and the record's content. Issuing the same extract again
 * after a crash therefore skips what was already issued.
 */
export function recordKeyOf(fields: JsonObject, types: string[]): string {
  if (typeof fields.recordKey === 'string' && fields.recordKey !== '') return fields.recordKey;
  if (typeof fields.id === 'string' && fields.id !== '') return `id:${fields.id}`;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([types, canonical(fields)]))
    .digest('base64url')}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical(value[k]);
    return out;
  }
  return value;
}
