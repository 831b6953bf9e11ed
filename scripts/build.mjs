// `pnpm build`: type-check and emit every package (tsc -b), then bundle the modules of
// @tradewind/core and @tradewind/verifier into a few files each. A verifier embedded in
// a short-lived process (a CLI call, a serverless function, a kiosk) pays for every
// module file it loads; one file per entry point roughly halves its start-up.
// Dependencies stay external, and entry points of one package share chunks, so every
// class (TradewindError, DidKeyResolver) exists once.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: root, stdio: 'inherit' });

// A package's `bin` files are executables (`./packages/cli/bin/tradewind.js`, linked or
// installed globally): git keeps their exec bit, but an archive or a copy may not.
for (const pkg of readdirSync(join(root, 'packages'))) {
  const manifest = join(root, 'packages', pkg, 'package.json');
  if (!existsSync(manifest)) continue;
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  for (const file of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) {
    const path = join(root, 'packages', pkg, file);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}

const bundles = [
  { pkg: 'core', entries: ['index', 'status-list-codec'] },
  // `@tradewind/verifier/data-integrity` (JSON-LD, Data Integrity suites): its own entry, so the
  // JWT-only bundles never load jsonld.
  { pkg: 'verifier', entries: ['index', 'index.browser', ['di/public', 'data-integrity']] },
];
for (const { pkg, entries } of bundles) {
  const dist = join(root, 'packages', pkg, 'dist');
  const result = await build({
    entryPoints: entries.map((e) =>
      Array.isArray(e) ? { in: join(dist, `${e[0]}.js`), out: e[1] } : { in: join(dist, `${e}.js`), out: e },
    ),
    outdir: join(dist, 'bundle'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  for (const file of result.outputFiles) writeIfChanged(file.path, file.contents);
  // Chunks of an earlier build that this one no longer emits would otherwise be packed.
  const emitted = new Set(result.outputFiles.map((f) => f.path));
  for (const name of readdirSync(join(dist, 'bundle'))) {
    const path = join(dist, 'bundle', name);
    if (!emitted.has(path) && !name.endsWith('.tmp')) rmSync(path, { force: true });
  }
}

// The counter page of examples/verifier-web, bundled for browsers from the verifier's browser build above.
const { buildPage } = await import('../examples/verifier-web/scripts/build-page.mjs');
await buildPage();

// `pnpm pack` ships a LICENSE only from the package's own folder: each package gets the
// repository's (git-ignored there, so there is one text to maintain).
const license = readFileSync(join(root, 'LICENSE'));
for (const pkg of readdirSync(join(root, 'packages'))) {
  if (existsSync(join(root, 'packages', pkg, 'package.json'))) writeIfChanged(join(root, 'packages', pkg, 'LICENSE'), license);
}

/**
 * Tests build before they spawn built code, several at a time: an unchanged file is
 * left alone, a changed one replaced atomically, so no process ever reads half a file.
 */
function writeIfChanged(path, contents) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}
