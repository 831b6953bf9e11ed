import type { IncomingMessage } from 'node:http';
import { jsonTextProblem } from '@tradewind/issuer';
import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError, type ServiceIssue } from './errors.js';

/**
 * Reads a JSON request body and checks it against `schema`: 415 when the body is not
 * `application/json` or names a charset other than UTF-8; 413 LIMIT_EXCEEDED above `maxBytes`; 400 MALFORMED for text that
 * is not JSON, that repeats a member name, names a member `__proto__` or carries an
 * integer beyond 2^53 (two readers would see two documents); 400 MALFORMED listing every schema violation with its path.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, maxBytes: number): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json');
  }
  // JSON is UTF-8 (RFC 8259 §8.1): a body that says it is in another charset is not read as if it were UTF-8.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(type)?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json in UTF-8');
  }
  const bytes = await readBody(c, maxBytes);
  if (bytes === undefined) throw new HttpError(413, 'LIMIT_EXCEEDED', `the request body is larger than ${maxBytes} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'MALFORMED', 'the request body is not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'MALFORMED', 'the request body is not JSON');
  }
  const problem = jsonTextProblem(text) ?? protoMember(text, value);
  if (problem)
    throw new HttpError(400, 'MALFORMED', `${problem.path || '/'}: ${problem.reason}`, [
      { code: 'MALFORMED', message: problem.reason, path: problem.path },
    ]);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues: ServiceIssue[] = parsed.error.issues.map((i) => ({
      code: 'MALFORMED',
      message: i.message,
      path: i.path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''),
    }));
    throw new HttpError(400, 'MALFORMED', issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

/**
 * A member named `__proto__`, at any depth: JSON.parse makes it an own member, but the
 * schema's copy of an object drops it (and any later copy by assignment would take it as a
 * prototype), so the service would sign or read a document other than the one sent.
 * Walked without recursion (the text may nest as deep as the body limit allows), and only
 * when the text spells the name or escapes something.
 */
function protoMember(text: string, value: unknown): { path: string; reason: string } | undefined {
  if (!text.includes('__proto__') && !text.includes('\\u')) return undefined;
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: v, path } = next;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) pending.push({ value: v[i], path: `${path}/${i}` });
      continue;
    }
    for (const key of Object.keys(v)) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key === '__proto__') return { path: at, reason: 'the member name __proto__ is not allowed' };
      pending.push({ value: (v as Record<string, unknown>)[key], path: at });
    }
  }
  return undefined;
}

/**
 * The request body's bytes, read as they arrive; `undefined` once it passes `maxBytes`
 * (declared or counted: a chunked body without a Content-Length is never held whole),
 * and then the connection closes after the answer rather than reading the rest.
 *
 * Under @hono/node-server the Node request is read directly: asking Hono for the web
 * Request's body stream builds both for every request, which costs more than many a
 * verification. Elsewhere (tests through `app.fetch`) the web stream is read.
 */
export async function readBody(c: Context, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = c.req.header('content-length');
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const bytes =
    declared !== undefined && Number(declared) > maxBytes
      ? undefined
      : incoming !== undefined && !incoming.readableDidRead
        ? await readIncomingAtMost(incoming, maxBytes)
        : await readAtMost(c.req.raw, maxBytes);
  if (bytes === undefined) c.header('Connection', 'close');
  return bytes;
}

/** As {@link readAtMost}, from the Node request itself. */
function readIncomingAtMost(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        done();
        incoming.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(new HttpError(400, 'MALFORMED', `the request body could not be read: ${error.message}`));
    };
    const onAborted = () => onError(new Error('the client went away'));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}

/** The web Request's body, read as it arrives; `undefined` as soon as it passes `maxBytes`. */
async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
