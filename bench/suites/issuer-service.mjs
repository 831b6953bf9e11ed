// Load test of the example issuer service (examples/issuer-service) over real HTTP on
// 127.0.0.1, driven by autocannon, every run bounded in request count and in time:
//
// - POST /credentials/verify with one vc+jwt credential the service issued (in an
//   EnvelopedVerifiableCredential), in alternating rounds with the same verification
//   called in process, one at a time, through the service's own verifier: the HTTP
//   rate must reach half the in-process rate, with no error.
// - POST /credentials/issue with the admin key, at 32 connections, a distinct
//   credential in every request: at least 1,000 credentials/s, no error, and every 201
//   durable (after the run the issuance log holds exactly as many rows as there were
//   201 answers; the database is read afresh once the service has closed).
//
// The service runs in this process from its build (examples/issuer-service/dist), with
// a throw-away database, plain http (allowInsecureHttp) and logs off.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COUNTER, loadWorker } from '../lib/http-load.mjs';
import { median } from '../lib/measure.mjs';

export const title = 'Issuer service';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVICE = join(ROOT, 'examples', 'issuer-service');

export const IN_PROCESS = 'verifyCredential in process, one at a time';
const VERIFY_CONNECTIONS = 16;
const ISSUE_CONNECTIONS = 32;
export const HTTP_VERIFY = `POST /credentials/verify, ${VERIFY_CONNECTIONS} connections`;
export const HTTP_ISSUE = `POST /credentials/issue, ${ISSUE_CONNECTIONS} connections`;
export const DURABILITY = 'POST /credentials/issue, 201 answers not in the issuance log once';

/** How much each part does: full runs, quick runs (BENCH_QUICK=1) and the smoke test. */
const PLANS = {
  full: { rounds: 5, inProcessMs: 400, verifyRequests: 3_000, issueRounds: 3, issueRequests: 3_000, warmup: 300, boundMs: 6_000 },
  quick: { rounds: 3, inProcessMs: 150, verifyRequests: 800, issueRounds: 1, issueRequests: 1_500, warmup: 100, boundMs: 4_000 },
  // The smoke plan checks what the suite reports, so its bound only stops a run that hangs.
  smoke: { rounds: 2, inProcessMs: 20, verifyRequests: 64, issueRounds: 1, issueRequests: 64, warmup: 32, boundMs: 20_000 },
};

/** A free TCP port on 127.0.0.1 (the service's base URL names its port, so it is chosen first). */
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The service's configuration for a bench run, through its own `loadConfig` (defaults
 * and checks as for any start; the environment is not read): everything in `dir`, plain
 * http on 127.0.0.1, logs off, a public rate limit the load does not reach.
 */
export function benchConfig(service, { dir, port, adminKeyHash }) {
  return service.loadConfig({
    env: {},
    overrides: {
      host: '127.0.0.1',
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      database: join(dir, 'issuer.db'),
      stateDatabase: join(dir, 'state.db'),
      secret: 'bench secret, not for production',
      adminKeyHashes: [adminKeyHash],
      limits: { publicRequestsPerWindow: 100_000_000 },
      allowInsecureHttp: true,
      logLevel: process.env.BENCH_SERVICE_LOG ?? 'silent',
    },
  });
}

/** The VC-API issue request for citizen `n` (distinct subject id and claims per `n`). */
export function issueRequest(did, n) {
  return {
    credential: {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      issuer: did,
      credentialSubject: {
        id: `did:example:citizen-${n}`,
        givenName: 'Asha',
        familyName: `Ramdial-${n}`,
        nationality: 'TT',
        birthDate: '1990-04-12',
      },
    },
  };
}

async function post(url, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Runs a load job and adds `busy`: the share of the run's time the main thread (the
 * service's event loop) was busy. Near 1, the service's own thread is the limit; well
 * below, the limit is elsewhere (the load generator, the kernel, other work on the machine).
 */
async function busy(run) {
  const before = performance.eventLoopUtilization();
  const result = await run();
  return { ...result, busy: performance.eventLoopUtilization(before).utilization };
}

/** Calls `fn` one at a time for at least `ms` milliseconds; calls per second. */
async function inProcessRound(fn, ms) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fn();
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (n * 1000) / elapsed;
}

/** Rows in the count unit: `value` problems, target none. */
const countRow = (name, value, note) => ({ name, value, unit: 'count', target: { max: 0 }, note });
const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * The load test against a service module (`startService`, `loadConfig`, `newAdminKey`), so that tests
 * can run it on the TypeScript sources. `plan` is 'full', 'quick' or 'smoke'.
 *
 * @param {import('../lib/harness.mjs').Harness} h
 */
export async function runServiceLoad(h, service, plan = h.quick ? 'quick' : 'full') {
  const p = PLANS[plan];
  const { key, hash } = service.newAdminKey();
  const admin = { authorization: `Bearer ${key}` };
  const config = benchConfig(service, { dir: h.tmpDir, port: await freePort(), adminKeyHash: hash });
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const running = await service.startService(config);
  h.log(`service started (${since()})`);
  const loader = loadWorker();
  // Subject ids of the credentials the 201 answers carried, to look up in the issuance log.
  const answered = [];
  // Subjects of every issue request sent: citizen-0 … citizen-(sent − 1).
  let sent = 0;
  let verify;
  let issue;
  try {
    const { url, did, context } = running;

    // One credential of the service, checked before anything is timed.
    const first = await post(url, '/credentials/issue', issueRequest(did, 0), admin);
    if (first.status !== 201) throw new Error(`the service did not issue: ${first.status} ${JSON.stringify(first.body)}`);
    answered.push(issueRequest(did, 0).credential.credentialSubject.id);
    const verifyBody = { verifiableCredential: first.body.verifiableCredential };
    const checked = await post(url, '/credentials/verify', verifyBody);
    if (checked.status !== 200 || checked.body.verified !== true)
      throw new Error(`the service does not verify its own credential: ${checked.status} ${JSON.stringify(checked.body)}`);
    const direct = await context.verifier.verifyCredential(verifyBody.verifiableCredential);
    if (direct.verified !== true) throw new Error(`the service's verifier refuses its own credential: ${JSON.stringify(direct.errors)}`);
    const inProcess = () => context.verifier.verifyCredential(verifyBody.verifiableCredential);

    // POST /credentials/verify against the same verification in process, alternating.
    const verifyRun = (amount) =>
      busy(() =>
        loader.run({
          url: `${url}/credentials/verify`,
          connections: VERIFY_CONNECTIONS,
          amount,
          boundMs: p.boundMs,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(verifyBody),
          expect: 200,
        }),
      );
    h.log(`verify: warm-up (${since()}) …`);
    for (let i = 0; i < 3; i++) await inProcess();
    await verifyRun(p.warmup);
    const rounds = { inProcess: [], http: [] };
    const httpRuns = [];
    for (let r = 0; r < p.rounds; r++) {
      // Alternate which goes first, as measureInterleaved does.
      const order = r % 2 === 0 ? ['inProcess', 'http'] : ['http', 'inProcess'];
      for (const which of order) {
        if (which === 'inProcess') rounds.inProcess.push(await inProcessRound(inProcess, p.inProcessMs));
        else {
          const run = await verifyRun(p.verifyRequests);
          httpRuns.push(run);
          rounds.http.push(run.rate);
        }
      }
    }
    verify = {
      inProcess: rounds.inProcess.map(round3),
      http: rounds.http.map(round3),
      p99: median(httpRuns.map((r) => r.p99)),
      errors: httpRuns.reduce((s, r) => s + r.errors, 0),
      requests: httpRuns.reduce((s, r) => s + r.ok, 0),
      runs: httpRuns.length,
      stopped: httpRuns.filter((r) => r.stopped).length,
      busy: median(httpRuns.map((r) => r.busy)),
      statuses: httpRuns.map((r) => r.statuses),
    };

    // POST /credentials/issue, a distinct credential per request.
    const template = JSON.stringify(issueRequest(did, COUNTER));
    let n = 1;
    const issueRun = async (amount) => {
      const result = await busy(() =>
        loader.run({
          url: `${url}/credentials/issue`,
          connections: ISSUE_CONNECTIONS,
          amount,
          boundMs: p.boundMs,
          headers: { 'content-type': 'application/json', ...admin },
          body: template,
          from: n,
          expect: 201,
          subjects: true,
        }),
      );
      n = result.next;
      return result;
    };
    h.log(`issue: warm-up (${since()}) …`);
    const issueRuns = [await issueRun(p.warmup)];
    const timed = [];
    for (let r = 0; r < p.issueRounds; r++) timed.push(await issueRun(p.issueRequests));
    issueRuns.push(...timed);
    for (const r of issueRuns) answered.push(...r.subjectIds);
    sent = n;
    issue = {
      rates: timed.map((r) => round3(r.rate)),
      p99: median(timed.map((r) => r.p99)),
      errors: issueRuns.reduce((s, r) => s + r.errors, 0),
      requests: timed.reduce((s, r) => s + r.ok, 0),
      runs: timed.length,
      stopped: timed.filter((r) => r.stopped).length,
      busy: median(timed.map((r) => r.busy)),
      statuses: issueRuns.map((r) => r.statuses),
    };
  } finally {
    await loader.close();
    await running.close();
  }
  h.log(`service closed (${since()})`);
  // Durability: what the 201 answers promised is in the database, read afresh after close.
  const durability = checkDurability(answered, sent, await issuanceLogSubjects(config.database));

  const paired = `issuer-service-verify-${Date.now()}`;
  const httpNote = (x, what) =>
    `${x.requests} ${what} in ${x.runs} runs; p99 ${num(x.p99)} ms; the service's thread busy ${Math.round(x.busy * 100)}% of the time${x.stopped ? `; ${x.stopped} of them stopped at the ${p.boundMs / 1000} s bound` : ''}`;
  return {
    rows: [
      {
        name: IN_PROCESS,
        value: round3(median(verify.inProcess)),
        unit: 'ops/s',
        rounds: verify.inProcess,
        paired,
        note: "the service's verifier (its recognition policy, status from its own lists) on one vc+jwt it issued",
      },
      {
        name: HTTP_VERIFY,
        value: round3(median(verify.http)),
        unit: 'ops/s',
        rounds: verify.http,
        paired,
        compare: [{ against: IN_PROCESS, target: { min: 0.5 } }],
        note: httpNote(verify, 'verifications (200, verified)'),
      },
      { name: 'POST /credentials/verify, p99 latency', value: verify.p99, unit: 'ms', note: 'median over the runs of each run’s p99' },
      countRow('POST /credentials/verify, errors', verify.errors, 'non-200 answers, socket errors and timeouts'),
      {
        name: HTTP_ISSUE,
        value: round3(median(issue.rates)),
        unit: 'ops/s',
        rounds: issue.rates,
        target: { min: 1000 },
        note: httpNote(issue, 'credentials (201), each distinct,'),
      },
      { name: 'POST /credentials/issue, p99 latency', value: issue.p99, unit: 'ms', note: 'median over the timed runs of each run’s p99' },
      countRow('POST /credentials/issue, errors', issue.errors, 'non-201 answers, socket errors and timeouts'),
      countRow(
        DURABILITY,
        durability.problems,
        `${durability.answered} answers 201 against ${durability.logged} issuance log rows read after close: ${durability.missing} answered but not logged, ` +
          `${durability.duplicates} logged twice, ${durability.unknown} not asked for; ${durability.unanswered} logged but unanswered ` +
          '(requests in flight when the time bound stopped a run)',
      ),
    ],
    verify,
    issue,
    durability,
  };
}

const num = (x) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1));

/** The subject id of every row of the issuance log in the issuer database at `path` (sqlite3, a dependency of the service). */
async function issuanceLogSubjects(path) {
  const sqlite3 = createRequire(join(SERVICE, 'package.json'))('sqlite3');
  const db = await new Promise((resolve, reject) => {
    const d = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    return await new Promise((resolve, reject) =>
      db.all('SELECT subject_id FROM tw_issuance_log', (err, rows) => (err ? reject(err) : resolve(rows.map((r) => r.subject_id)))),
    );
  } finally {
    await new Promise((resolve) => db.close(() => resolve()));
  }
}

/**
 * Every credential answered 201 must be in the log, once; the log may hold no credential
 * that was not asked for. It may hold credentials whose answer never arrived: a run
 * stopped by its time bound closes connections with requests in flight, which the
 * service may already have committed.
 */
export function checkDurability(answered, sent, logSubjects) {
  const logged = new Map();
  for (const subject of logSubjects) logged.set(subject, (logged.get(subject) ?? 0) + 1);
  const asked = new Set(Array.from({ length: sent }, (_, i) => `did:example:citizen-${i}`));
  const answeredSet = new Set(answered);
  const missing = [...answeredSet].filter((s) => !logged.has(s)).length + (answered.length - answeredSet.size);
  let duplicates = 0;
  let unknown = 0;
  let unanswered = 0;
  for (const [subject, count] of logged) {
    duplicates += count - 1;
    if (!asked.has(subject)) unknown++;
    else if (!answeredSet.has(subject)) unanswered++;
  }
  return {
    answered: answered.length,
    logged: logSubjects.length,
    missing,
    duplicates,
    unknown,
    unanswered,
    problems: missing + duplicates + unknown,
  };
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const service = await import(pathToFileURL(join(SERVICE, 'dist', 'index.js')).href);
  if (typeof service.startService !== 'function') throw new Error('examples/issuer-service/dist has no startService: build it first');
  return (await runServiceLoad(h, service)).rows;
}
