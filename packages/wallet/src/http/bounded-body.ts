/**
 * Reads a response body whole, but no further than `limit` bytes: a `content-length` over
 * it, or a body that streams past it, throws `tooLarge()` at once (the rest is not read, so
 * an endless body costs nothing). A null body reads as no bytes.
 */
export async function readBoundedBody(response: Response, limit: number, tooLarge: () => Error): Promise<Buffer<ArrayBuffer>> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
