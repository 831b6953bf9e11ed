import type { Io } from '../io.js';
import { readTextInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

/** A status list credential, as its URL and the text of a local copy of it. */
export interface StatusListFlag {
  url: string;
  file: string;
}

/**
 * Splits one `--status-list URL=FILE` value. The split is at the last `=`, because
 * URLs carry `=` in their query strings far more often than file names do.
 */
export function parseStatusListFlag(value: string): StatusListFlag {
  const at = value.lastIndexOf('=');
  const url = at < 0 ? '' : value.slice(0, at);
  const file = at < 0 ? '' : value.slice(at + 1);
  if (url === '' || file === '') throw new UsageError(`--status-list expects URL=FILE, got ${JSON.stringify(value)}`);
  if (!URL.canParse(url)) throw new UsageError(`--status-list: ${JSON.stringify(url)} is not an absolute URL`);
  return { url, file };
}

/**
 * Reads every `--status-list URL=FILE` into a `url → file contents` map (the
 * verifier's `status.lists`), so status is checked offline against copies the caller
 * fetched earlier.
 */
export async function loadStatusLists(values: readonly string[], io: Io): Promise<Record<string, string>> {
  const lists: Record<string, string> = {};
  for (const value of values) {
    const { url, file } = parseStatusListFlag(value);
    if (Object.hasOwn(lists, url)) throw new UsageError(`--status-list names ${url} more than once`);
    lists[url] = (await readTextInput(file, io, 'status list file')).trim();
  }
  return lists;
}
