// Wallet storage and query speed: @tradewind/wallet's own indexed credential table
// against Veramo 7's generic data store (dataStoreSaveVerifiableCredential,
// dataStoreORMGetVerifiableCredentials, dataStoreGetVerifiableCredential) on SQLite —
// the same database file, opened by the same agent the wallet uses.
import { sign } from 'node:crypto';
import { join } from 'node:path';
import { openWallet } from '@tradewind/wallet';
import { normalizeCredential } from 'did-jwt-vc';
import { ed25519DidKey, jwtVc, vcJwt } from '../lib/fixtures.mjs';

export const title = 'Wallet';

const VERAMO_SAVE = 'Veramo dataStoreSaveVerifiableCredential, SQLite';
const VERAMO_FIND = 'Veramo dataStoreORMGetVerifiableCredentials by type';
const VERAMO_GET = 'Veramo dataStoreGetVerifiableCredential by hash';
const TYPES = 100;

/**
 * Signed `vc+jwt` credentials made fast for the 100,000-row fill: header and payload
 * built here, Ed25519 signature from node:crypto, and the verification result as the
 * verifier would return it (the fill measures storage and queries, not verification).
 */
function filler(issuer, count, offset) {
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
    out.push({
      input: `${header}.${payload}.${signature}`,
      verification: {
        verified: true,
        format: 'vc+jwt',
        credential,
        issuer: issuer.did,
        subject: credential.credentialSubject.id,
        keyId: issuer.kid,
        validFrom: new Date(credential.validFrom),
        validUntil: new Date(credential.validUntil),
        warnings: [],
        header: { alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' },
        payload: credential,
      },
    });
  }
  return out;
}

const asMs = (m) => ({ value: 1000 / m.value, unit: 'ms', rounds: m.rounds.map((r) => 1000 / r) });

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const rows = [];
  const issuer = ed25519DidKey();
  const wallet = await openWallet({ path: join(h.tmpDir, 'wallet.db'), secret: 'bench secret' });
  try {
    const veramo = wallet.agent.veramo;

    // Veramo's generic store, on the same file through the same agent.
    h.log('Veramo data store …');
    const veramoCount = h.quick ? 500 : 2_000;
    const veramoJwts = await Promise.all(
      Array.from({ length: veramoCount * 2 }, (_, i) => jwtVc(issuer, `did:example:v-${i}`, 1_000_000 + i)),
    );
    const veramoVcs = veramoJwts.map((jwt) => normalizeCredential(jwt));
    let v = 0;
    const veramoSave = async () => {
      for (let i = 0; i < veramoCount; i++)
        await veramo.dataStoreSaveVerifiableCredential({ verifiableCredential: veramoVcs[v++ % veramoVcs.length] });
    };
    rows.push({
      name: VERAMO_SAVE,
      ...(await h.measureBatch(veramoSave, veramoCount, { rounds: 1 })),
      note: `${veramoCount} jwt_vc, one by one`,
    });
    const hashes = (await veramo.dataStoreORMGetVerifiableCredentials({ take: 200 })).map((c) => c.hash);
    const veramoTotal = await veramo.dataStoreORMGetVerifiableCredentialsCount();
    const veramoFind = () =>
      veramo.dataStoreORMGetVerifiableCredentials({
        where: [{ column: 'type', value: ['VerifiableCredential,NationalIdCredential'] }],
        take: 100,
      });
    rows.push({
      name: VERAMO_FIND,
      ...asMs(await h.measure(veramoFind, { minTimeMs: 200, rounds: 3 })),
      note: `${veramoTotal} credentials stored, first 100 of a type`,
    });
    let g = 0;
    const veramoGet = () => veramo.dataStoreGetVerifiableCredential({ hash: hashes[g++ % hashes.length] });
    rows.push({
      name: VERAMO_GET,
      ...asMs(await h.measure(veramoGet, { minTimeMs: 200, rounds: 3 })),
      note: `${veramoTotal} credentials stored`,
    });

    // Import of already verified credentials.
    h.log('wallet storeVerified …');
    const batch = h.quick ? 2_000 : 10_000;
    let offset = 0;
    const prepared = [];
    for (let i = 0; i < 4; i++) {
      prepared.push(filler(issuer, batch, offset));
      offset += batch;
    }
    const importBatch = async () => {
      await wallet.storeVerified(prepared.shift());
    };
    rows.push({
      name: 'wallet storeVerified (import of verified credentials)',
      ...(await h.measureBatch(importBatch, batch, { rounds: 3 })),
      target: { min: 5_000 },
      compare: [{ against: VERAMO_SAVE, target: { min: 5 } }],
      note: `batches of ${batch} vc+jwt with their verification results, one transaction each`,
    });

    // Receive with verification.
    h.log('wallet receiveAll …');
    const receiveSize = h.quick ? 1_000 : 3_000;
    let r = 0;
    const receiveBatch = async () => {
      const jwts = await Promise.all(
        Array.from({ length: receiveSize }, (_, i) => vcJwt(issuer, `did:example:r-${r}-${i}`, 2_000_000 + r * receiveSize + i)),
      );
      r++;
      const t = performance.now();
      await wallet.receiveAll(jwts);
      return performance.now() - t;
    };
    const receiveTimes = [];
    await receiveBatch();
    for (let i = 0; i < 3; i++) receiveTimes.push(await receiveBatch());
    receiveTimes.sort((a, b) => a - b);
    rows.push({
      name: 'wallet receiveAll (verify + store)',
      value: receiveSize / ((receiveTimes[1] ?? 1) / 1000),
      unit: 'ops/s',
      rounds: receiveTimes.map((t) => receiveSize / (t / 1000)),
      target: { min: 3_000 },
      compare: [{ against: VERAMO_SAVE }],
      note: `batches of ${receiveSize} vc+jwt (signing them is not timed)`,
    });
    const single = await Promise.all(Array.from({ length: 300 }, (_, i) => vcJwt(issuer, `did:example:s-${i}`, 3_000_000 + i)));
    let s = 0;
    rows.push({
      name: 'wallet receive, one at a time',
      ...(await h.measure(() => wallet.receive(single[s++ % single.length]), { minTimeMs: 200, rounds: 3 })),
      note: 'sequential calls (later rounds are duplicates: verify + de-duplicate)',
    });

    // Fill to 100,000 and query.
    const target = h.quick ? 20_000 : 100_000;
    h.log(`filling to ${target} …`);
    while ((await wallet.count()) < target) {
      const n = Math.min(10_000, target - (await wallet.count()));
      await wallet.storeVerified(filler(issuer, n, offset));
      offset += n;
    }
    const total = await wallet.count();
    let t = 0;
    const findAll = () => wallet.find({ type: `Type${t++ % TYPES}` });
    const perType = (await wallet.find({ type: 'Type7' })).length;
    rows.push({
      name: 'wallet find by type (all matches)',
      ...asMs(await h.measure(findAll, { minTimeMs: 300, rounds: 3 })),
      target: { max: 20 },
      note: `${total} credentials stored, ${perType} match each type, all returned`,
    });
    const findPage = () => wallet.find({ type: `Type${t++ % TYPES}`, limit: 100 });
    rows.push({
      name: 'wallet find by type (first 100)',
      ...asMs(await h.measure(findPage, { minTimeMs: 300, rounds: 3 })),
      target: { max: 20 },
      compare: [{ against: VERAMO_FIND, target: { max: 1 } }],
      note: `${total} credentials stored`,
    });
    const ids = (await wallet.list({ limit: 1000, offset: Math.floor(total / 2) })).map((c) => c.id);
    let k = 0;
    rows.push({
      name: 'wallet get by id',
      ...asMs(await h.measure(() => wallet.get(ids[k++ % ids.length]), { minTimeMs: 300, rounds: 3 })),
      target: { max: 1 },
      compare: [{ against: VERAMO_GET, target: { max: 1 } }],
      note: `${total} credentials stored`,
    });
  } finally {
    await wallet.close();
  }
  return rows;
}
