import { isJsonObject, type JsonObject, nestingDepth } from '@tradewind/core';
import { FORBIDDEN_KEYS, jsonTextProblem, MAX_DOCUMENT_BYTES, MAX_RECORD_DEPTH } from '@tradewind/issuer';
import type { Io } from '../io.js';
import { READ_LIMITS, readInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

/**
 * Reads the credential document `tradewind issue --credential FILE|-` signs: one JSON
 * object, UTF-8, at most {@link MAX_RECORD_DEPTH} levels deep and, written compactly, at
 * most the issuer's `MAX_DOCUMENT_BYTES` (so that the signed JWS stays within what
 * verifiers read); the file itself may be up to {@link READ_LIMITS.document} with its
 * indentation. Every problem with the file is a usage error naming it (exit 2); whether
 * the document is a valid credential is the issuer's to say.
 *
 * @example
 * ```ts
 * const credential = await readCredentialDocument(values.credential, io);
 * await issuer.issue({ credential });
 * ```
 */
export async function readCredentialDocument(path: string, io: Io): Promise<JsonObject> {
  const name = path === '-' ? 'stdin' : path;
  const bytes = await readInput(path, io, { what: 'credential file', maxBytes: READ_LIMITS.document });
  let text: string;
  try {
    // Signed as read: bytes that are not UTF-8 are refused, never replaced with U+FFFD.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`credential file ${name} is not valid UTF-8`);
  }
  if (text.trim() === '') throw new UsageError(`credential file ${name} is empty: it must hold the credential as a JSON object`);
  // Refused before it is parsed and walked: a file of nested brackets would otherwise
  // overflow the stack (UNEXPECTED).
  if (nestingDepth(text) > MAX_RECORD_DEPTH)
    throw new UsageError(`credential file ${name} nests deeper than ${MAX_RECORD_DEPTH} levels`, { code: 'LIMIT_EXCEEDED' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`credential file ${name} is not JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    throw new UsageError(`credential file ${name} must hold the credential as a JSON object, not ${kind}`);
  }
  const compact = Buffer.byteLength(JSON.stringify(parsed));
  if (compact > MAX_DOCUMENT_BYTES)
    throw new UsageError(
      `credential file ${name} holds ${compact} bytes of JSON (without indentation), more than the ${MAX_DOCUMENT_BYTES} an issued credential may carry`,
      { code: 'LIMIT_EXCEEDED' },
    );
  // Two members of one name (JSON.parse keeps the last, a reader may see the first), or an
  // integer that parses to another number: the document signed would not be the one read.
  const problem = jsonTextProblem(text);
  if (problem !== undefined) throw new UsageError(`credential file ${name} at ${problem.path}: ${problem.reason}`);
  const forbidden = forbiddenKeyIn(parsed, '');
  if (forbidden) throw new UsageError(`credential file ${name}: the name at ${forbidden} is not allowed`);
  return parsed;
}

/** The path of the first forbidden member name (`__proto__`, `constructor`, `prototype`) in a parsed JSON value, if any. */
export function forbiddenKeyIn(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKeyIn(value[i], `${path}/${i}`);
      if (found) return found;
    }
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}/${key}`;
      const found = forbiddenKeyIn(value[key], `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
