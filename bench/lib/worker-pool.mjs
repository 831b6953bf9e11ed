// Worker threads for the batch ceiling: how far two cores go when every thread does the
// whole work, instead of the main thread parsing and checking while only the signatures
// run on the libuv pool. Used by the verifier suite to measure both ways in the same
// rounds (see "Batch verification" in bench/README.md).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./pool-worker.mjs', import.meta.url);

/** Starts `threads` workers of pool-worker.mjs, each set up by `init` (structured-cloned). */
async function start(threads, init) {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: init }));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
          w.once('error', reject);
        }),
    ),
  );
  let seq = 0;
  const pending = new Map();
  for (const w of workers) {
    w.on('message', ({ id, result, error }) => {
      const p = pending.get(id);
      pending.delete(id);
      if (error) p?.reject(new Error(error));
      else p?.resolve(result);
    });
  }
  const call = (w, message) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, ...message });
    });
  return { workers, call, close: () => Promise.all(workers.map((w) => w.terminate())) };
}

export const defaultThreads = () => availableParallelism();

/**
 * Raw Ed25519 verification split over `threads` workers: each holds its share of the
 * signing inputs and signatures from the start and verifies them synchronously when
 * told to. The CPU ceiling of worker threads for the signatures alone.
 */
export async function rawOnWorkers(parts, publicJwk, threads = defaultThreads()) {
  const shares = Array.from({ length: threads }, (_, t) => parts.filter((_, i) => i % threads === t));
  const pool = await start(threads, { kind: 'raw' });
  await Promise.all(pool.workers.map((w, t) => pool.call(w, { load: { jwk: publicJwk, parts: shares[t] } })));
  return {
    run: async () => (await Promise.all(pool.workers.map((w) => pool.call(w, { go: true })))).reduce((a, b) => a + b, 0),
    close: pool.close,
  };
}

/**
 * `verifyCredentials` split over `threads` workers that each run the whole verification
 * (parse, resolve, signature, checks) with their own `createVerifier(options)`: inputs
 * go out in chunks, results come back structured-cloned and are put in input order.
 * `options` must survive structured cloning (no functions, providers or resolvers).
 */
export async function verifierOnWorkers(options = {}, { threads = defaultThreads(), chunk = 250 } = {}) {
  const pool = await start(threads, { kind: 'verifier', options });
  return {
    async verifyCredentials(inputs) {
      const results = new Array(inputs.length);
      let next = 0;
      await Promise.all(
        pool.workers.map(async (w) => {
          while (next < inputs.length) {
            const from = next;
            next += chunk;
            const part = await pool.call(w, { inputs: inputs.slice(from, from + chunk) });
            for (let i = 0; i < part.length; i++) results[from + i] = part[i];
          }
        }),
      );
      return results;
    },
    close: pool.close,
  };
}
