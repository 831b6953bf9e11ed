import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { HttpError } from './errors.js';

/**
 * Streams a request body into `path`, never holding it whole: bytes go to a temporary
 * file beside it, which is flushed and renamed to `path` only once the whole body has
 * arrived within `maxBytes`. A body past the limit (declared or counted) is refused with
 * 413 LIMIT_EXCEEDED and its partial file deleted; so is one that breaks off. Resolves
 * with the number of bytes written.
 */
export async function receiveUpload(
  body: ReadableStream<Uint8Array> | null,
  declaredLength: string | undefined,
  path: string,
  maxBytes: number,
): Promise<number> {
  const tooLarge = () => new HttpError(413, 'LIMIT_EXCEEDED', `the upload is larger than ${maxBytes} bytes`);
  if (declaredLength !== undefined && Number(declaredLength) > maxBytes) throw tooLarge();
  if (body === null) throw new HttpError(400, 'MALFORMED', 'the upload is empty');
  const partial = `${path}.${randomBytes(6).toString('hex')}.part`;
  const handle = await open(partial, 'wx', 0o600).catch((error: unknown) => {
    throw new TradewindError('STORAGE_ERROR', 'cannot store the upload', { cause: error });
  });
  let isOpen = true;
  const reader = body.getReader();
  let bytes = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        throw new HttpError(400, 'MALFORMED', 'the upload broke off before its end');
      }
      const { done, value } = chunk;
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      let written = 0;
      while (written < value.byteLength) written += (await handle.write(value, written, value.byteLength - written)).bytesWritten;
    }
    if (bytes === 0) throw new HttpError(400, 'MALFORMED', 'the upload is empty');
    await handle.datasync();
    isOpen = false;
    await handle.close();
    await rename(partial, path);
    await syncDirectory(dirname(path));
    return bytes;
  } catch (error) {
    if (isOpen) await handle.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    if (error instanceof HttpError) throw error;
    throw new TradewindError('STORAGE_ERROR', 'cannot store the upload', { cause: error });
  }
}

/** Makes a rename in `dir` durable (the new name survives a machine crash). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
