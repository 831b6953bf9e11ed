import { join } from 'node:path';
import type { VerificationIssue } from '@tradewind/core';
import type { Io } from '../io.js';
import { READ_LIMITS, ReadBudget, readTextInput } from '../read-input.js';
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
export async function loadStatusLists(values: readonly string[], io: Io, budget = statusListBudget()): Promise<Record<string, string>> {
  const lists: Record<string, string> = Object.create(null);
  for (const value of values) {
    const { url, file } = parseStatusListFlag(value);
    if (Object.hasOwn(lists, url)) throw new UsageError(`--status-list names ${url} more than once`);
    lists[url] = (await readTextInput(file, io, 'status list file', READ_LIMITS.statusList, budget)).trim();
  }
  return lists;
}

/** The budget all the status lists of one command share (`--status-list` and `--status-dir` together). */
export function statusListBudget(): ReadBudget {
  return new ReadBudget('the status lists', READ_LIMITS.statusListsTotal);
}

/** The manifest `tradewind status publish --out DIR` writes next to the lists. */
export const STATUS_MANIFEST = 'status-lists.json';

/** A list file named by the manifest: a plain file name inside DIR, never a path out of it. */
const LIST_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Reads the folder `tradewind status publish --out DIR` writes: DIR/status-lists.json
 * (`[{ "url", "file", … }]`) and each list file it names, into a `url → contents` map
 * like {@link loadStatusLists}. The manifest is input like any other: a file name that
 * is not a plain name inside DIR, a URL that is not absolute, or a URL named twice is a
 * usage error.
 *
 * @example
 * ```ts
 * const lists = await loadStatusDir('published/', io);
 * ```
 */
export async function loadStatusDir(dir: string, io: Io, budget = statusListBudget()): Promise<Record<string, string>> {
  const manifestPath = join(dir, STATUS_MANIFEST);
  const text = await readTextInput(manifestPath, io, 'status list manifest', READ_LIMITS.statusList, undefined, true);
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`status list manifest ${manifestPath} is not JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new UsageError(`status list manifest ${manifestPath}: ${what}`);
  if (!Array.isArray(manifest)) throw bad('expected a JSON array of { "url", "file" }');
  const lists: Record<string, string> = Object.create(null);
  for (const [i, entry] of manifest.entries()) {
    const url: unknown = entry?.url;
    const file: unknown = entry?.file;
    if (typeof url !== 'string' || !URL.canParse(url)) throw bad(`entry ${i}: "url" is not an absolute URL`);
    if (typeof file !== 'string' || !LIST_FILE_NAME.test(file)) throw bad(`entry ${i}: "file" is not a file name inside ${dir}`);
    if (Object.hasOwn(lists, url)) throw bad(`${url} is listed more than once`);
    lists[url] = (await readTextInput(join(dir, file), io, 'status list file', READ_LIMITS.statusList, budget, true)).trim();
  }
  return lists;
}

/**
 * The status lists a command was given, `--status-dir` and `--status-list` together
 * under one read budget (`--status-list` wins for a URL given both ways); undefined when
 * neither flag was given.
 */
export async function loadStatusSources(
  values: { 'status-list'?: string[] | undefined; 'status-dir'?: string | undefined },
  io: Io,
): Promise<Record<string, string> | undefined> {
  if (values['status-list'] === undefined && values['status-dir'] === undefined) return undefined;
  const budget = statusListBudget();
  const fromDir = values['status-dir'] === undefined ? {} : await loadStatusDir(values['status-dir'], io, budget);
  const fromFlags = values['status-list'] === undefined ? {} : await loadStatusLists(values['status-list'], io, budget);
  return Object.assign(Object.create(null), fromDir, fromFlags);
}

/**
 * A status list the verifier could not get is nearly always one the caller did not
 * pass: a fresh credential from `tradewind issue` names its issuer's list. The message
 * says how to supply it.
 */
export function withStatusHint(issue: VerificationIssue, statusGiven: boolean): VerificationIssue {
  if (issue.code !== 'STATUS_UNAVAILABLE' || !/no status list source|is not available/.test(issue.message)) return issue;
  const hint = statusGiven
    ? 'the lists given (--status-list, --status-dir) do not include it'
    : "supply it with --status-list URL=FILE, or --status-dir DIR for the folder 'tradewind status publish --out DIR' writes";
  return { ...issue, message: `${issue.message}; ${hint}` };
}
