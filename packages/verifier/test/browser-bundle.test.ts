import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.browser.ts', import.meta.url));
const coreSrc = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));

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

describe('browser build', () => {
  it('bundles for platform browser without any Node built-in', async () => {
    const { code, nodeImports } = await bundleForBrowser();
    expect(nodeImports).toEqual([]);
    expect(code.length).toBeGreaterThan(1000);
  });

  it('stays within the size budget (60 kB min+gzip)', async () => {
    const { code } = await bundleForBrowser();
    const gzipped = gzipSync(code).length;
    expect(gzipped).toBeLessThan(60 * 1024);
  });

  it('verifies with WebCrypto (the browser backend)', async () => {
    const web = await import('../src/index.browser.js');
    const { vcJwt, didKey, NOW } = await import('./helpers/producers.js');
    const p256 = didKey('P-256');
    expect((await web.verifyCredential(await vcJwt(didKey()), { now: NOW })).verified).toBe(true);
    expect((await web.verifyCredential(await vcJwt(p256), { now: NOW })).verified).toBe(true);
    const tampered = `${(await vcJwt(p256)).slice(0, -2)}AA`;
    expect((await web.verifyCredential(tampered, { now: NOW })).verified).toBe(false);
  });
});
