import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import './vitest.node20.js';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of the workspace packages, so `pnpm test`
// needs no prior build (the CLI's process-level tests use the built dist).
export default defineConfig({
  resolve: {
    // Exact matches, so that a package's subpath (@tradewind/core/status-list) is not
    // taken for its root.
    alias: [
      {
        find: /^@tradewind\/core\/status-list$/,
        replacement: fileURLToPath(new URL('./packages/core/src/status-list-codec.ts', import.meta.url)),
      },
      ...['core', 'agent', 'verifier', 'issuer', 'wallet', 'cli'].map((pkg) => ({
        find: new RegExp(`^@tradewind/${pkg}$`),
        replacement: src(pkg),
      })),
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
