// The verifier's browser build served over HTTP on 127.0.0.1 and loaded by a page in
// real Chromium (playwright-core driving the system's browser): verification runs on
// the page's WebCrypto, and every request the page makes is recorded, by the browser
// and by the server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../../scripts/chromium.mjs';
import { type BrowserBundle, bundleForBrowser } from './browser-bundle.js';

/** What the page is asked to verify: a credential or a presentation, with a verifier built from `verifier` or the function forms. */
export interface VerificationCase {
  kind: 'credential' | 'presentation';
  input: unknown;
  /** Per-call options (JSON: `now` as an ISO string). */
  options?: Record<string, unknown>;
  /** Options of `createVerifier` (JSON; `policy` is passed through `parsePolicy` first). */
  verifier?: Record<string, unknown>;
}

/**
 * Runs a case against an API of the verifier (the Node build here; the page runs the same
 * steps in PAGE_HARNESS) and returns the result as JSON would carry it.
 */
export async function runCase(api: typeof import('../../src/index.js'), spec: VerificationCase): Promise<unknown> {
  const verifierOptions = spec.verifier
    ? { ...spec.verifier, ...(spec.verifier.policy ? { policy: api.parsePolicy(spec.verifier.policy) } : {}) }
    : undefined;
  const verifier = verifierOptions ? api.createVerifier(verifierOptions) : api;
  const result =
    spec.kind === 'presentation'
      ? await verifier.verifyPresentation(spec.input, spec.options)
      : await verifier.verifyCredential(spec.input, spec.options);
  return JSON.parse(JSON.stringify(result));
}

/** The page's copy of runCase, over the bundle it imports. */
const PAGE_HARNESS = (entry: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loading</title></head>
<body>
<script type="module">
import * as tradewind from './${entry}';
window.runCase = async (spec) => {
  const options = spec.verifier
    ? { ...spec.verifier, ...(spec.verifier.policy ? { policy: tradewind.parsePolicy(spec.verifier.policy) } : {}) }
    : undefined;
  const verifier = options ? tradewind.createVerifier(options) : tradewind;
  const result = spec.kind === 'presentation'
    ? await verifier.verifyPresentation(spec.input, spec.options)
    : await verifier.verifyCredential(spec.input, spec.options);
  return JSON.stringify(result);
};
document.title = 'ready';
</script>
</body></html>`;

export interface VerifierPage {
  bundle: BrowserBundle;
  /** The page's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** Paths the server was asked for, in order. */
  served: string[];
  /** Every URL the page requested (the browser's view, outside 127.0.0.1 included: those are aborted). */
  requested: string[];
  /**
   * The output files of the Data Integrity code itself (jsonld, rdf-canonize, the suites),
   * loaded on demand. Chunks it shares with other lazy code (the P-256 point code, which the
   * first P-256 did:key loads too) are not among them.
   */
  dataIntegrityChunks: string[];
  /** Verifies in the page and returns the result as JSON carries it. */
  run(spec: VerificationCase): Promise<unknown>;
  page: Page;
  close(): Promise<void>;
}

function serve(bundle: BrowserBundle, served: string[]): Promise<Server> {
  const files = new Map(bundle.files.map((f) => [`/${f.name}`, f.text]));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    served.push(path);
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE_HARNESS(bundle.entryName));
      return;
    }
    const text = files.get(path);
    if (text === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(text);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Bundles the browser build (as browser-bundle.ts does for the size budget), serves it on
 * 127.0.0.1 and opens it in Chromium. Requests to any other host are aborted and recorded.
 */
export async function openVerifierPage(): Promise<VerifierPage> {
  const bundle = await bundleForBrowser();
  // Of the chunks bundleForBrowser counts as Data Integrity code (by their text), those
  // with the canonicalization algorithm in them.
  const dataIntegrityChunks = bundle.files
    .filter((f) => bundle.dataIntegrityCode.includes(f.text) && f.text.includes('RDFC-1.0'))
    .map((f) => f.name);
  const served: string[] = [];
  const requested: string[] = [];
  const server = await serve(bundle, served);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      return url.hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 });
    if (errors.length > 0) throw new Error(`the page failed: ${errors.join('; ')}`);
    const opened = browser;
    return {
      bundle,
      origin,
      served,
      requested,
      dataIntegrityChunks,
      page,
      async run(spec) {
        const text = await page.evaluate(
          (s) => (window as unknown as { runCase(s: unknown): Promise<string> }).runCase(s),
          spec as unknown as Record<string, unknown>,
        );
        return JSON.parse(text);
      },
      async close() {
        await opened.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  } catch (error) {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
}
