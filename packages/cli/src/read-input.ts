import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Io } from './io.js';
import { UsageError } from './usage-error.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most the CLI reads from one file or stdin, by what the file is for. Each is far
 * above any honest file of its kind; it keeps a wrong file, /dev/zero or an endless
 * pipe from filling memory. The size of a file is not trusted (pipes and devices have
 * none): reading stops as soon as the cap is passed, with LIMIT_EXCEEDED (exit 2).
 */
export const READ_LIMITS = {
  /** `verify` input: one credential or presentation (the verifier's own limits are lower still). */
  credential: 4 * MiB,
  /** `wallet add` input: many credentials, a JSON array or one JWT per line. */
  credentials: 64 * MiB,
  /** `--policy` files. */
  policy: 1 * MiB,
  /** Signed recognition lists, and the list file `recognition-list sign` reads. */
  recognitionList: 4 * MiB,
  /** Status list credentials (`--status-list`, `--status-dir`) and the `--status-dir` manifest. */
  statusList: 1 * MiB,
  /** `--trusted-certificate` files (one X.509 certificate). */
  certificate: 64 * KiB,
  /** `wallet import` backup files. */
  backup: 256 * MiB,
  /** `--secret-file`, `--passphrase-file`. */
  secret: 64 * KiB,
  /**
   * `issue --credential` files: room for indentation around the most the issuer signs
   * (`MAX_DOCUMENT_BYTES` of compact JSON, checked once the file is parsed).
   */
  document: 1 * MiB,
  /** Anything else (e.g. `issue --subject`). */
  other: 16 * MiB,
  /** All the recognition lists one policy names, together. */
  recognitionListsTotal: 64 * MiB,
  /** All the status lists of one command (`--status-list` and `--status-dir`), together. */
  statusListsTotal: 64 * MiB,
} as const;

/**
 * A cap on the bytes several reads of one command take together: a policy may name
 * many list files, a status folder many lists, and each may be at its own cap.
 *
 * @example
 * ```ts
 * const budget = new ReadBudget('recognition lists of the policy', READ_LIMITS.recognitionListsTotal);
 * for (const file of files) lists.push(await readTextInput(file, io, 'recognition list', READ_LIMITS.recognitionList, budget));
 * ```
 */
export class ReadBudget {
  /** Bytes still allowed. */
  remaining: number;

  constructor(
    /** What the reads are, for the error message. */
    readonly what: string,
    /** Bytes allowed in all. */
    readonly total: number,
  ) {
    this.remaining = total;
  }
}

/**
 * Reads a whole file, or stdin when `path` is `-`, as bytes, stopping with
 * `LIMIT_EXCEEDED` once more than `maxBytes` arrived. Failures (missing file, a
 * directory, too large) are usage errors (exit 2) that name `what` the file was for.
 *
 * @example
 * ```ts
 * const backup = await readInput(file, io, { what: 'backup file', maxBytes: READ_LIMITS.backup });
 * ```
 */
export async function readInput(
  path: string,
  io: Io,
  options: { what: string; maxBytes: number; budget?: ReadBudget; notFifo?: boolean },
): Promise<Buffer> {
  const { what, budget } = options;
  if (options.notFifo && path !== '-') await refuseFifo(path, what);
  const maxBytes = Math.min(options.maxBytes, budget?.remaining ?? Number.POSITIVE_INFINITY);
  const source = path === '-' ? 'stdin' : path;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const stream = path === '-' ? io.stdin() : createReadStream(path, { highWaterMark: 256 * KiB });
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > maxBytes) {
        const message =
          maxBytes < options.maxBytes && budget
            ? `${budget.what} together are larger than ${formatBytes(budget.total)}, the most tradewind reads for them (at ${what} ${source})`
            : `${what} ${source} is larger than ${formatBytes(maxBytes)}, the most tradewind reads for it`;
        throw new UsageError(message, { code: 'LIMIT_EXCEEDED' });
      }
      chunks.push(bytes);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new UsageError(`cannot read ${what} ${source}: ${reason}`, {
      code: code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
      cause: e,
    });
  }
  if (budget) budget.remaining -= size;
  return Buffer.concat(chunks, size);
}

/**
 * A file named inside another file (a status list named by a `--status-dir` manifest, a
 * recognition list named by a policy) must not be a FIFO or a socket: a FIFO put there
 * would block the open for ever, waiting for a writer. Checked with stat, which does not
 * open it.
 */
async function refuseFifo(path: string, what: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
      code: code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
      cause: e,
    });
  }
  // Devices are read under the cap like any file; only what blocks the open is refused.
  if (info.isFIFO() || info.isSocket()) throw new UsageError(`cannot read ${what} ${path}: a FIFO or socket, not a regular file`);
}

/**
 * Reads a whole text file, or stdin when `path` is `-`, with the cap of
 * {@link readInput} (default {@link READ_LIMITS}.other), as UTF-8 without a leading
 * byte-order mark.
 *
 * @example
 * ```ts
 * const text = await readTextInput(values.policy, io, 'policy file', READ_LIMITS.policy);
 * ```
 */
export async function readTextInput(
  path: string,
  io: Io,
  what: string,
  maxBytes: number = READ_LIMITS.other,
  budget?: ReadBudget,
  notFifo = false,
): Promise<string> {
  const text = (await readInput(path, io, { what, maxBytes, notFifo, ...(budget ? { budget } : {}) })).toString('utf8');
  // A byte-order mark is invisible in editors but breaks JSON.parse and JWS parsing.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function formatBytes(n: number): string {
  if (n % MiB === 0) return `${n / MiB} MiB`;
  if (n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}
