import { request as httpRequest } from 'node:http';

/**
 * A request sent exactly as given (header names, repeated headers, raw path), which
 * fetch would normalise: for probing how the service reads what a client may send.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Array<[string, string]>,
  body?: string | Buffer,
): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of headers) grouped[name] = [...(grouped[name] ?? []), value];
  if (body !== undefined) grouped['content-length'] = [String(Buffer.byteLength(body))];
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    for (const [name, values] of Object.entries(grouped)) req.setHeader(name, values.length === 1 ? (values[0] as string) : values);
    req.on('error', reject);
    req.end(body);
  });
}
