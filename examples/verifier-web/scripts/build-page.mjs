// Builds the counter page into dist/page: app.ts bundled for browsers (minified, code
// split so offline mode and the Data Integrity code of @tradewind/verifier load only
// when needed), the HTML and the stylesheet. Prints each file's gzip size; `--check`
// type-checks the page first. Run by the root `pnpm build` after the packages are built.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'page');
const repo = join(root, '..', '..');

/**
 * The workspace packages' TypeScript sources, for a build that needs no prior `pnpm build`
 * (the browser tests bundle the page from the sources they test).
 */
const SOURCE_ALIASES = {
  '@tradewind/core/status-list': join(repo, 'packages/core/src/status-list-codec.ts'),
  '@tradewind/core': join(repo, 'packages/core/src/index.ts'),
  '@tradewind/verifier/data-integrity': join(repo, 'packages/verifier/src/di/public.ts'),
  '@tradewind/verifier': join(repo, 'packages/verifier/src/index.browser.ts'),
};

/**
 * Builds the page; returns each emitted file with its size and gzip size, in bytes.
 * `outDir` defaults to dist/page; `sources` bundles the workspace packages from their
 * TypeScript sources instead of their builds; `check` type-checks the page first (default true).
 */
export async function buildPage({ quiet = false, outDir, sources = false, check = true } = {}) {
  const out = outDir ?? join(root, 'dist', 'page');
  if (check) execFileSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(src, 'tsconfig.json')], { stdio: 'inherit' });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { metafile } = await build({
    metafile: true,
    entryPoints: [join(src, 'app.ts'), join(src, 'styles.css')],
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
    // The verifier's bundle imports a shared chunk for its side effects while declaring none.
    logOverride: { 'ignored-bare-import': 'silent' },
    ...(sources ? { alias: SOURCE_ALIASES } : {}),
  });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
  const files = readdirSync(out).map((name) => {
    const body = readFileSync(join(out, name));
    return { name, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const sizes = loadSizes(metafile, files);
  if (outDir === undefined) writeFileSync(join(root, 'dist', 'page-sizes.json'), `${JSON.stringify({ ...sizes, files }, null, 2)}\n`);
  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      `verifier-web page (gzip): first load ${kb(sizes.firstLoad)}, offline mode +${kb(sizes.offline)}, ` +
        `loaded on demand ${kb(sizes.onDemand)} (Data Integrity, X.509); all files ${kb(sizes.total)}`,
    );
  }
  return files;
}

/**
 * What a browser downloads when, in gzip bytes, from the bundle's import graph: the first
 * load (HTML, stylesheet, app.js and what it imports), what opening offline mode adds (the
 * verifier and the status list codec it preloads) and what stays on demand.
 */
function loadSizes(metafile, files) {
  const gzip = new Map(files.map((f) => [f.name, f.gzip]));
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, o]) => [basename(path), o]));
  const edges = (name, kind) => (outputs.get(name)?.imports ?? []).filter((i) => i.kind === kind).map((i) => basename(i.path));
  const closure = (roots) => {
    const seen = new Set();
    const todo = [...roots];
    while (todo.length > 0) {
      const name = todo.pop();
      if (seen.has(name)) continue;
      seen.add(name);
      todo.push(...edges(name, 'import-statement'));
    }
    return seen;
  };
  const sum = (names) => [...names].reduce((total, n) => total + (gzip.get(n) ?? 0), 0);
  const first = closure(['app.js']);
  // Offline mode: app.js's dynamic import, and the one of offline.js's own dynamic imports it awaits at once (the status list codec).
  const offlineRoots = edges('app.js', 'dynamic-import');
  const offline = closure(offlineRoots);
  for (const name of closure(offlineRoots.flatMap((n) => edges(n, 'dynamic-import')))) offline.add(name);
  for (const name of first) offline.delete(name);
  const total = files.reduce((t, f) => t + f.gzip, 0);
  const firstLoad = sum(first) + (gzip.get('index.html') ?? 0) + (gzip.get('styles.css') ?? 0);
  return { firstLoad, offline: sum(offline), onDemand: total - firstLoad - sum(offline), total };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPage();
