// scripts/w3c-suite-offline.mjs, the preload that keeps a W3C suite's mocha process off
// the network: run in a child process as the script runs it (`node --import`), in a
// folder laid out like a suite (node_modules/jsonld-document-loader with the API of
// Digital Bazaar's package, which the suites build their document loaders from).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const preload = pathToFileURL(join(root, 'scripts', 'w3c-suite-offline.mjs')).href;
const V2 = 'https://www.w3.org/ns/credentials/v2';

// The part of jsonld-document-loader 2.x the suites use: static documents, protocol
// handlers (their https handler fetches), build().
const LOADER = `export class JsonLdDocumentLoader {
  constructor() { this.documents = new Map(); this.protocolHandlers = new Map(); }
  addStatic(url, document) { this.documents.set(url, structuredClone(document)); }
  setProtocolHandler({ protocol, handler }) { this.protocolHandlers.set(protocol, handler); }
  async documentLoader(url) {
    let document = this.documents.get(url);
    if (!document) {
      const [protocol] = url.split(':');
      if (this.protocolHandlers.has(protocol)) document = await this.protocolHandlers.get(protocol).get({ url });
    }
    if (document) return { contextUrl: null, document, documentUrl: url };
    throw new Error('Document not found in document loader: ' + url);
  }
  build() { return this.documentLoader.bind(this); }
}
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-offline-'));
  const pkg = join(dir, 'node_modules', 'jsonld-document-loader');
  mkdirSync(join(pkg, 'lib'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'jsonld-document-loader', type: 'module', exports: './lib/index.js' }));
  writeFileSync(join(pkg, 'lib', 'index.js'), LOADER);
  writeFileSync(join(dir, 'contexts.json'), JSON.stringify({ [V2]: { '@context': { '@protected': true, id: '@id' } } }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs an ES module under the preload in the suite-like folder; returns its stdout lines and the refusals logged. */
function run(code: string): { out: string[]; log: string[]; status: number | null; stderr: string } {
  const log = join(dir, `offline-${Math.random().toString(36).slice(2)}.log`);
  const child = spawnSync(process.execPath, ['--import', preload, '--input-type=module', '-e', code], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TRADEWIND_W3C_CONTEXTS: join(dir, 'contexts.json'), TRADEWIND_W3C_OFFLINE_LOG: log },
    timeout: 20_000,
  });
  let logged: string[] = [];
  try {
    logged = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing refused
  }
  return { out: child.stdout.split('\n').filter(Boolean), log: logged, status: child.status, stderr: child.stderr };
}

describe('scripts/w3c-suite-offline.mjs', () => {
  it('refuses connections beyond loopback before any lookup (net, https, fetch) and logs the host', () => {
    const r = run(`
      import net from 'node:net';
      import https from 'node:https';
      const outcome = (p) => p.then(() => 'connected', (e) => e.message);
      const socket = (host) => new Promise((resolve, reject) => {
        const s = net.connect({ host, port: 443 }, () => { s.destroy(); resolve(); });
        s.on('error', reject);
      });
      console.log(await outcome(socket('203.0.113.7')));
      console.log(await outcome(new Promise((resolve, reject) => https.get('https://www.w3.org/ns/credentials/v2', resolve).on('error', reject))));
      console.log(await outcome(fetch('https://w3id.org/security/data-integrity/v2')));
    `);
    expect(r.stderr).toBe('');
    expect(r.out[0]).toBe('offline run: no connection to 203.0.113.7');
    expect(r.out[1]).toBe('offline run: no connection to www.w3.org');
    expect(r.out[2]).toBe('fetch failed');
    expect(r.log).toEqual(['connection refused: 203.0.113.7', 'connection refused: www.w3.org', 'connection refused: w3id.org']);
  });

  it('lets loopback connections through', () => {
    const r = run(`
      import { createServer } from 'node:http';
      const server = createServer((req, res) => res.end('here'));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
      console.log(await res.text());
      server.close();
    `);
    expect(r.stderr).toBe('');
    expect(r.out).toEqual(['here']);
    expect(r.log).toEqual([]);
  });

  it("answers the suite's document loaders from the contexts file, refuses other web URLs, leaves DID URLs to the suite", () => {
    const r = run(`
      import { JsonLdDocumentLoader } from 'jsonld-document-loader';
      const jdl = new JsonLdDocumentLoader();
      const fetched = [];
      const web = { get: async ({ url }) => { fetched.push(url); return { fetched: url }; } };
      jdl.setProtocolHandler({ protocol: 'https', handler: web });
      jdl.setProtocolHandler({ protocol: 'did', handler: { get: async ({ url }) => ({ id: url }) } });
      jdl.addStatic('https://example.org/own', { own: true });
      const load = jdl.build();
      const show = (p) => p.then((r) => JSON.stringify(r.document), (e) => e.message);
      console.log(await show(load('${V2}')));
      console.log(await show(load('https://example.org/own')));
      console.log(await show(load('https://w3id.org/citizenship/v4rc1')));
      console.log(await show(load('https://127.0.0.1:8443/status/1')));
      console.log(await show(load('did:key:z6Mk')));
      console.log(JSON.stringify(fetched));
    `);
    expect(r.stderr).toBe('');
    expect(r.out).toEqual([
      '{"@context":{"@protected":true,"id":"@id"}}',
      '{"own":true}',
      'context not available offline: https://w3id.org/citizenship/v4rc1',
      '{"fetched":"https://127.0.0.1:8443/status/1"}',
      '{"id":"did:key:z6Mk"}',
      '["https://127.0.0.1:8443/status/1"]',
    ]);
    expect(r.log).toEqual(['context not available offline: https://w3id.org/citizenship/v4rc1']);
  });
});
