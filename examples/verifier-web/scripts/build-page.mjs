// Builds the counter page into dist/page: app.ts bundled for browsers (minified, code
// split so offline mode and the Data Integrity code of @tradewind/verifier load only
// when needed), the HTML and the stylesheet. Prints each file's gzip size; `--check`
// type-checks the page first. Run by the root `pnpm build` after the packages are built.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  await build({
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
  if (outDir === undefined) writeFileSync(join(root, 'dist', 'page-sizes.json'), `${JSON.stringify(files, null, 2)}\n`);
  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    const first = files.filter((f) => ['index.html', 'app.js', 'styles.css'].includes(f.name));
    console.log(
      `verifier-web page: first load ${kb(first.reduce((s, f) => s + f.gzip, 0))} gzip; all files ${kb(files.reduce((s, f) => s + f.gzip, 0))} gzip`,
    );
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPage();
