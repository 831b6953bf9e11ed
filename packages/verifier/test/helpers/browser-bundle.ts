import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../../src/index.browser.ts', import.meta.url));
const coreSrc = fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url));

/** Bundles the browser entry as a web app would; returns the minified code. */
export async function bundleForBrowser(): Promise<{ code: string; nodeImports: string[] }> {
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
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
  return { code: result.outputFiles[0]?.text ?? '', nodeImports };
}
