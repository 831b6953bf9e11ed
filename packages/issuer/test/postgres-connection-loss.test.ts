// Several issuer instances on one PostgreSQL database: each Issuer below has its own
// connection pool (as separate processes would), and the worker processes run the built
// package. Runs in the issuer-postgres project only.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getStatusBit, TradewindError } from '@tradewind/core';
import { decodeStatusList } from '@tradewind/core/status-list';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveIndexes } from '../src/status-store.js';
import { TEST_KDF as kdf, testDatabase, testEngine } from './helpers/temp-issuer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const worker = join(here, 'workers/issuer-worker.mjs');
const BASE = 'https://registry.gov.example/status';
const secret = 'shared database secret';
let dir: string;
const opened: Issuer[] = [];

async function open(database: string, extra: Record<string, unknown> = {}): Promise<Issuer> {
  const issuer = await openIssuer({ database, secret, kdf, statusListBaseUrl: BASE, ...extra });
  opened.push(issuer);
  return issuer;
}

function run(options: object): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [worker, JSON.stringify(options)], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

type Rows = Array<Record<string, number | string>>;

/** Per list: its number, issuer, purpose, length, counter, and how many entries it has. */
async function listStats(
  issuer: Issuer,
): Promise<Array<{ id: string; number: number; purpose: string; length: number; used: number; entries: number }>> {
  return (
    (await issuer.agent.query(
      `SELECT l."id", l."number", l."purpose", l."length", l."used", (SELECT COUNT(*) FROM "tw_status_entry" e WHERE e."list_id" = l."id") AS "entries"
       FROM "tw_status_list" l ORDER BY l."number"`,
    )) as Rows
  ).map((r) => ({
    id: String(r.id),
    number: Number(r.number),
    purpose: String(r.purpose),
    length: Number(r.length),
    used: Number(r.used),
    entries: Number(r.entries),
  }));
}

/**
 * A TCP relay to the test server that can be taken down (its connections cut, its port
 * closed) and brought back on the same port: the database becomes unreachable, then
 * reachable again, for the instances that connect through it.
 */
async function relay(target: URL): Promise<{ port: number; down(): Promise<void>; up(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = async () => {
    const s = createServer((client) => {
      const upstream = new Socket();
      sockets.add(client).add(upstream);
      upstream.connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as { port: number }).port;
    server = s;
  };
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = undefined;
    });
  await up();
  return {
    get port() {
      return port;
    },
    down,
    up,
  };
}

describe.skipIf(testEngine() !== 'postgres')('a connection lost in the middle of an issuance transaction', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-pg-'));
  });
  afterAll(async () => {
    for (const issuer of opened) await issuer.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is STORAGE_ERROR naming the database, and nothing is issued', async () => {
    const database = await testDatabase(dir, 'midtx');
    const target = new URL(database);
    const setup = await open(database);
    await setup.createDid();
    const way = await relay(target);
    try {
      const issuer = await open(`postgres://postgres:s3cret-pw@127.0.0.1:${way.port}${target.pathname}`);
      await issuer.issue({ type: 'T', credentialSubject: { n: 0 } });
      const kms = issuer.agent.kms;
      const sign = kms.signBytes.bind(kms);
      let cut = false;
      kms.signBytes = async (...args: Parameters<typeof sign>) => {
        if (!cut) {
          cut = true;
          await way.down(); // while the transaction signs, its connection goes
          await way.up();
        }
        return sign(...args);
      };
      const error = await issuer
        .issueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'Lost', credentialSubject: { n }, recordKey: `lost-${n}` })))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining(`127.0.0.1:${way.port}`) });
      expect(await setup.log({ type: 'Lost' })).toHaveLength(0);
    } finally {
      await way.down();
    }
  });
});
