// Issuance over HTTP with several issuer-service instances on one PostgreSQL database,
// against one instance on SQLite, in the same run and in alternating rounds:
//
// - SQLite, 1 instance: the zero-setup default (synchronous commits to one file).
// - PostgreSQL, 1, 2 and 4 instances on one database: four processes started from the
//   same configuration but for their port (same database URL, secret, admin key hash
//   and public base URL, as behind a load balancer), the first alone so that it
//   creates the database, then the others. A configuration of n instances sends the
//   load to the first n, connections spread round-robin over them.
//
// Every instance is a separate process of the built command
// (examples/issuer-service/bin/issuer-service.js --config FILE). PostgreSQL is a
// throwaway server (scripts/postgres.mjs) with its default durability: fsync on, each
// commit flushed, as SQLite's synchronous commits are. Every request is
// POST /credentials/issue with the admin key and a distinct credential with a
// revocation entry, so every issuance allocates a status index; every configuration
// gets the same total connection count. While each round runs, the CPU time of the
// instances, of the PostgreSQL server and of the load generator (this process) is read
// from /proc, to say what bounds the figures. After the run the databases are read
// afresh: every 201 must be in the issuance log once, and no status entry (list, index)
// may have been given to two credentials or be missing from the database.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuShares, measureCpu, sumCpu } from '../lib/cpu-time.mjs';
import { COUNTER, loadWorker } from '../lib/http-load.mjs';
import { median } from '../lib/measure.mjs';
import { checkDurability, issueRequest } from './issuer-service.mjs';

export const title = 'Issuer service instances (PostgreSQL, SQLite)';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVICE = join(ROOT, 'examples', 'issuer-service');
const BIN = join(SERVICE, 'bin', 'issuer-service.js');

/** The same total for every configuration: with n instances, each gets 32 / n. */
export const CONNECTIONS = 32;
const issueRow = (engine, n) => `POST /credentials/issue, ${engine}, ${n} instance${n === 1 ? '' : 's'}`;
/** The configurations, in the order of the first round (later rounds rotate it). */
export const CONFIGURATIONS = [
  { key: 'sqlite1', engine: 'sqlite', instances: 1, name: issueRow('SQLite', 1) },
  { key: 'pg1', engine: 'postgres', instances: 1, name: issueRow('PostgreSQL', 1) },
  { key: 'pg2', engine: 'postgres', instances: 2, name: issueRow('PostgreSQL', 2) },
  { key: 'pg4', engine: 'postgres', instances: 4, name: issueRow('PostgreSQL', 4) },
];
export const [SQLITE_1, PG_1, PG_2, PG_4] = CONFIGURATIONS.map((c) => c.name);
export const ERRORS = 'POST /credentials/issue, errors';
export const DURABILITY_SQLITE = '201 answers not in the issuance log once, SQLite';
export const DURABILITY_PG = '201 answers not in the issuance log once, PostgreSQL';
export const STATUS_ENTRIES = 'status entries (list, index) given twice, missing or not stored';
const PG_INSTANCES = Math.max(...CONFIGURATIONS.map((c) => c.instances));

/**
 * How much each part does: full runs, quick runs (BENCH_QUICK=1) and the smoke test.
 * `requests` per configuration and round; `warmup` per instance, before the first
 * round; `boundMs` bounds every run in time;
 * `startMs` bounds the start of one instance.
 */
const PLANS = {
  full: { rounds: 5, requests: 1_500, warmup: 300, boundMs: 8_000, startMs: 60_000 },
  quick: { rounds: 2, requests: 600, warmup: 100, boundMs: 5_000, startMs: 60_000 },
  // The smoke plan checks what the suite reports, so its bounds only stop what hangs.
  smoke: { rounds: 2, requests: 64, warmup: 32, boundMs: 20_000, startMs: 60_000 },
};

/** A free TCP port on 127.0.0.1 (the configuration names the port, so it is chosen first). */
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** The process environment without the service's own variables: the config file is the only source. */
function cleanEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRADEWIND_')));
}

/** Runs the built command to completion; its stdout. */
async function runCommand(args, timeoutMs) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnvironment() });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) throw new Error(`issuer-service ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim() || out.trim()}`);
  return out;
}

/** An admin API key and its hash, from the service's own `new-admin-key` command. */
async function newAdminKey() {
  const out = await runCommand(['new-admin-key'], 30_000);
  const key = /admin API key[^:]*:\s*(\S+)/.exec(out)?.[1];
  const hash = /hash[^:]*:\s*(sha256:[0-9a-f]{64})/.exec(out)?.[1];
  if (!key || !hash) throw new Error(`issuer-service new-admin-key printed no key and hash: ${out}`);
  return { key, hash };
}

/** Every instance the suite started and has not stopped yet, killed if the bench process exits first. */
const started = new Set();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * Starts one instance: writes its config file in `dir` and runs the built command on
 * it; resolves once it says it is listening, with `{ url, did, pid, stop() }`. A start
 * that fails, or takes longer than `startMs`, throws with the instance's own output.
 */
async function startInstance({ dir, port, baseUrl, database, secret, adminKeyHash, startMs, label }) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'issuer-service.json');
  const config = {
    host: '127.0.0.1',
    port,
    baseUrl,
    database,
    ...(database.startsWith('postgres') ? {} : { stateDatabase: join(dir, 'state.db') }),
    secret,
    adminKeyHashes: [adminKeyHash],
    // Only the public routes are limited; the load is admin requests, but nothing should stop it.
    limits: { publicRequestsPerWindow: 100_000_000 },
    allowInsecureHttp: true,
    logLevel: process.env.BENCH_SERVICE_LOG ?? 'warn',
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, [BIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnvironment() });
  started.add(child);
  // The last lines of its output, for the message when it fails (warnings and errors only).
  const output = [];
  const keep = (chunk) => {
    output.push(...String(chunk).split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 40));
  };
  child.stderr.on('data', keep);
  let stdout = '';
  const exited = once(child, 'exit');
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      if (stdout === undefined) return;
      stdout += chunk;
      const url = /listening on (\S+)/.exec(stdout)?.[1];
      const did = /issuer DID: (\S+)/.exec(stdout)?.[1];
      if (url && did) {
        stdout = undefined;
        resolve({ url, did });
      }
    });
    exited.then(([code, signal]) =>
      reject(new Error(`${label} exited while starting (${signal ?? `exit ${code}`}):\n${output.join('\n') || '(no output)'}`)),
    );
  });
  const stop = async () => {
    if (!started.has(child)) return;
    started.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  };
  let timer;
  try {
    const { url, did } = await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} did not start within ${startMs / 1000} s:\n${output.join('\n')}`)), startMs);
      }),
    ]);
    return { url, did, pid: child.pid, stop, output };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The VC-API issue request body for citizen COUNTER of `did` (the other suite's request), with a revocation entry. */
function issueTemplate(did, n = COUNTER) {
  return JSON.stringify({ ...issueRequest(did, n), options: { status: ['revocation'] } });
}

/**
 * Status entries as the answers gave them (one list per answered credential), against
 * the `tw_status_entry` rows of the database (`"<list>#<index>"`): every answered
 * credential must carry one entry (`missing`), no (list, index) may be in two answers
 * (`duplicates`), and every answered one must be stored (`unstored`).
 */
export function checkStatusEntries(answered, stored) {
  const storedSet = new Set(stored);
  const seen = new Set();
  let missing = 0;
  let duplicates = 0;
  let unstored = 0;
  let entries = 0;
  for (const list of answered) {
    if (list.length !== 1) missing++;
    for (const entry of list) {
      entries++;
      if (seen.has(entry)) duplicates++;
      seen.add(entry);
      if (!storedSet.has(entry)) unstored++;
    }
  }
  return {
    credentials: answered.length,
    entries,
    stored: stored.length,
    missing,
    duplicates,
    unstored,
    problems: missing + duplicates + unstored,
  };
}

/** The issuance log's subject ids and the stored status entries of a SQLite issuer database. */
async function readSqlite(path) {
  const sqlite3 = createRequire(join(SERVICE, 'package.json'))('sqlite3');
  const db = await new Promise((resolve, reject) => {
    const d = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  const all = (sql) => new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows))));
  try {
    return await readIssuerTables(all);
  } finally {
    await new Promise((resolve) => db.close(() => resolve()));
  }
}

/** The same of a PostgreSQL issuer database (pg, a dependency of the service). */
async function readPostgres(url) {
  const { Client } = createRequire(join(SERVICE, 'package.json'))('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await readIssuerTables(async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
  }
}

/**
 * What PostgreSQL wrote, read before and after a run: the next transaction id (every
 * transaction that writes takes one, so the difference counts write transactions, and
 * with fsync on, commits that each flush the WAL) and the WAL position (bytes written).
 * Neither reading takes a transaction id of its own.
 */
async function postgresProbe(url) {
  const { Client } = createRequire(join(SERVICE, 'package.json'))('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  const lsn = (text) => {
    const [high, low] = text.split('/');
    return Number((BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`));
  };
  return {
    async read() {
      const { rows } = await client.query('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid, pg_current_wal_lsn()::text AS lsn');
      return { transactions: Number(rows[0].xid), walBytes: lsn(rows[0].lsn) };
    },
    close: () => client.end(),
  };
}

async function readIssuerTables(all) {
  const log = await all('SELECT "subject_id" FROM "tw_issuance_log"');
  const entries = await all('SELECT "list_id", "idx" FROM "tw_status_entry"');
  return { subjects: log.map((r) => r.subject_id), entries: entries.map((r) => `${r.list_id}#${r.idx}`) };
}

const round3 = (x) => Math.round(x * 1000) / 1000;
const num = (x) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1));

/** What the CPU did during a configuration's timed rounds, for its row's note. */
function cpuNote(cpu, credentials) {
  if (!cpu) return 'CPU not measured (no /proc)';
  const s = cpuShares(cpu);
  const perCredential = (ms) => (ms / credentials).toFixed(2);
  const parts = [`instances ${s.instances}%`, `PostgreSQL ${s.postgres}%`, `load generator ${s.load}%`];
  if (s.idleInstances > 0) parts.push(`idle instances ${s.idleInstances}%`);
  parts.push(`interrupts ${s.interrupts}%`);
  if (s.steal > 0) parts.push(`steal ${s.steal}%`);
  parts.push(`other processes ${s.other}%`, `idle ${s.idle}%`);
  const busiest = Math.round((Math.max(...cpu.mainThreadMs) / cpu.wallMs) * 100);
  return (
    `CPU of ${cpu.cores} cores: ${parts.join(', ')}; the busiest instance's main thread ${busiest}% busy; per credential ${perCredential(cpu.ms.instances)} ms in the instances, ` +
    `${perCredential(cpu.ms.postgres)} ms in PostgreSQL, ${perCredential(cpu.ms.load)} ms in the load generator`
  );
}

/** What PostgreSQL wrote during a configuration's timed rounds, for its row's note. */
function writtenNote(written, credentials) {
  const perCommit = written.transactions > 0 ? (credentials / written.transactions).toFixed(1) : '–';
  return (
    `PostgreSQL committed ${written.transactions} write transactions (${perCommit} credentials per commit), ` +
    `${(written.walBytes / credentials / 1024).toFixed(1)} kB of WAL per credential`
  );
}

/**
 * The bench against the built service. `plan` is 'full', 'quick' or 'smoke';
 * `startPostgres` is scripts/postgres.mjs's (a test gives another to see how the suite
 * fails without a server). Returns `{ rows, runs, durability, status, cpu }`.
 *
 * @param {import('../lib/harness.mjs').Harness} h
 */
export async function runInstancesLoad(h, { plan = h.quick ? 'quick' : 'full', startPostgres } = {}) {
  const p = PLANS[plan];
  const start = startPostgres ?? (await import(pathToFileURL(join(ROOT, 'scripts', 'postgres.mjs')).href)).startPostgres;
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  if (!existsSync(join(SERVICE, 'dist', 'main.js')))
    throw new Error('examples/issuer-service/dist is missing: build it first (pnpm build)');
  // PostgreSQL first: without it nothing else is started.
  let pg;
  try {
    pg = await start();
  } catch (error) {
    throw new Error(`this suite needs a PostgreSQL server (scripts/postgres.mjs could not start one): ${error.message}`);
  }
  const instances = [];
  const loader = loadWorker();
  const runs = Object.fromEntries(CONFIGURATIONS.map((c) => [c.key, { warmup: undefined, timed: [] }]));
  // Per engine: subjects of the 201 answers, their status entries, and how many were asked for (citizen-0 … n-1).
  const answers = { sqlite: { subjects: [], entries: [], sent: 0 }, postgres: { subjects: [], entries: [], sent: 0 } };
  let pgUrl;
  let sqlitePath;
  let postmaster;
  let loaded = false;
  let probe;
  try {
    pgUrl = await pg.createDatabase();
    probe = await postgresProbe(pgUrl);
    // The server's main process, whose children are its backends and helpers.
    postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    h.log(`PostgreSQL started, fsync on (${since()})`);
    const { key, hash } = await newAdminKey();
    const admin = { authorization: `Bearer ${key}` };
    const secret = 'bench secret, not for production';
    sqlitePath = join(h.tmpDir, 'sqlite', 'issuer.db');

    // The SQLite instance and the first PostgreSQL one (which creates the database), then the other three.
    const pgPorts = await Promise.all(Array.from({ length: PG_INSTANCES }, () => freePort()));
    const pgBase = `http://127.0.0.1:${pgPorts[0]}`;
    const pgInstance = (i) =>
      startInstance({
        dir: join(h.tmpDir, `postgres-${i + 1}`),
        port: pgPorts[i],
        baseUrl: pgBase,
        database: pgUrl,
        secret,
        adminKeyHash: hash,
        startMs: p.startMs,
        label: `PostgreSQL instance ${i + 1}`,
      });
    const sqlitePort = await freePort();
    const [sqlite, first] = await Promise.all([
      startInstance({
        dir: join(h.tmpDir, 'sqlite'),
        port: sqlitePort,
        baseUrl: `http://127.0.0.1:${sqlitePort}`,
        database: sqlitePath,
        secret,
        adminKeyHash: hash,
        startMs: p.startMs,
        label: 'SQLite instance',
      }).then((i) => {
        instances.push(i);
        return i;
      }),
      pgInstance(0).then((i) => {
        instances.push(i);
        return i;
      }),
    ]);
    h.log(`SQLite instance and PostgreSQL instance 1 started (${since()})`);
    const rest = await Promise.all(
      Array.from({ length: PG_INSTANCES - 1 }, (_, i) =>
        pgInstance(i + 1).then((inst) => {
          instances.push(inst);
          return inst;
        }),
      ),
    );
    const pgInstances = [first, ...rest];
    if (pgInstances.some((i) => i.did !== first.did))
      throw new Error(`the PostgreSQL instances do not share one issuer DID: ${pgInstances.map((i) => i.did).join(', ')}`);
    h.log(`PostgreSQL instances 2–${PG_INSTANCES} started (${since()})`);

    const engineOf = (config) =>
      config.engine === 'sqlite'
        ? { did: sqlite.did, serving: [sqlite] }
        : { did: first.did, serving: pgInstances.slice(0, config.instances) };

    // Every instance issues one credential before anything is timed.
    for (const inst of [sqlite, ...pgInstances]) {
      const engine = inst === sqlite ? 'sqlite' : 'postgres';
      const a = answers[engine];
      const res = await fetch(`${inst.url}/credentials/issue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin },
        body: issueTemplate(inst.did, a.sent),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`${inst.url} did not issue: ${res.status} ${JSON.stringify(body)}`);
      const jwt = body.verifiableCredential.id.slice(body.verifiableCredential.id.indexOf(',') + 1);
      const credential = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
      if (credential.credentialStatus?.statusPurpose !== 'revocation')
        throw new Error(`${inst.url} issued a credential without a revocation entry: ${JSON.stringify(credential.credentialStatus)}`);
      a.subjects.push(credential.credentialSubject.id);
      a.entries.push([`${credential.credentialStatus.statusListCredential}#${credential.credentialStatus.statusListIndex}`]);
      a.sent++;
    }

    /** One bounded load run of `amount` requests against `config`, with the CPU time of every part. */
    const issueRun = async (config, amount) => {
      const { did, serving } = engineOf(config);
      const a = answers[config.engine];
      const servingPids = new Set(serving.map((i) => i.pid));
      const groups = {
        instances: [...servingPids],
        idleInstances: instances.filter((i) => !servingPids.has(i.pid)).map((i) => i.pid),
        postgres: [postmaster],
      };
      const written = await probe.read();
      const { result, cpu } = await measureCpu(
        groups,
        () =>
          loader.run({
            url: serving.map((i) => `${i.url}/credentials/issue`),
            connections: CONNECTIONS,
            amount,
            boundMs: p.boundMs,
            headers: { 'content-type': 'application/json', ...admin },
            body: issueTemplate(did),
            from: a.sent,
            expect: 201,
            subjects: true,
            statusEntries: true,
          }),
        { mainThreads: serving.map((i) => i.pid) },
      );
      const after = await probe.read();
      a.sent = result.next;
      a.subjects.push(...result.subjectIds);
      a.entries.push(...result.statusEntries);
      const postgres = { transactions: after.transactions - written.transactions, walBytes: after.walBytes - written.walBytes };
      return { ...result, cpu, postgres };
    };

    // Every instance gets `warmup` requests in its configuration's warm-up, so that the
    // instances only the larger configurations load are as warm as the first.
    for (const config of CONFIGURATIONS) {
      h.log(`${config.name}: warm-up (${since()}) …`);
      runs[config.key].warmup = await issueRun(config, p.warmup * config.instances);
    }
    for (let r = 0; r < p.rounds; r++) {
      h.log(`round ${r + 1} of ${p.rounds} (${since()}) …`);
      // The order rotates every round, as measureInterleaved does.
      for (let k = 0; k < CONFIGURATIONS.length; k++) {
        const config = CONFIGURATIONS[(k + r) % CONFIGURATIONS.length];
        runs[config.key].timed.push(await issueRun(config, p.requests));
      }
    }
    loaded = true;
  } finally {
    await loader.close();
    await probe?.close();
    const stopping = instances.map((i) => i.stop());
    // Instances that were still starting when something failed stop themselves (startInstance).
    await Promise.allSettled(stopping);
    h.log(`instances stopped (${since()})`);
    // After a failure the databases are not read: the server goes now.
    if (!loaded) await pg.stop();
  }

  // Durability: the databases read afresh once every instance has stopped.
  let durability;
  let status;
  try {
    const sqliteTables = await readSqlite(sqlitePath);
    const pgTables = await readPostgres(pgUrl);
    durability = {
      sqlite: checkDurability(answers.sqlite.subjects, answers.sqlite.sent, sqliteTables.subjects),
      postgres: checkDurability(answers.postgres.subjects, answers.postgres.sent, pgTables.subjects),
    };
    status = {
      sqlite: checkStatusEntries(answers.sqlite.entries, sqliteTables.entries),
      postgres: checkStatusEntries(answers.postgres.entries, pgTables.entries),
    };
  } finally {
    await pg.stop();
  }
  h.log(`PostgreSQL stopped (${since()})`);

  const paired = `issuer-instances-${Date.now()}`;
  const allRuns = CONFIGURATIONS.flatMap((c) => [runs[c.key].warmup, ...runs[c.key].timed]);
  const cpu = {};
  const rows = CONFIGURATIONS.map((config) => {
    const timed = runs[config.key].timed;
    const rates = timed.map((r) => round3(r.rate));
    const credentials = timed.reduce((s, r) => s + r.ok, 0);
    const stopped = timed.filter((r) => r.stopped).length;
    cpu[config.key] = sumCpu(timed.map((r) => r.cpu));
    const written = {
      transactions: timed.reduce((s, r) => s + r.postgres.transactions, 0),
      walBytes: timed.reduce((s, r) => s + r.postgres.walBytes, 0),
    };
    const compare =
      config.key === 'sqlite1'
        ? undefined
        : config.key === 'pg1'
          ? [{ against: SQLITE_1, target: { min: 0.5 } }]
          : [{ against: PG_1 }, { against: SQLITE_1 }];
    return {
      name: config.name,
      value: round3(median(rates)),
      unit: 'ops/s',
      rounds: rates,
      paired,
      ...(compare ? { compare } : {}),
      note:
        `${credentials} credentials (201) in ${timed.length} runs, ${CONNECTIONS} connections` +
        (config.instances > 1 ? ` (${CONNECTIONS / config.instances} per instance)` : '') +
        `; p99 ${num(median(timed.map((r) => r.p99)))} ms${stopped ? `; ${stopped} runs stopped at the ${p.boundMs / 1000} s bound` : ''}; ` +
        cpuNote(cpu[config.key], credentials) +
        (config.engine === 'postgres' ? `; ${writtenNote(written, credentials)}` : ''),
      cpu: cpu[config.key],
      ...(config.engine === 'postgres' ? { postgres: written } : {}),
    };
  });
  const durabilityNote = (d) =>
    `${d.answered} answers 201 against ${d.logged} issuance log rows read after the instances stopped: ${d.missing} answered but not logged, ` +
    `${d.duplicates} logged twice, ${d.unknown} not asked for; ${d.unanswered} logged but unanswered (in flight when a time bound stopped a run)`;
  const statusProblems = status.sqlite.problems + status.postgres.problems;
  const statusNote = (s) => `${s.credentials} credentials, ${s.entries} entries (${s.stored} stored)`;
  rows.push(
    {
      name: ERRORS,
      value: allRuns.reduce((s, r) => s + r.errors, 0),
      unit: 'count',
      target: { max: 0 },
      note: 'non-201 answers, socket errors and timeouts, warm-ups included, every configuration',
    },
    {
      name: DURABILITY_SQLITE,
      value: durability.sqlite.problems,
      unit: 'count',
      target: { max: 0 },
      note: durabilityNote(durability.sqlite),
    },
    {
      name: DURABILITY_PG,
      value: durability.postgres.problems,
      unit: 'count',
      target: { max: 0 },
      note: `one database for ${PG_INSTANCES} instances; ${durabilityNote(durability.postgres)}`,
    },
    {
      name: STATUS_ENTRIES,
      value: statusProblems,
      unit: 'count',
      target: { max: 0 },
      note:
        `answers without exactly one revocation entry, entries in two answers, answered entries not in tw_status_entry: ` +
        `SQLite ${status.sqlite.missing}/${status.sqlite.duplicates}/${status.sqlite.unstored} of ${statusNote(status.sqlite)}; ` +
        `PostgreSQL ${status.postgres.missing}/${status.postgres.duplicates}/${status.postgres.unstored} of ${statusNote(status.postgres)}`,
    },
  );
  return { rows, runs, durability, status, cpu };
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  return (await runInstancesLoad(h)).rows;
}
