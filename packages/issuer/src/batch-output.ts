import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { asStorageError } from './storage-error.js';

/** One line of a batch output file. */
export interface OutputLine {
  line: number;
  recordKey: string | undefined;
  id: string;
  format: string;
  jwt: string;
}

/** What opening an output file found and repaired. */
export interface OutputRepair {
  /** Bytes cut from the end: a torn last line (no newline, or not a whole record). */
  truncatedBytes: number;
  /** Lines dropped from inside the file (not a whole record, or a credential already in it), by rewriting it. */
  droppedLines: number;
}

const MAX_OUTPUT_LINE = 1024 * 1024;
// Every line a batch writes starts so (JSON.stringify of { line, recordKey, id, format, jwt }).
const OUR_PREFIX = Buffer.from('{"line":');
// A compact JWS, or a compact SD-JWT as issued (the JWS, then each disclosure, each followed by `~`).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:(?:~[A-Za-z0-9_-]+)*~)?$/;

// The credential id of a whole output line, or undefined for a torn or foreign one.
function idOfLine(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, jwt, format } = value as { id?: unknown; jwt?: unknown; format?: unknown };
  if (typeof id !== 'string' || typeof jwt !== 'string') return undefined;
  return COMPACT_JWS.test(jwt) || (format === 'di' && isDiCredentialText(jwt, id)) ? id : undefined;
}

// A `di` line's credential: the JSON text of a credential with this id and a proof.
function isDiCredentialText(text: string, id: string): boolean {
  try {
    const credential = JSON.parse(text) as { id?: unknown; proof?: unknown } | null;
    return typeof credential === 'object' && credential !== null && credential.id === id && typeof credential.proof === 'object';
  } catch {
    return false;
  }
}

/**
 * The JSONL file a batch writes its credentials to. It is also the record of what was
 * delivered: opening it reads the credential ids it holds, cuts a torn last line (a kill
 * or a full disk in the middle of a write) and drops any other line that is not a whole
 * record, so a resumed batch re-emits exactly the credentials the file lacks. Each
 * transaction's lines are appended in one write and flushed (fdatasync) before the batch
 * goes on; a failed write is cut back off, so the file only ever holds whole lines.
 */
export class BatchOutput {
  private constructor(
    private handle: FileHandle,
    /** The output file. */
    readonly path: string,
    private size: number,
    private readonly regular: boolean,
    private readonly ids: Set<string>,
    /** What opening the file repaired. */
    readonly repair: OutputRepair,
  ) {}

  /** Opens (creates) `path` for appending, after reading and repairing what it holds. */
  static async open(path: string): Promise<BatchOutput> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'a+', 0o600);
    } catch (cause) {
      throw asStorageError(cause, `cannot open the output file ${path}`);
    }
    try {
      const stat = await handle.stat();
      const ids = new Set<string>();
      const repair: OutputRepair = { truncatedBytes: 0, droppedLines: 0 };
      if (!stat.isFile()) return new BatchOutput(handle, path, 0, false, ids, repair);
      const scan = await scanOutput(handle, stat.size, ids);
      // Only lines a batch wrote (whole or torn) are ever cut or dropped: never change
      // another file given as the output by mistake (the input itself, say).
      if (scan.foreign !== undefined) {
        throw new TradewindError(
          'INVALID_ARGUMENT',
          `${path} is not a batch output file (line ${scan.foreign} is not one of its lines); give a new or earlier output file`,
        );
      }
      if (scan.badInside > 0) {
        await handle.close();
        await rewriteWhole(path, scan.keep);
        handle = await open(path, 'a+', 0o600);
        repair.droppedLines = scan.badInside;
        repair.truncatedBytes = 0;
        return new BatchOutput(handle, path, (await handle.stat()).size, true, ids, repair);
      }
      if (scan.goodEnd < stat.size) {
        await handle.truncate(scan.goodEnd);
        await handle.datasync();
        repair.truncatedBytes = stat.size - scan.goodEnd;
      }
      return new BatchOutput(handle, path, scan.goodEnd, true, ids, repair);
    } catch (cause) {
      await handle.close().catch(() => undefined);
      throw asStorageError(cause, `cannot read or repair the output file ${path}`);
    }
  }

  /** True when the file already holds the credential `id`. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Appends whole lines in one write and flushes them; on failure nothing of them stays. */
  async append(lines: OutputLine[]): Promise<void> {
    if (lines.length === 0) return;
    const fresh = lines.filter((l) => !this.ids.has(l.id));
    const text = fresh.map((l) => `${JSON.stringify({ line: l.line, recordKey: l.recordKey, id: l.id, format: l.format, jwt: l.jwt })}\n`);
    const buffer = Buffer.from(text.join(''));
    try {
      let written = 0;
      while (written < buffer.length) {
        const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written, null);
        if (bytesWritten === 0) throw Object.assign(new Error('no byte written'), { code: 'EIO', syscall: 'write' });
        written += bytesWritten;
      }
      if (this.regular) await this.handle.datasync();
    } catch (cause) {
      if (this.regular) await this.handle.truncate(this.size).catch(() => undefined);
      throw cause;
    }
    this.size += buffer.length;
    for (const l of fresh) this.ids.add(l.id);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

interface Scan {
  /** End of the last whole line (byte offset). */
  goodEnd: number;
  /** The first line (1-based) that is no batch output line, not even a torn one. */
  foreign?: number;
  /** Bad or repeated lines followed by good ones. */
  badInside: number;
  /** Byte ranges of the lines to keep, for a rewrite. */
  keep: Array<[number, number]>;
}

async function scanOutput(handle: FileHandle, size: number, ids: Set<string>): Promise<Scan> {
  const keep: Array<[number, number]> = [];
  let goodEnd = 0;
  let badPending = 0; // bad lines after the last good one
  let badInside = 0;
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let lineStart = 0;
  let overlong = false;
  let lineNumber = 1;
  let foreign: number | undefined;
  const head = Buffer.alloc(OUR_PREFIX.length);
  let headLength = 0;
  // Whether the line's first bytes are (a prefix of) the start of every line a batch
  // writes, or zero bytes: what a crash of the machine leaves where an append had grown
  // the file but its data never reached the disk (a torn line, not a foreign file).
  const ours = () =>
    head.subarray(0, headLength).equals(OUR_PREFIX.subarray(0, headLength)) || head.subarray(0, headLength).every((b) => b === 0);
  const chunk = Buffer.alloc(1024 * 1024);
  let position = 0;
  while (position < size) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
    if (bytesRead === 0) break;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
      if (headLength < head.length) headLength += chunk.copy(head, headLength, from, Math.min(end, from + head.length - headLength));
      if (!overlong) {
        if (pendingLength + end - from > MAX_OUTPUT_LINE) {
          overlong = true;
          pending = [];
          pendingLength = 0;
        } else {
          pending.push(Buffer.from(chunk.subarray(from, end)));
          pendingLength += end - from;
        }
      }
      if (end === bytesRead) break;
      // a whole line: [lineStart, position + nl + 1)
      const lineEnd = position + end + 1;
      const id = overlong ? undefined : idOfLine(Buffer.concat(pending, pendingLength).toString('utf8'));
      if (id !== undefined && !ids.has(id)) {
        ids.add(id);
        keep.push([lineStart, lineEnd]);
        badInside += badPending;
        badPending = 0;
        goodEnd = lineEnd;
      } else if (pendingLength > 0 || overlong) {
        badPending += 1;
        if (!ours()) foreign ??= lineNumber;
      } else if (badPending === 0) {
        goodEnd = lineEnd; // an empty line between whole ones
      }
      pending = [];
      pendingLength = 0;
      overlong = false;
      headLength = 0;
      lineNumber += 1;
      lineStart = lineEnd;
      from = end + 1;
    }
    position += bytesRead;
  }
  if (lineStart < size && !ours()) foreign ??= lineNumber; // the unterminated last line
  return foreign === undefined ? { goodEnd, badInside, keep } : { goodEnd, badInside, keep, foreign };
}

// Writes the kept lines to a temporary file beside the output, flushes it and renames it
// over the output: a kill during the repair leaves the old file or the repaired one.
async function rewriteWhole(path: string, keep: Array<[number, number]>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const source = await open(path, 'r');
  try {
    const target = await open(tmp, 'wx', 0o600);
    try {
      for (const [start, end] of keep) {
        const buffer = Buffer.alloc(end - start);
        await source.read(buffer, 0, buffer.length, start);
        await target.write(buffer);
      }
      await target.sync();
    } finally {
      await target.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  } finally {
    await source.close();
  }
}

/**
 * Output failed after the database committed: the credentials are safe in the issuance
 * log and a new run of the same batch re-emits the ones the output lacks.
 */
export class BatchDeliveryError extends TradewindError {
  constructor(
    /** Credentials this run committed (all of them are in the log). */
    readonly committed: number,
    /** The output file that could not be written. */
    readonly outputPath: string,
    cause: unknown,
  ) {
    super(
      'STORAGE_ERROR',
      `${committed} credential(s) of this run were committed to the issuer database, but writing ${outputPath} failed: ${(cause as Error)?.message ?? String(cause)}. ` +
        'Nothing is lost: run the same batch again with the same output file once the problem is fixed; it re-emits every committed credential the file lacks.',
      { cause },
    );
    this.name = 'BatchDeliveryError';
  }
}
