// HTTP load from a worker thread: autocannon runs there, so the server under test keeps
// the main thread (and its event loop) to itself, as it would behind a load generator on
// another machine. Every run is bounded in request count and in time.
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** In a body template, replaced by a number that differs in every request of a run. */
export const COUNTER = '@@n@@';

/**
 * @typedef {object} LoadJob
 * @property {string | string[]} url  the full URL to POST to; with several, autocannon's
 *   connections are spread over them round-robin (connection i to url[i % n])
 * @property {number} connections
 * @property {number} amount     at most this many requests
 * @property {number} boundMs    and at most this long
 * @property {Record<string, string>} headers
 * @property {string} body       the request body; every `COUNTER` in it becomes `from`, `from + 1`, … (one per request)
 * @property {number} [from]
 * @property {number} expect     the status code that counts as a success
 * @property {boolean} [subjects] collect the subject ids of the credentials the successful
 *   answers carry (a VC-API issue answer: `{ verifiableCredential }`, an envelope of a JWT)
 * @property {boolean} [statusEntries] with `subjects`, also collect their Bitstring Status
 *   List entries
 *
 * @typedef {object} LoadResult
 * @property {number} ok         answers with the expected status
 * @property {number} rate       `ok` per second, from the start to the last answer
 * @property {number} p99        99th percentile latency, ms (autocannon's histogram)
 * @property {number} errors     answers with another status, socket errors and timeouts
 * @property {Record<string, number>} statuses  answers by status code
 * @property {boolean} stopped   whether the time bound ended the run before `amount` answers
 * @property {number} next       the counter value after the run
 * @property {string[]} [subjectIds] with `subjects`: the `credentialSubject.id` of every successful answer
 * @property {string[][]} [statusEntries] with `statusEntries`: for every successful answer (in the
 *   order of `subjectIds`), its credential's status entries as `<statusListCredential>#<statusListIndex>`
 */

/** The credential in a VC-API issue answer (an enveloped vc+jwt: the JWT's payload). */
function answeredCredential(body) {
  const { verifiableCredential } = JSON.parse(body);
  const jwt = verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/** A credential's Bitstring Status List entries as `<statusListCredential>#<statusListIndex>`. */
function statusEntriesOf(credential) {
  const status = credential.credentialStatus;
  const entries = status === undefined ? [] : Array.isArray(status) ? status : [status];
  return entries.map((e) => `${e.statusListCredential}#${e.statusListIndex}`);
}

/** @param {LoadJob} job @returns {Promise<LoadResult>} */
async function runLoad(job) {
  const statuses = {};
  let n = job.from ?? 0;
  const counted = job.body.includes(COUNTER);
  const subjectIds = [];
  const statusEntries = [];
  const onResponse = job.subjects
    ? (status, body) => {
        if (status !== job.expect) return;
        const credential = answeredCredential(body);
        subjectIds.push(credential.credentialSubject.id);
        if (job.statusEntries) statusEntries.push(statusEntriesOf(credential));
      }
    : undefined;
  const start = performance.now();
  // The run's time ends at its last answer, not when autocannon reports 'done'.
  let last = start;
  const instance = autocannon({
    url: job.url,
    connections: Math.min(job.connections, job.amount),
    amount: job.amount,
    timeout: Math.max(1, Math.ceil(job.boundMs / 1000)),
    // autocannon ends a run at its next sample tick; a short interval ends it soon after
    // the last answer (its per-interval request histogram is not used here).
    sampleInt: 100,
    headers: job.headers,
    requests: [
      {
        method: 'POST',
        ...(counted ? { setupRequest: (req) => ({ ...req, body: job.body.split(COUNTER).join(String(n++)) }) } : { body: job.body }),
        ...(onResponse ? { onResponse } : {}),
      },
    ],
  });
  instance.on('response', (_client, statusCode) => {
    last = performance.now();
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', () => {
    last = performance.now();
  });
  const bound = setTimeout(() => instance.stop(), job.boundMs);
  const raw = await new Promise((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  // Off the main thread autocannon hands back its histograms encoded, for its own
  // workers to merge: aggregate them as it does on the main thread.
  const result = autocannon.aggregateResult([raw], { url: job.url, connections: job.connections });
  clearTimeout(bound);
  const ok = statuses[job.expect] ?? 0;
  let answered = 0;
  for (const count of Object.values(statuses)) answered += count;
  return {
    ok,
    rate: last > start ? (ok * 1000) / (last - start) : 0,
    p99: result.latency.p99,
    errors: answered - ok + result.errors,
    statuses,
    stopped: answered + result.errors < job.amount,
    next: n,
    ...(job.subjects ? { subjectIds } : {}),
    ...(job.subjects && job.statusEntries ? { statusEntries } : {}),
  };
}

/**
 * A worker thread that runs load jobs one at a time: `run(job)` resolves with the
 * run's {@link LoadResult}; `close()` ends the thread.
 */
export function loadWorker() {
  const worker = new Worker(new URL(import.meta.url), { workerData: { httpLoad: true } });
  let pending;
  worker.on('message', (msg) => {
    const p = pending;
    pending = undefined;
    if (msg.error) p?.reject(new Error(`load worker: ${msg.error}`));
    else p?.resolve(msg.result);
  });
  worker.on('error', (e) => pending?.reject(e));
  return {
    /** @param {LoadJob} job @returns {Promise<LoadResult>} */
    run(job) {
      if (pending) return Promise.reject(new Error('load worker: one job at a time'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(job);
      });
    },
    close: () => worker.terminate(),
  };
}

if (!isMainThread && workerData?.httpLoad) {
  parentPort.on('message', async (job) => {
    try {
      parentPort.postMessage({ result: await runLoad(job) });
    } catch (e) {
      parentPort.postMessage({ error: String(e?.stack ?? e) });
    }
  });
}
