// Verification speed of @tradewind/verifier against raw node:crypto Ed25519 (the floor
// any verifier pays for the signature) and Veramo 7's verifyCredential, on credentials
// from the same issuer made by independent producers.
import { verify } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVerifier, verifyCredential, verifyCredentials } from '@tradewind/verifier';
import { jwsParts, jwtVc, jwtVp, vcJwt } from '../lib/fixtures.mjs';
import { RAW_ED25519 } from '../lib/harness.mjs';
import { veramoVerifierAgent } from '../lib/veramo.mjs';

export const title = 'Verifier';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERAMO = 'Veramo 7 verifyCredential, jwt_vc';
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

  const raw = await h.baselines.rawEd25519();
  const rows = [raw];

  // The floor for the batch rows: the same signature check with 10,000 in flight on the libuv pool.
  {
    const key = issuer.publicKey;
    const parts = batchJwts.map(jwsParts);
    const all = () =>
      Promise.all(
        parts.map(({ data, signature }) => new Promise((resolve) => verify(null, data, key, signature, (e, ok) => resolve(!e && ok)))),
      );
    if (!(await all()).every(Boolean)) throw new Error('raw async baseline: a batch credential does not verify');
    rows.push({
      name: 'raw node:crypto Ed25519 verify, all in flight',
      ...(await h.measureBatch(all, parts.length)),
      compare: [{ against: RAW_ED25519 }],
      note: `callback crypto.verify of ${parts.length} signatures at once (libuv thread pool)`,
    });
  }

  h.log('Veramo …');
  const agent = veramoVerifierAgent();
  expectVerified('Veramo on jwt_vc', await agent.verifyCredential({ credential: sharedJwt }));
  const nextForVeramo = cycle(jwtVcs);
  rows.push({
    name: VERAMO,
    ...(await h.measure(() => agent.verifyCredential({ credential: nextForVeramo() }), { minTimeMs: 300 })),
    compare: [{ against: RAW_ED25519 }],
    note: 'createAgent with DIDResolverPlugin(key-did-resolver) and CredentialPlugin([CredentialProviderJWT])',
  });

  h.log('Tradewind one at a time …');
  const verifier = createVerifier();
  const single = [
    ['jwt_vc', jwtVcs],
    ['vc+jwt', vcJwts],
  ];
  for (const [format, pool] of single) {
    const result = await verifier.verifyCredential(pool[0]);
    expectVerified(`Tradewind on ${format}`, result);
    if (result.format !== format) throw new Error(`Tradewind read a ${format} credential as ${result.format}`);
    const next = cycle(pool);
    rows.push({
      name: `Tradewind verifyCredential, ${format}`,
      ...(await h.measure(() => verifier.verifyCredential(next()))),
      compare: [
        { against: RAW_ED25519, target: { min: 0.6 } },
        { against: VERAMO, target: { min: 15 } },
      ],
      note:
        format === 'vc+jwt'
          ? 'createVerifier() instance, awaited one at a time; Veramo 7 cannot verify vc+jwt, so its jwt_vc figure stands in'
          : 'createVerifier() instance, awaited one at a time',
    });
  }
  {
    expectVerified('Tradewind function form', await verifyCredential(jwtVcs[1]));
    const next = cycle(jwtVcs);
    rows.push({
      name: 'Tradewind verifyCredential(), jwt_vc, function form',
      ...(await h.measure(() => verifyCredential(next()))),
      compare: [{ against: RAW_ED25519 }, { against: VERAMO }],
      note: 'the exported function without a verifier instance',
    });
  }

  h.log(`Tradewind batch of ${batchSize} …`);
  {
    const batchVerifier = createVerifier();
    const results = await batchVerifier.verifyCredentials(batchJwts);
    for (const [i, r] of results.entries()) expectVerified(`Tradewind batch item ${i}`, r);
    rows.push({
      name: `Tradewind verifyCredentials, ${batchSize} jwt_vc`,
      ...(await h.measureBatch(() => batchVerifier.verifyCredentials(batchJwts), batchSize)),
      compare: [{ against: RAW_ED25519, target: { min: 1.5 } }, { against: 'raw node:crypto Ed25519 verify, all in flight' }],
      note: `${batchSize} distinct credentials from one issuer, default concurrency`,
    });
    expectVerified('Tradewind function batch', (await verifyCredentials(batchJwts.slice(0, 10)))[0]);
  }

  h.log('Tradewind presentation …');
  {
    const options = { nonce: NONCE, audience: AUDIENCE };
    const result = await verifier.verifyPresentation(vps[0], options);
    expectVerified('Tradewind on jwt_vp', result);
    if (result.credentials.length !== 1) throw new Error(`expected one credential in the presentation, got ${result.credentials.length}`);
    const next = cycle(vps);
    rows.push({
      name: 'Tradewind verifyPresentation, jwt_vp with 1 jwt_vc',
      ...(await h.measure(() => verifier.verifyPresentation(next(), options))),
      compare: [{ against: RAW_ED25519, target: { min: 0.3 } }],
      note: 'holder signature, nonce, audience, holder binding and the embedded credential (two signatures)',
    });
  }

  h.log('cold start …');
  {
    const env = { BENCH_CREDENTIAL: jwtVcs[2] };
    const bare = await h.coldStart('console.log(performance.now())', { cwd: ROOT, env });
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
    const cold = await h.coldStart(script, { cwd: ROOT, env });
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
      const inherited = await h.coldStart(script, { cwd: ROOT, env, inheritEnv: true });
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
