import { createReadStream } from 'node:fs';
import type { Io } from './io.js';
import { UsageError } from './usage-error.js';

/**
 * Upper bound on what a command reads from one file or stdin. Far above any credential
 * (the verifier's own, much lower limit reports LIMIT_EXCEEDED); it only keeps a wrong
 * file or an endless pipe from filling memory.
 */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/**
 * Reads a whole text file, or stdin when `path` is `-`. Failures (missing file, a
 * directory, too large) are usage errors that name `what` the file was for.
 *
 * @example
 * ```ts
 * const text = await readTextInput(values.policy, io, 'policy file');
 * ```
 */
export async function readTextInput(path: string, io: Io, what: string): Promise<string> {
  const source = path === '-' ? 'stdin' : path;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of path === '-' ? io.stdin() : createReadStream(path)) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > MAX_READ_BYTES) throw new UsageError(`${what} ${source} is larger than ${MAX_READ_BYTES} bytes`);
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
  const text = Buffer.concat(chunks).toString('utf8');
  // A byte-order mark is invisible in editors but breaks JSON.parse and JWS parsing.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
