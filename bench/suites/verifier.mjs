// Verification speed of @tradewind/verifier against raw node:crypto Ed25519 (the floor
// any verifier pays for the signature) and Veramo 7's verifyCredential, on credentials
// from the same issuer made by independent producers.
import { verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createVerifier, verifyCredential, verifyCredentials } from '@tradewind/verifier';
import { build } from 'esbuild';
import { jwsParts, jwtVc, jwtVp, vcJwt } from '../lib/fixtures.mjs';
import { RAW_ED25519 } from '../lib/harness.mjs';
import { median } from '../lib/measure.mjs';
import { veramoVerifierAgent } from '../lib/veramo.mjs';
import { defaultThreads, rawOnWorkers, verifierOnWorkers } from '../lib/worker-pool.mjs';

export const title = 'Verifier';

const VERAMO = 'Veramo 7 verifyCredential, jwt_vc';
const RAW_VC_JWT = 'raw node:crypto Ed25519 verify, vc+jwt signing input';
const ALL_IN_FLIGHT = 'raw node:crypto Ed25519 verify, all in flight';
const RAW_WORKERS = 'raw node:crypto Ed25519 verify, on worker threads';
// Batch targets, set from the measured ceiling of two cores (bench/README.md, "Batch
// verification"): single-thread raw × 1.5 was at or above what even bare signatures
// reach with every core busy, so the batch is judged against that ceiling measured in
// the same rounds, and against single-thread raw with what the ceiling leaves.
const BATCH_VS_RAW = 1.3;
const BATCH_VS_CEILING = 0.85;
const POOL = 1_000; // distinct credentials cycled through by the one-at-a-time rows
const BATCH = 10_000;
const NONCE = 'n-0S6_WzA2Mj';
const AUDIENCE = 'https://bank.example.bb';

/** Cycles through `items`, so no row verifies the same input twice in a row. */
const cycle = (items) => {
  let i = 0;
  return () => items[i++ % items.length];
};

function expectVerified(what, result) {
  if (result?.verified !== true) {
    throw new Error(
      `${what} did not verify, so its timing would be of the failure path: ${JSON.stringify(result?.errors ?? result?.error ?? result)}`,
    );
  }
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const { issuer, holder, jwtVc: sharedJwt } = await h.shared();
  const batchSize = h.quick ? 2_000 : BATCH;

  h.log(`making ${POOL} jwt_vc, ${POOL} vc+jwt, ${batchSize} batch jwt_vc, ${POOL} jwt_vp …`);
  const range = (n, from = 0) => Array.from({ length: n }, (_, i) => from + i);
  const jwtVcs = [sharedJwt, ...(await Promise.all(range(POOL - 1, 1).map((n) => jwtVc(issuer, holder.did, n))))];
  const vcJwts = await Promise.all(range(POOL).map((n) => vcJwt(issuer, holder.did, n)));
  const batchJwts = await Promise.all(range(batchSize, POOL).map((n) => jwtVc(issuer, holder.did, n)));
  const vps = await Promise.all(jwtVcs.map((c) => jwtVp(holder, [c], { nonce: NONCE, audience: AUDIENCE })));

  // Every function is checked to verify before it is timed: a timing of the failure
  // path would flatter the verifier.
  const raw = await h.baselines.rawEd25519Op();
  const rawVcJwt = h.baselines.rawEd25519For(vcJwts[0], issuer.publicKey, 'vc+jwt');
  const parts = batchJwts.map(jwsParts);
  const rawAllInFlight = () =>
    Promise.all(
      parts.map(
        ({ data, signature }) => new Promise((resolve) => verify(null, data, issuer.publicKey, signature, (e, ok) => resolve(!e && ok))),
      ),
    );
  if (!(await rawAllInFlight()).every(Boolean)) throw new Error('raw async baseline: a batch credential does not verify');
  // The same batch both ways on worker threads: raw signatures only (the CPU ceiling of
  // threads), and Tradewind's whole verification in each thread.
  const threads = defaultThreads();
  const rawWorkers = await rawOnWorkers(parts, issuer.publicKey.export({ format: 'jwk' }), threads);
  const pool = await verifierOnWorkers({}, { threads });
  let m;
  try {
    if ((await rawWorkers.run()) !== parts.length) throw new Error('raw worker baseline: a batch credential does not verify');

    const agent = veramoVerifierAgent();
    expectVerified('Veramo on jwt_vc', await agent.verifyCredential({ credential: sharedJwt }));
    const nextForVeramo = cycle(jwtVcs);

    const verifier = createVerifier();
    for (const [format, pool] of [
      ['jwt_vc', jwtVcs],
      ['vc+jwt', vcJwts],
    ]) {
      const result = await verifier.verifyCredential(pool[0]);
      expectVerified(`Tradewind on ${format}`, result);
      if (result.format !== format) throw new Error(`Tradewind read a ${format} credential as ${result.format}`);
    }
    expectVerified('Tradewind function form', await verifyCredential(jwtVcs[1]));
    const nextJwtVc = cycle(jwtVcs);
    const nextVcJwt = cycle(vcJwts);
    const nextForFunction = cycle(jwtVcs);

    const batchVerifier = createVerifier();
    const inProcess = await batchVerifier.verifyCredentials(batchJwts);
    for (const [i, r] of inProcess.entries()) expectVerified(`Tradewind batch item ${i}`, r);
    if (JSON.stringify(await pool.verifyCredentials(batchJwts)) !== JSON.stringify(inProcess)) {
      throw new Error('verifyCredentials on worker threads gave other results than in process');
    }
    expectVerified('Tradewind function batch', (await verifyCredentials(batchJwts.slice(0, 10)))[0]);

    const vpOptions = { nonce: NONCE, audience: AUDIENCE };
    const vpResult = await verifier.verifyPresentation(vps[0], vpOptions);
    expectVerified('Tradewind on jwt_vp', vpResult);
    if (vpResult.credentials.length !== 1)
      throw new Error(`expected one credential in the presentation, got ${vpResult.credentials.length}`);
    const nextVp = cycle(vps);

    h.log('measuring, all rows in alternating rounds …');
    m = await h.measureInterleaved({
      raw: raw.fn,
      rawVcJwt: rawVcJwt.fn,
      allInFlight: { fn: rawAllInFlight, batch: parts.length },
      rawWorkers: { fn: rawWorkers.run, batch: parts.length },
      workers: { fn: () => pool.verifyCredentials(batchJwts), batch: batchJwts.length },
      veramo: () => agent.verifyCredential({ credential: nextForVeramo() }),
      jwtVc: () => verifier.verifyCredential(nextJwtVc()),
      vcJwt: () => verifier.verifyCredential(nextVcJwt()),
      functionForm: () => verifyCredential(nextForFunction()),
      batch: { fn: () => batchVerifier.verifyCredentials(batchJwts), batch: batchJwts.length },
      presentation: () => verifier.verifyPresentation(nextVp(), vpOptions),
    });
  } finally {
    await Promise.all([rawWorkers.close(), pool.close()]);
  }

  const ratioToRaw = (x) => median(x.rounds.map((v, i) => v / m.raw.rounds[i]));
  const ceiling = Math.max(ratioToRaw(m.allInFlight), ratioToRaw(m.rawWorkers));
  const rows = [
    { name: RAW_ED25519, ...m.raw, note: `${raw.note}; measured in this suite's alternating rounds` },
    { name: RAW_VC_JWT, ...m.rawVcJwt, compare: [{ against: RAW_ED25519 }], note: `${rawVcJwt.note}: the baseline of the vc+jwt row` },
    {
      name: ALL_IN_FLIGHT,
      ...m.allInFlight,
      compare: [{ against: RAW_ED25519 }],
      note: `callback crypto.verify of ${parts.length} signatures at once (libuv thread pool): the in-process batch ceiling`,
    },
    {
      name: RAW_WORKERS,
      ...m.rawWorkers,
      compare: [{ against: RAW_ED25519 }],
      note: `${parts.length} signatures split over ${threads} worker threads, sync crypto.verify in each: the worker batch ceiling`,
    },
    {
      name: VERAMO,
      ...m.veramo,
      compare: [{ against: RAW_ED25519 }],
      note: 'createAgent with DIDResolverPlugin(key-did-resolver) and CredentialPlugin([CredentialProviderJWT])',
    },
    {
      name: 'Tradewind verifyCredential, jwt_vc',
      ...m.jwtVc,
      compare: [
        { against: RAW_ED25519, target: { min: 0.6 } },
        { against: VERAMO, target: { min: 15 } },
      ],
      note: 'createVerifier() instance, awaited one at a time',
    },
    {
      name: 'Tradewind verifyCredential, vc+jwt',
      ...m.vcJwt,
      compare: [
        { against: RAW_VC_JWT, target: { min: 0.6 } },
        { against: VERAMO, target: { min: 15 } },
      ],
      note: 'createVerifier() instance, awaited one at a time, against raw verification of a vc+jwt signing input; Veramo 7 cannot verify vc+jwt, so its jwt_vc figure stands in',
    },
    {
      name: 'Tradewind verifyCredential(), jwt_vc, function form',
      ...m.functionForm,
      compare: [{ against: RAW_ED25519 }, { against: VERAMO }],
      note: 'the exported function without a verifier instance',
    },
    {
      name: `Tradewind verifyCredentials, ${batchSize} jwt_vc`,
      ...m.batch,
      compare: [
        { against: RAW_ED25519, target: { min: BATCH_VS_RAW } },
        { against: ALL_IN_FLIGHT, target: { min: BATCH_VS_CEILING } },
        { against: RAW_WORKERS },
        { against: VERAMO },
      ],
      note:
        `${batchSize} distinct credentials from one issuer, default concurrency, in process` +
        (ceiling < BATCH_VS_RAW
          ? `; at this machine load even the raw ceilings reach only ${ceiling.toFixed(2)}× raw, so ≥ ${BATCH_VS_RAW}× is out of reach`
          : ''),
    },
    {
      name: `Tradewind verifyCredentials on ${threads} worker threads, ${batchSize} jwt_vc`,
      ...m.workers,
      compare: [{ against: RAW_ED25519 }, { against: RAW_WORKERS }, { against: `Tradewind verifyCredentials, ${batchSize} jwt_vc` }],
      note: `the whole verification in each thread (createVerifier per thread, chunks of 250, results cloned back in order); measured to decide whether the library should use workers (bench/README.md)`,
    },
    {
      name: 'Tradewind verifyPresentation, jwt_vp with 1 jwt_vc',
      ...m.presentation,
      compare: [{ against: RAW_ED25519, target: { min: 0.3 } }],
      note: 'holder signature, nonce, audience, holder binding and the embedded credential (two signatures)',
    },
  ];

  h.log('browser bundle …');
  {
    // What a web page ships: @tradewind/verifier through its `default` (WebCrypto) export,
    // bundled with everything it imports, minified, gzipped.
    const bundle = await build({
      stdin: { contents: "export * from '@tradewind/verifier';", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0].contents;
    if (/\bfrom\s*["']node:/.test(Buffer.from(code).toString())) throw new Error('the browser bundle imports node:* modules');
    rows.push({
      name: 'browser bundle of @tradewind/verifier, minified + gzip',
      value: Math.round(gzipSync(code, { level: 9 }).length / 100) / 10,
      unit: 'kB',
      note: `esbuild, platform browser, everything bundled: ${Math.round(code.length / 1000)} kB minified`,
    });
  }

  h.log('cold start …');
  {
    const env = { BENCH_CREDENTIAL: jwtVcs[2] };
    const bare = await h.coldStart('console.log(performance.now())', { env });
    rows.push({ name: 'node startup, empty script', ...bare, note: 'fresh process, ms from process start to the first line of user code' });
    const script = [
      'const start = performance.now();',
      "const { verifyCredential } = await import('@tradewind/verifier');",
      'const imported = performance.now();',
      'const r = await verifyCredential(process.env.BENCH_CREDENTIAL);',
      "if (!r.verified) throw new Error('cold start credential did not verify');",
      'const total = performance.now();',
      'console.log(JSON.stringify({ total, import: imported - start, verify: total - imported }));',
    ].join('\n');
    const cold = await h.coldStart(script, { env });
    const { parts, ...total } = cold;
    rows.push({
      name: 'cold start: import verifier + verify one jwt_vc',
      ...total,
      target: { max: 50 },
      note: `fresh node process, ms from process start (performance.now), median; of which import ${parts.import.toFixed(1)} ms, first verify ${parts.verify.toFixed(1)} ms`,
    });
    rows.push({
      name: 'cold start, verifier part (import + first verify)',
      value: Math.round((parts.import + parts.verify) * 1000) / 1000,
      unit: 'ms',
      compare: [{ against: 'node startup, empty script' }],
    });
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const inherited = await h.coldStart(script, { env, inheritEnv: true });
      delete inherited.parts;
      rows.push({
        name: 'cold start with NODE_EXTRA_CA_CERTS as set here',
        ...inherited,
        note: 'same, but Node first loads the extra CA bundle this machine configures',
      });
    }
  }
  return rows;
}
