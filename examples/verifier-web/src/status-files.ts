import { readFile, stat } from 'node:fs/promises';
import type { StatusListProvider } from '@tradewind/verifier';

interface Entry {
  file: string;
  text: string;
  /** inode, size and modification time of the file the text was read from; '' before the first look. */
  stamp: string;
}

/**
 * The status list files the server was given, re-read whenever one changes (another
 * inode, size or modification time: a registry republishing its lists, by rename or in
 * place), so a revocation counts from the next answer on without a restart. Only the
 * configured URLs are answered, from their files; nothing is fetched. A file that cannot
 * be read or is empty for a moment (being replaced) leaves the last copy read in force.
 */
export class StatusListFiles implements StatusListProvider {
  private readonly entries = new Map<string, Entry>();

  /** `files`: URL → file path; `initial`: URL → the text read at start (its checks done). */
  constructor(files: Record<string, string>, initial: Record<string, string>) {
    for (const [url, file] of Object.entries(files)) this.entries.set(url, { file, text: initial[url] ?? '', stamp: '' });
  }

  async get(url: string): Promise<string | undefined> {
    const entry = this.entries.get(url);
    if (!entry) return undefined;
    try {
      const s = await stat(entry.file);
      const stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (stamp !== entry.stamp) {
        const text = (await readFile(entry.file, 'utf8')).trim();
        if (text !== '') {
          entry.text = text;
          entry.stamp = stamp;
        }
      }
    } catch {
      // Being replaced or gone for now: the last copy read stands.
    }
    return entry.text === '' ? undefined : entry.text;
  }
}
