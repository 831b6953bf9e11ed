import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options for {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode of a newly written file (default 0o644; backups and keys use 0o600). */
  mode?: number;
}

/**
 * Writes a whole file or nothing: the content goes to a temporary file in the same
 * folder, is flushed to disk, and then renamed over the target, so a crash, a kill or a
 * full disk leaves either the previous file or the new one, never a truncated mix. The
 * folder is flushed too, so the rename itself survives a power cut.
 *
 * @example
 * ```ts
 * await writeFileAtomic('wallet.twbackup', backup, { mode: 0o600 })
 * ```
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Not every platform lets a folder be opened for fsync (Windows does not); the rename
  // has happened either way, so this is best effort.
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // ignored: see above
  } finally {
    await handle.close();
  }
}
