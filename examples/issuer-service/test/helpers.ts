import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { testDatabase, testEngine } from '../../../test/support/database.js';
import { newAdminKey } from '../src/auth.js';
import { loadConfig } from '../src/config.js';
import type { ServiceConfig } from '../src/context.js';
import { type RunningService, startService } from '../src/service.js';

export const TEST_KDF = { N: 1024, r: 8, p: 1 };
export const SECRET = 'correct horse battery staple, issuer service test';

/** A service on 127.0.0.1 in a temp folder, with its log lines captured. */
export interface TestService extends RunningService {
  dir: string;
  adminKey: string;
  config: ServiceConfig;
  logs: string[];
  /** The service's public base URL as the tests reach it (`http://127.0.0.1:<port>` + base path). */
  base: string;
  stop(): Promise<void>;
}

type Overrides = Parameters<typeof loadConfig>[0] extends infer O ? (O extends { overrides?: infer V } ? V : never) : never;

/**
 * Starts a service whose base URL is the address it listens on (a free port is found
 * first, so the did:web DID names it), with test-only settings: http allowed, low scrypt cost.
 */
export async function startTestService(
  overrides: Overrides = {},
  basePath = '',
  options: { shutdownGraceMs?: number } = {},
): Promise<TestService> {
  const dir = await mkdtemp(join(tmpdir(), 'tw-issuer-service-'));
  const { key, hash } = newAdminKey();
  const port = await freePort();
  // On PostgreSQL (TRADEWIND_TEST_ENGINE=postgres) the issuer and the service's state
  // share a new database on the test server, as they do by default in production.
  const storage =
    testEngine() === 'postgres'
      ? { database: await testDatabase(dir, 'service'), batchFolder: join(dir, 'batch-jobs') }
      : { database: join(dir, 'issuer.db'), stateDatabase: join(dir, 'state.db') };
  const config = loadConfig({
    env: {},
    overrides: {
      port,
      baseUrl: `http://127.0.0.1:${port}${basePath}`,
      ...storage,
      secret: SECRET,
      adminKeyHashes: [hash],
      allowInsecureHttp: true,
      kdf: TEST_KDF,
      logLevel: 'info',
      ...overrides,
    },
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  let service: RunningService;
  try {
    service = await startService(config, { logger: pino({ level: 'info' }, stream), ...options });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...service,
    dir,
    adminKey: key,
    config,
    logs,
    base: `${service.url}${basePath}`,
    async stop() {
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function credentialDocument(subject: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'NationalIdCredential'],
    credentialSubject: { id: 'did:example:ana', givenName: 'Ana', familyName: 'Joseph', ...subject },
  };
}

/** POSTs JSON; `key` adds the admin key as a Bearer token. */
export async function post(url: string, body: unknown, key?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
