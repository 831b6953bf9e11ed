import { writeFileAtomic } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { storageFailure } from './storage-failure.js';
import { UsageError } from './usage-error.js';

/**
 * Writes a file a command was asked to write (`--out`), whole or not at all: a
 * temporary file in the same folder, flushed, then renamed, so a kill or a full disk
 * never leaves half a file where a good one was. A failure is reported, never thrown
 * raw: a full disk, a file size limit, a read-only file or folder is `STORAGE_ERROR`
 * (exit 2); a folder that does not exist or a target that is a folder is the caller's
 * mistake, a usage error (exit 2). Both name the file.
 *
 * @example
 * ```ts
 * await writeOutputFile(values.out, backup, { mode: 0o600 });
 * ```
 */
export async function writeOutputFile(file: string, content: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  try {
    await writeFileAtomic(file, content, options);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'ENOTDIR'
            ? 'a part of its path is not a folder'
            : (e as Error).message;
    const message = `cannot write ${file}: ${reason}`;
    if (storageFailure(e)) throw new TradewindError('STORAGE_ERROR', message, { cause: e });
    throw new UsageError(message, { cause: e });
  }
}
