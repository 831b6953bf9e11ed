// Verifying Data Integrity credentials with @tradewind/verifier, against raw node:crypto
// Ed25519 verify of the same signing input and against @digitalbazaar/vc 7.3
// verifyCredential of the very same credentials, all in alternating rounds. The
// credentials come from @digitalbazaar/vc (an independent producer): an eddsa-rdfc-2022
// DataIntegrityProof (VCDM 2.0, Multikey) and an Ed25519Signature2020 (VCDM 1.1), each
// from its own Ed25519 did:key issuer. Every credential is distinct (its id, subject and
// dates) but all share one shape, as a verifier sees them from one issuer.
import { createPublicKey, verify } from 'node:crypto';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import multikeyContext from '@digitalbazaar/multikey-context';
import securityContext from '@digitalbazaar/security-context';
import * as vc from '@digitalbazaar/vc';
import { createVerifier } from '@tradewind/verifier';
import didContext from 'did-context';
import ed25519Context from 'ed25519-signature-2020-context';
import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';
import { RAW_ED25519 } from '../lib/harness.mjs';

export const title = 'Data Integrity';

export const RAW_ROW = RAW_ED25519;
export const DB_EDDSA = '@digitalbazaar/vc 7.3 verifyCredential, eddsa-rdfc-2022';
export const DB_2020 = '@digitalbazaar/vc 7.3 verifyCredential, Ed25519Signature2020';
export const OURS_EDDSA = 'Tradewind verifyCredential, eddsa-rdfc-2022';
export const OURS_2020 = 'Tradewind verifyCredential, Ed25519Signature2020';
export const BATCH_CONCURRENCY = 8;
export const oursBatch = (n) => `Tradewind verifyCredentials, ${n} eddsa-rdfc-2022, concurrency ${BATCH_CONCURRENCY}`;
export const oursBatchRefused = (n) => `Tradewind verifyCredentials, ${n} eddsa-rdfc-2022, default concurrency: refused`;
export const RDF_CANONIZE = 'rdf-canonize 5 RDFC-1.0 of the credential quads';
export const JSONLD_CANONIZE = 'jsonld 9 canonize of the credential';

/**
 * Distinct credentials of each suite, cycled through by every row (the batch row takes
 * the eddsa-rdfc-2022 ones at once). More than any cache of the verifier keeps per
 * credential (16 canonicalisation templates per document shape), so that no call is served
 * because its credential was seen before: what is reused is what credentials of one
 * shape share, as in a verifier's real work.
 */
const POOL = 1_000;
const QUICK_POOL = 100;

/** The credential type's own context, as an issuer publishes one (given to both verifiers offline). */
export const NATIONAL_ID_CONTEXT_URL = 'https://id.gov.example/contexts/national-id/v1';
export const NATIONAL_ID_CONTEXT = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    NationalIdCredential: 'https://id.gov.example/vocab#NationalIdCredential',
    givenName: 'https://schema.org/givenName',
    familyName: 'https://schema.org/familyName',
    nationality: 'https://id.gov.example/vocab#nationality',
    birthDate: { '@id': 'https://schema.org/birthDate', '@type': 'http://www.w3.org/2001/XMLSchema#date' },
  },
};

const CONTEXTS = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...ed25519Context.contexts,
  ...didContext.contexts,
  ...securityContext.contexts,
  [NATIONAL_ID_CONTEXT_URL, NATIONAL_ID_CONTEXT],
]);

/**
 * @digitalbazaar/vc's documentLoader: the installed context packages and the credential
 * type's context, tagged `static` as its own loader (jsonld-signatures'
 * extendContextLoader) tags its built-in ones, so jsonld keeps them resolved across
 * calls; and the issuers' did:key documents and verification methods (copies). All in
 * memory; anything else throws, so nothing is fetched.
 */
function staticLoader(documents) {
  return async (url) => {
    const context = CONTEXTS.get(url);
    if (context !== undefined) return { contextUrl: null, documentUrl: url, document: context, tag: 'static' };
    const document = documents.get(url);
    if (document === undefined) throw new Error(`not available offline: ${url}`);
    return { contextUrl: null, documentUrl: url, document: structuredClone(document) };
  };
}

/** A did:key issuer whose DID document lists its Ed25519 key as `type` (Multikey or Ed25519VerificationKey2020). */
async function didKeyIssuer(type, documents) {
  const keyPair = type === 'Multikey' ? await Ed25519Multikey.generate() : await Ed25519VerificationKey2020.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  const keyContext = type === 'Multikey' ? 'https://w3id.org/security/multikey/v1' : 'https://w3id.org/security/suites/ed25519-2020/v1';
  const method = { id: keyPair.id, type, controller: did, publicKeyMultibase: keyPair.publicKeyMultibase };
  documents.set(did, {
    '@context': ['https://www.w3.org/ns/did/v1', keyContext],
    id: did,
    verificationMethod: [method],
    assertionMethod: [method.id],
    authentication: [method.id],
  });
  documents.set(method.id, { '@context': keyContext, ...method });
  const jwk = await Ed25519Multikey.toJwk({ keyPair: await Ed25519Multikey.from(method) });
  return { did, keyPair, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) };
}

const HOUR = 3_600_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Credential `i` of one shape: its own id, subject and dates. */
function credential(kind, issuer, i) {
  const issued = START + i * HOUR;
  const subject = {
    id: `did:example:citizen-${String(i).padStart(6, '0')}`,
    givenName: 'Asha',
    familyName: 'Ramdial',
    nationality: 'TT',
    birthDate: iso(Date.parse('1990-04-12T00:00:00Z') + (i % 3_000) * 24 * HOUR).slice(0, 10),
  };
  const common = {
    id: `urn:uuid:00000000-0000-4000-a000-${String(i).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: issuer.did,
  };
  if (kind === 'eddsa-rdfc-2022') {
    return {
      '@context': ['https://www.w3.org/ns/credentials/v2', NATIONAL_ID_CONTEXT_URL],
      ...common,
      validFrom: iso(issued),
      validUntil: iso(issued + 10 * 365 * 24 * HOUR),
      credentialSubject: subject,
    };
  }
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/ed25519-2020/v1', NATIONAL_ID_CONTEXT_URL],
    ...common,
    issuanceDate: iso(issued),
    expirationDate: iso(issued + 10 * 365 * 24 * HOUR),
    credentialSubject: subject,
  };
}

/**
 * `n` distinct credentials of each suite, issued with @digitalbazaar/vc; the loader that
 * verifies them with it; and the first eddsa-rdfc-2022 credential's signing input
 * (the 64 bytes the suite signs: two SHA-256 digests) and signature, for the raw row.
 */
export async function makeCredentials(n) {
  const documents = new Map();
  const documentLoader = staticLoader(documents);
  const multikeyIssuer = await didKeyIssuer('Multikey', documents);
  const ed2020Issuer = await didKeyIssuer('Ed25519VerificationKey2020', documents);
  let signed;
  const capturing = (signer) => ({
    algorithm: signer.algorithm,
    id: signer.id,
    async sign({ data }) {
      const signature = await signer.sign({ data });
      signed ??= { data: Uint8Array.from(data), signature: Uint8Array.from(signature) };
      return signature;
    },
  });
  const eddsa = [];
  const ed2020 = [];
  for (let i = 0; i < n; i++) {
    const date = iso(START + i * HOUR);
    const diSuite = new DataIntegrityProof({ signer: capturing(multikeyIssuer.keyPair.signer()), cryptosuite: eddsaRdfc2022, date });
    eddsa.push(await vc.issue({ credential: credential('eddsa-rdfc-2022', multikeyIssuer, i), suite: diSuite, documentLoader }));
    const suite2020 = new Ed25519Signature2020({ signer: ed2020Issuer.keyPair.signer(), date });
    ed2020.push(await vc.issue({ credential: credential('Ed25519Signature2020', ed2020Issuer, i), suite: suite2020, documentLoader }));
  }
  return { eddsa, ed2020, documentLoader, signed, multikeyIssuer, ed2020Issuer };
}

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
  const pool = h.quick ? QUICK_POOL : POOL;
  h.log(`making ${pool} eddsa-rdfc-2022 and ${pool} Ed25519Signature2020 credentials with @digitalbazaar/vc …`);
  const { eddsa, ed2020, documentLoader, signed, multikeyIssuer } = await makeCredentials(pool);

  // Raw: the signature alone, over the very bytes the first credential's proof signs.
  const rawKey = createPublicKey({ key: multikeyIssuer.publicKey.export({ format: 'jwk' }), format: 'jwk' });
  if (!verify(null, signed.data, rawKey, signed.signature)) throw new Error('raw baseline: the eddsa-rdfc-2022 signature does not verify');
  const raw = () => verify(null, signed.data, rawKey, signed.signature);

  // Every operation is checked before it is timed, on what it will be timed on.
  const dbEddsaSuite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const db2020Suite = new Ed25519Signature2020();
  const theirs = async (credential, suite) =>
    expectVerified('@digitalbazaar/vc', await vc.verifyCredential({ credential, suite, documentLoader }));
  // It verifies every credential once before the timing: all of them verify, and the
  // library's JIT-compiled paths are warm (its first few hundred calls run at half speed,
  // longer than the harness's own warm-up). Ours is checked on the first of each here;
  // every timed call of either checks its result.
  for (let i = 0; i < pool; i++) {
    await theirs(eddsa[i], dbEddsaSuite);
    await theirs(ed2020[i], db2020Suite);
  }

  const verifier = createVerifier({ dataIntegrity: { contexts: { [NATIONAL_ID_CONTEXT_URL]: NATIONAL_ID_CONTEXT } } });
  const ours = async (credential) => expectVerified('Tradewind', await verifier.verifyCredential(credential));
  for (const c of [eddsa[0], ed2020[0]]) {
    const result = await verifier.verifyCredential(c);
    expectVerified('Tradewind', result);
    if (result.format !== 'di' || result.issuer !== c.issuer || result.subject !== c.credentialSubject.id)
      throw new Error(`Tradewind verified ${c.proof.type} as something else: ${JSON.stringify(result)}`);
  }
  // The batch at its default concurrency (256 in flight) once: each credential's JSON-LD
  // time limit is wall-clock time, which then includes the others' work, so on a busy
  // machine some are refused (LIMIT_EXCEEDED). Counted, not timed; the timed batch below
  // keeps fewer in flight.
  const atDefault = await verifier.verifyCredentials(eddsa);
  const refused = atDefault.filter((r) => r.verified !== true);
  const refusedCodes = [...new Set(refused.flatMap((r) => r.errors?.map((e) => e.code) ?? []))];
  const ourBatch = async () => {
    const results = await verifier.verifyCredentials(eddsa, { concurrency: BATCH_CONCURRENCY });
    for (const r of results) expectVerified('Tradewind batch', r);
  };
  await ourBatch();

  // Canonicalisation alone: the unsigned credential's quads (made once by jsonld), and
  // the whole JSON-LD canonicalisation (expansion and toRDF included), safe mode, with
  // the same static loader.
  const unsigned = eddsa.map(({ proof, ...rest }) => rest);
  const datasets = await Promise.all(unsigned.map((d) => jsonld.toRDF(d, { documentLoader, safe: true })));
  const quads = datasets[0].length;
  const canonOptions = { algorithm: 'RDFC-1.0', documentLoader, safe: true };

  const nextEddsa = { theirs: cycle(eddsa), ours: cycle(eddsa) };
  const next2020 = { theirs: cycle(ed2020), ours: cycle(ed2020) };
  const nextDataset = cycle(datasets);
  const nextUnsigned = cycle(unsigned);
  h.log('measuring, all rows in alternating rounds …');
  const m = await h.measureInterleaved({
    raw,
    dbEddsa: () => theirs(nextEddsa.theirs(), dbEddsaSuite),
    db2020: () => theirs(next2020.theirs(), db2020Suite),
    oursEddsa: () => ours(nextEddsa.ours()),
    ours2020: () => ours(next2020.ours()),
    batch: { fn: ourBatch, batch: eddsa.length },
    rdfc: () => rdfCanonize.canonize(nextDataset(), { algorithm: 'RDFC-1.0' }),
    jsonld: () => jsonld.canonize(nextUnsigned(), canonOptions),
  });

  return [
    {
      name: RAW_ROW,
      ...m.raw,
      note: `sync crypto.verify over the ${signed.data.length}-byte eddsa-rdfc-2022 signing input (two SHA-256 digests); Ed25519Signature2020 signs the same size`,
    },
    {
      name: DB_EDDSA,
      ...m.dbEddsa,
      compare: [{ against: RAW_ROW }],
      note: 'DataIntegrityProof + eddsa-rdfc-2022 cryptosuite, static documentLoader (installed context packages, did:key documents), no status',
    },
    {
      name: DB_2020,
      ...m.db2020,
      compare: [{ against: RAW_ROW }],
      note: 'Ed25519Signature2020 suite, the same loader, no status',
    },
    {
      name: OURS_EDDSA,
      ...m.oursEddsa,
      compare: [{ against: RAW_ROW }, { against: DB_EDDSA, target: { min: 3 } }],
      note: `createVerifier() instance, the same ${pool} credentials (VCDM 2.0, did:key Multikey issuer, the type's context given as an option)`,
    },
    {
      name: OURS_2020,
      ...m.ours2020,
      compare: [{ against: RAW_ROW }, { against: DB_2020, target: { min: 3 } }],
      note: `the same ${pool} credentials (VCDM 1.1, did:key issuer)`,
    },
    {
      name: oursBatch(eddsa.length),
      ...m.batch,
      compare: [{ against: RAW_ROW }, { against: DB_EDDSA }, { against: OURS_EDDSA }],
      note: `the batch form, the same ${pool} credentials at once, ${BATCH_CONCURRENCY} in flight`,
    },
    {
      name: oursBatchRefused(eddsa.length),
      value: refused.length,
      unit: 'count',
      target: { max: 0 },
      note: `one call before the rounds, 256 in flight (the default): ${refused.length === 0 ? 'none refused' : `refused with ${refusedCodes.join(', ')}`}`,
    },
    {
      name: RDF_CANONIZE,
      ...m.rdfc,
      compare: [{ against: RAW_ROW }],
      note: `canonize() of the unsigned credential's ${quads} quads (jsonld.toRDF made them beforehand): the RDFC-1.0 part alone`,
    },
    {
      name: JSONLD_CANONIZE,
      ...m.jsonld,
      compare: [{ against: RAW_ROW }, { against: RDF_CANONIZE }],
      note: 'jsonld.canonize of the unsigned credential, safe mode, static loader: expansion, toRDF and RDFC-1.0',
    },
  ];
}
