import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const entry = fileURLToPath(new URL('../../src/index.browser.ts', import.meta.url));
const coreSrc = fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url));
const OUT = '/bundle';

/** The browser build as a web app's bundler makes it (code splitting on). */
export interface BrowserBundle {
  /** What a page loads up front: the entry chunk and every chunk it imports statically. */
  code: string;
  /** What loads on demand (dynamic imports) and is not in `code`. */
  lazyCode: string;
  /** The Data Integrity code (the chunk of di/verify.ts and what it alone imports), loaded on demand. */
  dataIntegrityCode: string;
  /** Every output file, by name relative to the output folder (write them all to run the entry). */
  files: Array<{ name: string; text: string }>;
  /** The entry file's name among `files`. */
  entryName: string;
  nodeImports: string[];
}

/** Bundles the browser entry as a web app would, minified and split into chunks. */
export async function bundleForBrowser(): Promise<BrowserBundle> {
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: OUT,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^@tradewind\/core(\/status-list)?$/ }, (args) => ({
            path: args.path === '@tradewind/core' ? coreSrc : coreSrc.replace(/index\.ts$/, 'status-list-codec.ts'),
          }));
        },
      },
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:|^(crypto|fs|path|zlib|buffer|stream|util|os|http|https|net)$/ }, (args) => {
            nodeImports.push(`${args.path} (from ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const outputs = (result.metafile as Metafile).outputs;
  const names = Object.keys(outputs);
  const entryKey = names.find((n) => outputs[n]?.entryPoint !== undefined && n.endsWith('.js')) as string;
  // The entry and what it imports statically, transitively.
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const i of outputs[name]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entryKey);
  const files = result.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => ({ name: basename(f.path), text: f.text }));
  const textOf = (key: string) => files.find((f) => f.name === basename(key))?.text ?? '';
  const jsKeys = names.filter((n) => n.endsWith('.js'));
  const diKey = jsKeys.find((n) => Object.keys(outputs[n]?.inputs ?? {}).some((i) => i.endsWith('src/di/verify.ts')));
  const di = new Set<string>();
  const visitDi = (name: string) => {
    if (di.has(name) || eager.has(name)) return;
    di.add(name);
    for (const i of outputs[name]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visitDi(i.path);
  };
  if (diKey) visitDi(diKey);
  return {
    code: [...eager].map(textOf).join('\n'),
    dataIntegrityCode: [...di].map(textOf).join('\n'),
    lazyCode: jsKeys
      .filter((n) => !eager.has(n))
      .map(textOf)
      .join('\n'),
    files,
    entryName: basename(entryKey),
    nodeImports,
  };
}
