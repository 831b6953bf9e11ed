// What a suite receives: measuring helpers, the baseline operations (for the suite to
// measure in its own alternating rounds, so every ratio compares neighbours in time),
// shared fixtures, a temp directory.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519DidKey, jwsParts, jwtVc } from './fixtures.mjs';
import { coldStart, measure, measureBatch, measureInterleaved } from './measure.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const RAW_ED25519 = 'raw node:crypto Ed25519 verify';

/**
 * @typedef {{ min?: number, max?: number }} Target
 * @typedef {{ against: string, target?: Target, ratio?: number, pass?: boolean }} Comparison
 * @typedef {{ name: string, value: number, unit: 'ops/s' | 'ms' | 'MB' | 'kB', target?: Target, compare?: Comparison[], note?: string, rounds?: number[], pass?: boolean }} Row
 * @typedef {object} Harness
 * @property {typeof measure} measure
 * @property {typeof measureBatch} measureBatch
 * @property {typeof measureInterleaved} measureInterleaved
 * @property {typeof coldStart} coldStart
 * @property {{ rawEd25519Op(): Promise<{ name: string, fn: () => boolean, note: string }>, rawEd25519For: typeof rawEd25519For }} baselines
 * @property {() => Promise<SharedFixtures>} shared
 * @property {string} tmpDir
 * @property {boolean} quick
 * @property {(...args: unknown[]) => void} log
 * @typedef {{ issuer: ReturnType<typeof ed25519DidKey>, holder: ReturnType<typeof ed25519DidKey>, jwtVc: string }} SharedFixtures
 */

let fixtures;
/** One issuer, one holder and one `jwt_vc` about the holder, made once per run. */
export function sharedFixtures() {
  fixtures ??= (async () => {
    const issuer = ed25519DidKey();
    const holder = ed25519DidKey();
    return { issuer, holder, jwtVc: await jwtVc(issuer, holder.did, 0) };
  })();
  return fixtures;
}

let rawOp;
/**
 * The shared baseline operation: synchronous `crypto.verify` of the shared `jwt_vc`'s
 * signing input, KeyObject made once. This is the floor any verifier pays for the
 * signature.
 */
function rawEd25519Op() {
  rawOp ??= (async () => {
    const { issuer, jwtVc: jwt } = await sharedFixtures();
    // Imported from the JWK, as a verifier holding only the public key would.
    const key = createPublicKey({ key: issuer.publicKey.export({ format: 'jwk' }), format: 'jwk' });
    const { data, signature } = jwsParts(jwt);
    if (!verify(null, data, key, signature)) throw new Error('raw baseline: the shared credential does not verify');
    return {
      name: RAW_ED25519,
      fn: () => verify(null, data, key, signature),
      note: `sync crypto.verify over a ${data.length}-byte jwt_vc signing input`,
    };
  })();
  return rawOp;
}

/**
 * Raw verification of one given compact JWS (its own signing input and signature) with
 * `publicKey`: the baseline for rows that verify credentials of another format or
 * issuer than the shared `jwt_vc`, so both sides hash the same bytes.
 */
export function rawEd25519For(jws, publicKey, what = 'credential') {
  const key = createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
  const { data, signature } = jwsParts(jws);
  if (!verify(null, data, key, signature)) throw new Error(`raw baseline: the ${what} does not verify`);
  return { fn: () => verify(null, data, key, signature), note: `sync crypto.verify over a ${data.length}-byte ${what} signing input` };
}

/** Builds the harness for one suite; `dispose` removes its temp directory. */
export async function createHarness(suiteName) {
  const quick = process.env.BENCH_QUICK === '1';
  const tmpDir = await mkdtemp(join(tmpdir(), `tradewind-bench-${suiteName}-`));
  /** @type {Harness} */
  const h = {
    measure: (fn, o = {}) => measure(fn, quick ? { minTimeMs: 150, warmupMs: 100, rounds: 3, ...o } : o),
    measureBatch: (fn, n, o = {}) => measureBatch(fn, n, quick ? { rounds: 1, ...o } : o),
    measureInterleaved: (entries, o = {}) => measureInterleaved(entries, quick ? { minTimeMs: 150, warmupMs: 100, rounds: 3, ...o } : o),
    coldStart: (script, o = {}) => coldStart(script, { cwd: ROOT, ...(quick ? { runs: 3 } : {}), ...o }),
    baselines: { rawEd25519Op, rawEd25519For },
    shared: sharedFixtures,
    tmpDir,
    quick,
    log: (...args) => console.error(`  [${suiteName}]`, ...args),
  };
  return { h, dispose: () => rm(tmpDir, { recursive: true, force: true }) };
}
