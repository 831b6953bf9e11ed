import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import './vitest.node20.js';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of the workspace packages, so `pnpm test`
// needs no prior build (the CLI's process-level tests use the built dist).
export default defineConfig({
  resolve: {
    alias: {
      '@tradewind/core': src('core'),
      '@tradewind/agent': src('agent'),
      '@tradewind/verifier': src('verifier'),
      '@tradewind/issuer': src('issuer'),
      '@tradewind/wallet': src('wallet'),
      '@tradewind/cli': src('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
