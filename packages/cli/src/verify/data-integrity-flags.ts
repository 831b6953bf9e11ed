import type { DataIntegrityOptions } from '@tradewind/verifier';
import type { Io } from '../io.js';
import { READ_LIMITS, ReadBudget, readTextInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

/** All the `--context` and `--did-document` files of one command, together. */
const DATA_INTEGRITY_TOTAL = 16 * 1024 * 1024;

/** The flags, as `parseCommandArgs` returns them. */
export interface DataIntegrityFlagValues {
  context?: string[] | undefined;
  'did-document'?: string[] | undefined;
}

/** The flag definitions, for `parseCommandArgs` of `verify` and `wallet add`. */
export const DATA_INTEGRITY_FLAGS = {
  context: { type: 'string', multiple: true },
  'did-document': { type: 'string', multiple: true },
} as const;

/** Help text lines of the two flags. */
export const DATA_INTEGRITY_USAGE = `  --context URL=FILE       a JSON-LD context a Data Integrity (di) credential names,
                           from a local copy (repeatable); nothing is fetched, and a
                           context neither bundled nor given fails with MALFORMED
  --did-document ID=FILE   a DID document (did:web, say) or an https key or controller
                           document whose id is ID, for Data Integrity proofs
                           (repeatable)`;

/**
 * Reads every `--context URL=FILE` and `--did-document ID=FILE` into the verifier's
 * `dataIntegrity` option; undefined when neither flag was given. A file that is not a
 * JSON object, a document whose `id` is not ID, a URL or ID named twice: usage errors.
 *
 * @example
 * ```ts
 * const dataIntegrity = await loadDataIntegrityFlags(values, io);
 * if (dataIntegrity) options.dataIntegrity = dataIntegrity;
 * ```
 */
export async function loadDataIntegrityFlags(values: DataIntegrityFlagValues, io: Io): Promise<DataIntegrityOptions | undefined> {
  if (values.context === undefined && values['did-document'] === undefined) return undefined;
  const budget = new ReadBudget('the --context and --did-document files', DATA_INTEGRITY_TOTAL);
  const contexts: Record<string, Record<string, unknown>> = Object.create(null);
  for (const value of values.context ?? []) {
    const { key: url, file } = splitFlag('--context', 'URL', value);
    if (!URL.canParse(url)) throw new UsageError(`--context: ${JSON.stringify(url)} is not an absolute URL`);
    if (Object.hasOwn(contexts, url)) throw new UsageError(`--context names ${url} more than once`);
    contexts[url] = await readJsonObject('--context', file, io, budget);
  }
  const documents: Record<string, unknown>[] = [];
  for (const value of values['did-document'] ?? []) {
    const { key: id, file } = splitFlag('--did-document', 'ID', value);
    if (!id.startsWith('did:') && !id.startsWith('https://')) {
      throw new UsageError(`--did-document: ${JSON.stringify(id)} is neither a DID nor an https URL`);
    }
    if (documents.some((d) => d.id === id)) throw new UsageError(`--did-document names ${id} more than once`);
    const doc = await readJsonObject('--did-document', file, io, budget);
    if (doc.id !== id) {
      throw new UsageError(`--did-document ${id}: the document in ${file} has id ${JSON.stringify(doc.id ?? null)}, not ${id}`);
    }
    documents.push(doc);
  }
  return {
    ...(Object.keys(contexts).length > 0 ? { contexts } : {}),
    ...(documents.length > 0 ? { documents } : {}),
  } as DataIntegrityOptions;
}

/** Splits `KEY=FILE` at the last `=` (URLs carry `=` in queries far more often than file names do). */
function splitFlag(flag: string, what: string, value: string): { key: string; file: string } {
  const at = value.lastIndexOf('=');
  const key = at < 0 ? '' : value.slice(0, at);
  const file = at < 0 ? '' : value.slice(at + 1);
  if (key === '' || file === '') throw new UsageError(`${flag} expects ${what}=FILE, got ${JSON.stringify(value)}`);
  return { key, file };
}

async function readJsonObject(flag: string, file: string, io: Io, budget: ReadBudget): Promise<Record<string, unknown>> {
  const text = await readTextInput(file, io, `${flag} file`, READ_LIMITS.policy, budget);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag} file ${file} is not JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`${flag} file ${file} is not a JSON object`);
  return json as Record<string, unknown>;
}
