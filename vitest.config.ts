import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import './vitest.node20.js';

const postgresSetup = fileURLToPath(new URL('./test/support/postgres-global-setup.ts', import.meta.url));
const keyGeneration = fileURLToPath(new URL('./test/support/key-generation.ts', import.meta.url));
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
      {
        find: /^@tradewind\/verifier\/data-integrity$/,
        replacement: fileURLToPath(new URL('./packages/verifier/src/di/public.ts', import.meta.url)),
      },
      ...['core', 'agent', 'verifier', 'issuer', 'wallet', 'openid4vp', 'cli'].map((pkg) => ({
        find: new RegExp(`^@tradewind/${pkg}$`),
        replacement: src(pkg),
      })),
    ],
  },
  test: {
    // Ed25519 and P-256 keys from generateKeyPairSync without its job (a Node 20 deadlock; see the file).
    setupFiles: [keyGeneration],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every project inherits the settings above. Project names show in the output, so a
    // failure says which engine it ran on. The PostgreSQL projects share one throwaway
    // server per run (test/support/postgres-global-setup.ts), started only when one of
    // them has tests to run.
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          env: { TRADEWIND_TEST_ENGINE: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'issuer-postgres',
          include: ['packages/issuer/test/**/*.test.ts'],
          env: { TRADEWIND_TEST_ENGINE: 'postgres' },
          globalSetup: [postgresSetup],
        },
      },
      {
        extends: true,
        test: {
          // The issuer service's core flows and its state store on PostgreSQL (issuer and
          // state in one database); the tests only for PostgreSQL skip themselves on SQLite.
          name: 'service-postgres',
          include: [
            'examples/issuer-service/test/state-store.test.ts',
            'examples/issuer-service/test/state-concurrency.test.ts',
            'examples/issuer-service/test/migrations.test.ts',
            'examples/issuer-service/test/postgres-*.test.ts',
            'examples/issuer-service/test/vc-api.test.ts',
            'examples/issuer-service/test/oid4vci.test.ts',
            'examples/issuer-service/test/publish.test.ts',
            'examples/issuer-service/test/batch-lease.test.ts',
            'examples/issuer-service/test/sd-jwt-*.test.ts',
          ],
          env: { TRADEWIND_TEST_ENGINE: 'postgres' },
          globalSetup: [postgresSetup],
        },
      },
      {
        extends: true,
        test: {
          // The issuer commands with --db postgres://… (they skip themselves on SQLite).
          name: 'cli-postgres',
          include: ['packages/cli/test/postgres-*.test.ts'],
          env: { TRADEWIND_TEST_ENGINE: 'postgres' },
          globalSetup: [postgresSetup],
        },
      },
    ],
  },
});
