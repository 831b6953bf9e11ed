// Vitest global setup for projects that run on PostgreSQL: one throwaway server per
// `vitest run` (scripts/postgres.mjs, fsync off), shared by every project that lists this
// file, stopped when the last of them ends. Tests read its URL with
// `inject('tradewindPostgresUrl')` (see database.ts). With TRADEWIND_TEST_POSTGRES_URL set
// (e.g. from `node scripts/postgres.mjs start`), that server is used and none is started.
import type { TestProject } from 'vitest/node';
import { type PostgresServer, startPostgres } from '../../scripts/postgres.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    tradewindPostgresUrl: string;
  }
}

interface Shared {
  server: Promise<PostgresServer | undefined>;
  users: number;
}

// Each project loads its global setup files on its own; the server is shared through the
// process so that several PostgreSQL projects still start one server.
const SHARED = Symbol.for('tradewind.test.postgres');
const registry = globalThis as typeof globalThis & { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = registry[SHARED];
  if (!shared) {
    const external = process.env.TRADEWIND_TEST_POSTGRES_URL;
    shared = { server: external ? Promise.resolve(undefined) : startPostgres({ fsync: false }), users: 0 };
    registry[SHARED] = shared;
  }
  shared.users++;
  const server = await shared.server;
  const url = server?.url ?? (process.env.TRADEWIND_TEST_POSTGRES_URL as string);
  project.provide('tradewindPostgresUrl', url);
  const current = shared;
  return async () => {
    if (--current.users > 0) return;
    if (registry[SHARED] === current) delete registry[SHARED];
    await server?.stop();
  };
}
