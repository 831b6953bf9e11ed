// Loaded into the W3C suite's mocha process by scripts/w3c-suite.mjs (`node --import`):
// keeps the run off the network.
//
// - Every TCP connection to a host other than loopback is refused before any DNS lookup
//   (`net.Socket.prototype.connect`, which net.connect, tls.connect and every copy of
//   undici go through). The refused host is appended to $TRADEWIND_W3C_OFFLINE_LOG.
// - The suites load JSON-LD contexts through `jsonld-document-loader`, whose https
//   handler fetches them from the web. Every copy of that package in the suite's
//   node_modules answers first from the contexts in $TRADEWIND_W3C_CONTEXTS (a JSON object
//   URL → context document that the script writes from the installed context packages);
//   any other http(s) URL that is not on loopback fails with
//   `context not available offline: <URL>` (also logged). DID URLs and anything else go to
//   the suite's own handlers as before.
//
// Nothing here changes what the suite asserts: it only decides where a document comes from.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const LOG = process.env.TRADEWIND_W3C_OFFLINE_LOG;
const CONTEXTS = process.env.TRADEWIND_W3C_CONTEXTS;

function log(line) {
  if (LOG) appendFileSync(LOG, `${line}\n`);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

// --- connections -------------------------------------------------------------------------
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function offlineConnect(...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : first;
  let host;
  let path;
  if (options !== null && typeof options === 'object') {
    host = options.host ?? options.hostname ?? 'localhost';
    path = options.path;
  } else if (typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else if (typeof options === 'string') {
    path = options; // a unix socket
  }
  // As net does: a truthy `path` is a local (unix) socket; http agents pass `path: null`.
  if (!path && !LOOPBACK.has(String(host))) {
    log(`connection refused: ${host}`);
    process.nextTick(() => this.destroy(new Error(`offline run: no connection to ${host}`)));
    return this;
  }
  return connect.apply(this, args);
};
syncBuiltinESMExports();

// --- contexts ----------------------------------------------------------------------------
const contexts = new Map(CONTEXTS && existsSync(CONTEXTS) ? Object.entries(JSON.parse(readFileSync(CONTEXTS, 'utf8'))) : []);

function isLoopbackUrl(url) {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Every jsonld-document-loader package under node_modules (nested copies included). */
function findPackages(dir, name, depth = 0, found = []) {
  if (depth > 6 || !existsSync(dir)) return found;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    const full = join(dir, entry.name);
    if (entry.name === name && existsSync(join(full, 'package.json'))) found.push(full);
    if (entry.name.startsWith('@')) findPackages(full, name, depth, found);
    else if (existsSync(join(full, 'node_modules'))) findPackages(join(full, 'node_modules'), name, depth + 1, found);
  }
  return found;
}

for (const dir of findPackages(join(process.cwd(), 'node_modules'), 'jsonld-document-loader')) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry = typeof pkg.exports === 'string' ? pkg.exports : (pkg.module ?? pkg.main ?? 'index.js');
  const mod = await import(pathToFileURL(join(dir, entry)).href);
  const Loader = mod.JsonLdDocumentLoader;
  if (typeof Loader !== 'function' || typeof Loader.prototype.documentLoader !== 'function') continue;
  const original = Loader.prototype.documentLoader;
  Loader.prototype.documentLoader = async function offlineDocumentLoader(url) {
    if (typeof url === 'string' && /^https?:/.test(url) && !this.documents?.has(url)) {
      const document = contexts.get(url);
      if (document !== undefined) return { contextUrl: null, document: structuredClone(document), documentUrl: url, tag: 'static' };
      if (!isLoopbackUrl(url)) {
        log(`context not available offline: ${url}`);
        throw new Error(`context not available offline: ${url}`);
      }
    }
    return original.call(this, url);
  };
}
