import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { parseDatabaseLocation } from '@tradewind/agent';
import { didWebUrl, TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, parsePolicy, type RecognitionPolicy, type StatusListSource } from '@tradewind/verifier';
import { type Logger, pino } from 'pino';
import { createApp } from './app.js';
import type { ServiceConfig, ServiceContext, ServiceModule } from './context.js';
import { HttpError } from './errors.js';
import { IssueQueue } from './issue-queue.js';
import { inspectServiceMigrations, migrationRequiredError, migrationsRequired } from './migrations.js';
import { createOid4vciModule } from './oid4vci/module.js';
import { createBatchModule } from './routes/batches.js';
import { createKeysModule } from './routes/keys.js';
import { createPublishModule } from './routes/publish.js';
import { createVcApiModule } from './routes/vc-api.js';
import { STATE_MIGRATIONS } from './state-migrations.js';
import { StateStore } from './state-store.js';
import { StatusLists } from './status-lists.js';

/** How long the verifier keeps the service's DID document before reading it again (a key rotated by another process). */
const DID_DOCUMENT_TTL_MS = 60_000;
/**
 * How long a shutdown waits, once the tracked work has finished, for requests still being
 * read or answered before it closes their connections: a client that sends its body
 * slowly, or never finishes it, cannot hold the shutdown.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** A running service. */
export interface RunningService {
  /** Where it listens, e.g. `http://127.0.0.1:8080` (the public URL is `config.baseUrl`). */
  url: string;
  /** The issuer DID: did:web for the base URL. */
  did: string;
  context: ServiceContext;
  /** True when this start created the DID (a new database): publish what {@link RunningService.publish} says. */
  firstStart: boolean;
  /** What the agency must make reachable: the DID document and the status list base URL. */
  publish: { didDocument: string; statusLists: string };
  /** Graceful shutdown (see {@link startService}); resolves when everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the issuer service: opens (or creates) the issuer database with its status
 * lists under `<baseUrl>/status`, creates on first start the did:web DID of the base URL
 * and makes it the default issuer, opens the state database, builds the verifier (the
 * service's own DID trusted, plus the configured recognition policy and lists; the
 * service's own status lists read in process, nothing fetched), and listens.
 *
 * `close()` shuts down gracefully: the listener stops accepting connections, new requests
 * on open connections get 503 `SHUTTING_DOWN`, the modules' `shutdown()` run, in-flight
 * requests and issuances finish (each issuance committed whole or not at all), then the
 * databases close.
 *
 * @example
 * ```ts
 * const service = await startService(loadConfig({ file: 'issuer-service.json' }));
 * console.log(service.did, service.publish.didDocument);
 * await service.close();
 * ```
 */
export async function startService(
  config: ServiceConfig,
  options: {
    logger?: Logger;
    shutdownGraceMs?: number;
    /** The config file the service was started with, for the migrate command a refusal names. */
    configFile?: string;
  } = {},
): Promise<RunningService> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'tradewind-issuer-service' } });
  const base = new URL(config.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const expectedDid = didWebFor(base);

  // Nothing is migrated on start: a fresh database is created whole, an existing one with
  // pending migrations (the issuer's or the service's) is refused, naming them.
  const refuseMigrations = async (error: unknown): Promise<never> => {
    if (!(error instanceof TradewindError && error.code === 'MIGRATION_REQUIRED')) throw error;
    const found = await inspectServiceMigrations(config).catch(() => undefined);
    throw found && migrationsRequired(found) ? migrationRequiredError(found, options.configFile) : error;
  };
  const issuer = await openIssuer({
    database: config.database,
    migrate: 'refuse',
    ...(config.databasePoolSize === undefined ? {} : { poolSize: config.databasePoolSize }),
    secret: config.secret,
    statusListBaseUrl: `${config.baseUrl}/status`,
    ...(config.kdf ? { kdf: config.kdf } : {}),
  }).catch(refuseMigrations);
  let state: StateStore | undefined;
  try {
    state = await StateStore.open(config.stateDatabase, {
      migrations: STATE_MIGRATIONS,
      migrate: 'refuse',
      poolSize: Math.max(2, Math.ceil((config.databasePoolSize ?? 10) / 2)),
    }).catch(refuseMigrations);
    // Instances started at once on a new database: one creates the DID, the others wait
    // (a lock of the shared state database: PostgreSQL advisory lock, SQLite write lock) and find it.
    const firstStart = await state.transaction(async () => {
      await state?.lock('first start: the did:web DID');
      return ensureDid(issuer, expectedDid, base);
    });
    const recognition = readRecognition(config);

    const lists = new StatusLists(issuer, () => expectedDid, config.statusListValidForSeconds, config.statusListMaxAgeSeconds ?? 300);
    // The service's own DID document is read from the issuer database in process (never
    // fetched); a new verifier (with an empty key cache) is built when it changes.
    const ownDocumentUrl = didWebUrl(expectedDid, true).href;
    const didWebFetcher = async (url: string) => {
      if (url !== ownDocumentUrl) throw new Error('the service resolves no other did:web DID than its own');
      return issuer.didWebDocument(expectedDid);
    };
    const allowHighS = config.allowHighS === true;
    const buildVerifier = () => {
      const status = {
        provider: { get: async (url: string) => (await lists.byUrl(url))?.jwt },
        // Only the service's own lists are ever answered, in process: nothing is fetched.
        allowInsecureUrls: true,
      };
      const didResolver = { didWebFetcher, allowInsecureDidWeb: true, didWebTtlMs: DID_DOCUMENT_TTL_MS };
      if (recognition.policy) {
        const policy: RecognitionPolicy = {
          ...recognition.policy,
          trustedIssuers: [...(recognition.policy.trustedIssuers ?? []), expectedDid],
        };
        return createVerifier({ policy, recognitionLists: recognition.lists, didResolver, status, allowHighS });
      }
      return createVerifier({ trustedIssuers: [expectedDid], didResolver, status, allowHighS });
    };

    // Lifecycle: in-flight requests and tracked work, and whether new work is refused.
    let draining = false;
    const counter = () => {
      let busy = 0;
      const idle: Array<() => void> = [];
      const begin = () => {
        busy++;
        let ended = false;
        return () => {
          if (ended) return;
          ended = true;
          busy--;
          if (busy === 0) for (const wake of idle.splice(0)) wake();
        };
      };
      const whenIdle = () => (busy === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r)));
      return { begin, whenIdle };
    };
    // Requests (from their start until their response is written) and tracked work (issuances, status changes).
    const requests = counter();
    const work = counter();
    const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;

    const queue = new IssueQueue(issuer);
    const context: ServiceContext = {
      config,
      issuer,
      did: expectedDid,
      verifier: buildVerifier(),
      logger,
      state,
      basePath,
      issue: (request) => queue.issue(request),
      track: async (job) => {
        if (draining) throw new HttpError(503, 'SHUTTING_DOWN', 'the service is shutting down and takes no new work');
        const end = work.begin();
        try {
          return await job();
        } finally {
          end();
        }
      },
      didDocumentChanged: () => {
        lists.invalidate();
        context.verifier = buildVerifier();
      },
      statusChanged: () => lists.invalidate(),
    };

    const modules: ServiceModule[] = [
      createPublishModule(context, lists),
      createVcApiModule(context, () => lists.invalidate()),
      await createOid4vciModule(context),
      await createKeysModule(context),
      await createBatchModule(context),
    ];
    const app = createApp(context, modules, { draining: () => draining });

    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
    // A request counts as in flight until its response has been written out (or its
    // connection died), so closing connections never cuts an answer short.
    server.on('request', (_request: unknown, response: { once(event: 'close', listener: () => void): void }) => {
      response.once('close', requests.begin());
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (error: Error) =>
        reject(new TradewindError('INVALID_ARGUMENT', `cannot listen on ${config.host}:${config.port}: ${error.message}`)),
      );
      server.once('listening', () => resolveListen());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info(
      { url, did: expectedDid, firstStart, database: parseDatabaseLocation(config.database).display, stateDatabase: state.location },
      'listening',
    );

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        draining = true;
        logger.info('shutting down');
        const stopped = new Promise<void>((r) => server.close(() => r()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        const results = await Promise.allSettled([...modules.map((m) => m.shutdown?.()), work.whenIdle().then(() => queue.drain())]);
        for (const r of results) if (r.status === 'rejected') logger.error({ err: { message: String(r.reason) } }, 'shutdown step failed');
        await work.whenIdle();
        await queue.drain();
        // Requests that are still being read or answered get a grace period, then their
        // connections are closed (tracked work is finished by now: nothing is cut half-way).
        let grace: NodeJS.Timeout | undefined;
        const graceOver = new Promise<boolean>((r) => {
          grace = setTimeout(() => r(false), graceMs);
        });
        const idleInTime = await Promise.race([requests.whenIdle().then(() => true), graceOver]);
        clearTimeout(grace);
        if (!idleInTime) logger.warn({ graceMs }, 'closing connections of requests still unfinished after the grace period');
        await work.whenIdle();
        await queue.drain();
        if ('closeAllConnections' in server) server.closeAllConnections();
        await stopped;
        await state?.close();
        await issuer.close();
        logger.info('closed');
      })();
      return closing;
    };

    return {
      url,
      did: expectedDid,
      context,
      firstStart,
      publish: {
        didDocument: basePath === '' ? `${base.origin}/.well-known/did.json` : `${config.baseUrl}/did.json`,
        statusLists: `${config.baseUrl}/status/`,
      },
      close,
    };
  } catch (error) {
    await state?.close().catch(() => {});
    await issuer.close().catch(() => {});
    throw error;
  }
}

/**
 * The did:web DID of a base URL (did:web §3.2): the host, `%3A` and the port when it is
 * not the default, then each path segment after a colon.
 * `https://127.0.0.1:8443` → `did:web:127.0.0.1%3A8443`;
 * `https://registry.gov.example/issuers/civil` → `did:web:registry.gov.example:issuers:civil`.
 */
export function didWebFor(base: URL): string {
  if (base.hostname.startsWith('[')) throw new TradewindError('INVALID_ARGUMENT', 'baseUrl: did:web cannot name an IPv6 address host');
  const segments = base.pathname.split('/').filter((s) => s !== '');
  return `did:web:${[base.hostname + (base.port ? `%3A${base.port}` : ''), ...segments].join(':')}`;
}

/** Makes `did` this database's default issuer, creating it on first start (returns whether it did). */
async function ensureDid(issuer: Issuer, did: string, base: URL): Promise<boolean> {
  const dids = await issuer.listDids();
  if (dids.some((d) => d.did === did)) {
    if (issuer.defaultDid !== did) await issuer.setDefaultDid(did);
    return false;
  }
  const other = dids.find((d) => d.method === 'web');
  if (other)
    throw new TradewindError(
      'INVALID_ARGUMENT',
      `configuration: baseUrl ${base.href} names ${did}, but this database issues as ${other.did}: a database serves one base URL (its credentials and status lists name it)`,
    );
  let created: string;
  try {
    created = (await issuer.createDid({ method: 'web', domain: did.slice('did:web:'.length) })).did;
  } catch (error) {
    // Instances started at once on one new PostgreSQL database: another one created it first.
    if (!(await issuer.listDids()).some((d) => d.did === did)) throw error;
    if (issuer.defaultDid !== did) await issuer.setDefaultDid(did);
    return false;
  }
  await issuer.setDefaultDid(created);
  return true;
}

/** The recognition policy and lists the configuration names, read once at start. */
function readRecognition(config: ServiceConfig): { policy?: RecognitionPolicy; lists: StatusListSource[] } {
  const policyFile = config.recognition?.policy;
  let policy: RecognitionPolicy | undefined;
  let listFiles = config.recognition?.lists ?? [];
  if (policyFile) {
    policy = parsePolicy(readJsonFile(policyFile, 'recognition.policy'));
    if (listFiles.length === 0 && policy.recognitionLists) listFiles = policy.recognitionLists.map((f) => resolve(dirname(policyFile), f));
  }
  const lists = listFiles.map((file): StatusListSource => {
    const text = readText(file, 'recognition.lists').trim();
    return text.startsWith('{') ? (readJsonText(text, file, 'recognition.lists') as StatusListSource) : text;
  });
  if (lists.length > 0 && !policy)
    throw new TradewindError('INVALID_ARGUMENT', 'configuration: recognition.lists needs recognition.policy (whose anchors sign them)');
  return policy ? { policy, lists } : { lists };
}

function readText(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `configuration: ${setting}: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

function readJsonFile(file: string, setting: string): unknown {
  return readJsonText(readText(file, setting), file, setting);
}

function readJsonText(text: string, file: string, setting: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `configuration: ${setting}: ${file} is not JSON`, { cause });
  }
}
