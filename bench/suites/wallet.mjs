// Wallet storage and query speed: @tradewind/wallet's own indexed credential table
// against Veramo 7's generic data store (dataStoreSaveVerifiableCredential,
// dataStoreORMGetVerifiableCredentials, dataStoreGetVerifiableCredential) on SQLite —
// the same database file, opened by the same agent the wallet uses.
import { sign } from 'node:crypto';
import { join } from 'node:path';
import { verifyCredentials } from '@tradewind/verifier';
import { openWallet } from '@tradewind/wallet';
import { normalizeCredential } from 'did-jwt-vc';
import { ed25519DidKey, jwtVc, vcJwt } from '../lib/fixtures.mjs';
import { perCallMs } from '../lib/measure.mjs';

export const title = 'Wallet';

const VERAMO_SAVE = 'Veramo dataStoreSaveVerifiableCredential, SQLite';
const VERAMO_FIND = 'Veramo dataStoreORMGetVerifiableCredentials by type';
const VERAMO_GET = 'Veramo dataStoreGetVerifiableCredential by hash';
const TYPES = 100;

/**
 * Signed `vc+jwt` credentials made fast for the 100,000-row fill: header and payload
 * built here, Ed25519 signature from node:crypto.
 */
function signedFiller(issuer, count, offset) {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' })).toString('base64url');
  const out = [];
  for (let i = offset; i < offset + count; i++) {
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: `urn:uuid:00000000-0000-4000-a000-${String(i).padStart(12, '0')}`,
      type: ['VerifiableCredential', `Type${i % TYPES}`],
      issuer: issuer.did,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2036-01-01T00:00:00Z',
      credentialSubject: { id: `did:example:holder-${i}`, givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT' },
    };
    const payload = Buffer.from(JSON.stringify(credential)).toString('base64url');
    const signature = sign(null, Buffer.from(`${header}.${payload}`), issuer.privateKey).toString('base64url');
    out.push(`${header}.${payload}.${signature}`);
  }
  return out;
}

/**
 * What `storeVerified` takes for `count` filler credentials, verified before any timing
 * (the import row measures storage, not verification): the wallet's own `verifyAll`
 * results, or, for a wallet without it, each input with the verifier's result.
 */
async function verifiedFiller(wallet, issuer, count, offset) {
  const inputs = signedFiller(issuer, count, offset);
  if (typeof wallet.verifyAll === 'function') return wallet.verifyAll(inputs);
  const results = await verifyCredentials(inputs);
  return inputs.map((input, i) => ({ input, verification: results[i] }));
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const rows = [];
  const issuer = ed25519DidKey();
  const wallet = await openWallet({ path: join(h.tmpDir, 'wallet.db'), secret: 'bench secret' });
  try {
    const veramo = wallet.agent.veramo;
    // Every timed call gets inputs of its own, made before timing: the warm-up call and
    // each alternating round.
    const rounds = h.quick ? 2 : 3;
    const calls = rounds + 1;

    h.log('making credentials …');
    const veramoCount = h.quick ? 500 : 2_000;
    const veramoJwts = await Promise.all(
      Array.from({ length: veramoCount * calls }, (_, i) => jwtVc(issuer, `did:example:v-${i}`, 1_000_000 + i)),
    );
    const veramoVcs = veramoJwts.map((jwt) => normalizeCredential(jwt));
    let v = 0;
    const veramoSave = async () => {
      for (let i = 0; i < veramoCount; i++) await veramo.dataStoreSaveVerifiableCredential({ verifiableCredential: veramoVcs[v++] });
    };
    const batch = h.quick ? 2_000 : 10_000;
    let offset = 0;
    const prepared = [];
    for (let i = 0; i < calls; i++) {
      prepared.push(await verifiedFiller(wallet, issuer, batch, offset));
      offset += batch;
    }
    const receiveSize = h.quick ? 1_000 : 3_000;
    const toReceive = [];
    for (let r = 0; r < calls; r++) {
      toReceive.push(
        await Promise.all(
          Array.from({ length: receiveSize }, (_, i) => vcJwt(issuer, `did:example:r-${r}-${i}`, 2_000_000 + r * receiveSize + i)),
        ),
      );
    }

    h.log('storing: Veramo data store, storeVerified, receiveAll in alternating rounds …');
    const store = await h.measureInterleaved(
      {
        veramoSave: { fn: veramoSave, batch: veramoCount },
        storeVerified: { fn: () => wallet.storeVerified(prepared.shift()), batch },
        receiveAll: { fn: () => wallet.receiveAll(toReceive.shift()), batch: receiveSize },
      },
      { rounds },
    );
    rows.push(
      { name: VERAMO_SAVE, ...store.veramoSave, note: `${veramoCount} jwt_vc per round, one by one` },
      {
        name: 'wallet storeVerified (import of verified credentials)',
        ...store.storeVerified,
        target: { min: 5_000 },
        compare: [{ against: VERAMO_SAVE, target: { min: 5 } }],
        note: `batches of ${batch} vc+jwt verified before timing, one transaction each`,
      },
      {
        name: 'wallet receiveAll (verify + store)',
        ...store.receiveAll,
        target: { min: 3_000 },
        compare: [{ against: VERAMO_SAVE }],
        note: `batches of ${receiveSize} vc+jwt (signed before timing)`,
      },
    );

    const single = await Promise.all(Array.from({ length: 300 }, (_, i) => vcJwt(issuer, `did:example:s-${i}`, 3_000_000 + i)));
    let s = 0;
    rows.push({
      name: 'wallet receive, one at a time',
      ...(await h.measure(() => wallet.receive(single[s++ % single.length]), { minTimeMs: 200, rounds: 3 })),
      note: 'sequential calls (later rounds are duplicates: verify + de-duplicate)',
    });

    // Fill to 100,000 and query, Veramo's queries in the same rounds.
    const target = h.quick ? 20_000 : 100_000;
    h.log(`filling to ${target} …`);
    while ((await wallet.count()) < target) {
      const n = Math.min(10_000, target - (await wallet.count()));
      await wallet.storeVerified(await verifiedFiller(wallet, issuer, n, offset));
      offset += n;
    }
    const total = await wallet.count();
    const hashes = (await veramo.dataStoreORMGetVerifiableCredentials({ take: 200 })).map((c) => c.hash);
    const veramoTotal = await veramo.dataStoreORMGetVerifiableCredentialsCount();
    const ids = (await wallet.list({ limit: 1000, offset: Math.floor(total / 2) })).map((c) => c.id);
    const perType = (await wallet.find({ type: 'Type7' })).length;
    let t = 0;
    let g = 0;
    let k = 0;
    h.log('queries, all rows in alternating rounds …');
    const q = await h.measureInterleaved(
      {
        veramoFind: () =>
          veramo.dataStoreORMGetVerifiableCredentials({
            where: [{ column: 'type', value: ['VerifiableCredential,NationalIdCredential'] }],
            take: 100,
          }),
        veramoGet: () => veramo.dataStoreGetVerifiableCredential({ hash: hashes[g++ % hashes.length] }),
        findAll: () => wallet.find({ type: `Type${t++ % TYPES}` }),
        findPage: () => wallet.find({ type: `Type${t++ % TYPES}`, limit: 100 }),
        get: () => wallet.get(ids[k++ % ids.length]),
      },
      { minTimeMs: 300, rounds: 3 },
    );
    rows.push(
      { name: VERAMO_FIND, ...perCallMs(q.veramoFind), note: `${veramoTotal} credentials stored, first 100 of a type` },
      { name: VERAMO_GET, ...perCallMs(q.veramoGet), note: `${veramoTotal} credentials stored` },
      {
        name: 'wallet find by type (all matches)',
        ...perCallMs(q.findAll),
        target: { max: 20 },
        note: `${total} credentials stored, ${perType} match each type, all returned`,
      },
      {
        name: 'wallet find by type (first 100)',
        ...perCallMs(q.findPage),
        target: { max: 20 },
        compare: [{ against: VERAMO_FIND, target: { max: 1 } }],
        note: `${total} credentials stored`,
      },
      {
        name: 'wallet get by id',
        ...perCallMs(q.get),
        target: { max: 1 },
        compare: [{ against: VERAMO_GET, target: { max: 1 } }],
        note: `${total} credentials stored`,
      },
    );
  } finally {
    await wallet.close();
  }
  return rows;
}
