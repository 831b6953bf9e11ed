import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { TradewindError } from '@tradewind/core';

/** A file of the built page, ready to send. */
export interface PageFile {
  body: Uint8Array;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The built page (`dist/page`), read once at start: the server answers only for these
 * names, so no request path ever reaches the file system. Source maps are not served.
 */
export function loadPageFiles(dir: string): Map<string, PageFile> {
  if (!existsSync(join(dir, 'index.html')))
    throw new TradewindError('INVALID_ARGUMENT', `the page is not built (no ${join(dir, 'index.html')}): run pnpm build`, { path: dir });
  const files = new Map<string, PageFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined || !statSync(join(dir, name)).isFile()) continue;
    files.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  return files;
}
