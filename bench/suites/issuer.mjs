// Issuance speed of @tradewind/issuer — every credential persisted with its status
// list index and issuance log row in SQLite — against Veramo 7's own
// createVerifiableCredential (the credential not persisted) in two set-ups: keys in
// SQLite encrypted with a SecretBox, as an agency keeps them (Veramo looks the key up
// and decrypts it on every signature), and everything in memory.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openIssuer } from '@tradewind/issuer';
import { createAgent } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDStore, Entities, KeyStore, migrations, PrivateKeyStore } from '@veramo/data-store';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem, SecretBox } from '@veramo/kms-local';
import { getResolver as getKeyResolver } from 'key-did-resolver';

export const title = 'Issuer';

const VERAMO = 'Veramo 7 createVerifiableCredential, jwt_vc, keys in SQLite';
const VERAMO_MEMORY = 'Veramo 7 createVerifiableCredential, jwt_vc, all in memory';
// typeorm is a dependency of the issuer package, not of the workspace root.
const { DataSource } = createRequire(import.meta.resolve('@tradewind/issuer'))('typeorm');
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

/** Veramo's documented agent set-up: data-store on SQLite, kms-local with a SecretBox. */
async function veramoSqliteAgent(path) {
  const db = await new DataSource({
    type: 'sqlite',
    database: path,
    entities: Entities,
    migrations,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  }).initialize();
  const secretBox = new SecretBox(await SecretBox.createSecretKey());
  const agent = createAgent({
    plugins: [
      new KeyManager({ store: new KeyStore(db), kms: { local: new KeyManagementSystem(new PrivateKeyStore(db, secretBox)) } }),
      new DIDManager({
        store: new DIDStore(db),
        defaultProvider: 'did:key',
        providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ ...getKeyResolver() }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
  return { agent, close: () => db.destroy() };
}

function veramoMemoryAgent() {
  return createAgent({
    plugins: [
      new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
      new DIDManager({
        store: new MemoryDIDStore(),
        defaultProvider: 'did:key',
        providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ ...getKeyResolver() }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
}

/** Veramo issuing one credential with a fresh did:key of `agent`, as its documentation shows. */
async function veramoIssuer(agent, counter) {
  const identifier = await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } });
  const issue = () =>
    agent.createVerifiableCredential({
      credential: {
        issuer: { id: identifier.did },
        type: ['VerifiableCredential', 'NationalIdCredential'],
        credentialSubject: { id: HOLDER, givenName: 'Ana', n: counter.n++ },
      },
      proofFormat: 'jwt',
    });
  await issue();
  return issue;
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const counter = { n: 0 };
  const sqlite = await veramoSqliteAgent(join(h.tmpDir, 'veramo.db'));
  const issuer = await openIssuer({
    path: join(h.tmpDir, 'issuer.db'),
    secret: 'bench secret',
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  try {
    const veramoSqlite = await veramoIssuer(sqlite.agent, counter);
    const veramoMemory = await veramoIssuer(veramoMemoryAgent(), counter);
    await issuer.createDid({ keyType: 'Ed25519' });
    const subject = () => ({ id: HOLDER, givenName: 'Ana', familyName: 'Joseph', n: counter.n++ });
    const one = (format) => () => issuer.issue({ type: 'NationalIdCredential', format, credentialSubject: subject() });

    const size = h.quick ? 4_000 : 20_000;
    let batch = 0;
    const extract = () => {
      batch += 1;
      return Array.from({ length: size }, (_, i) =>
        JSON.stringify({ recordKey: `b${batch}-${i}`, subjectId: `did:example:${batch}-${i}`, givenName: 'Ana', familyName: 'Joseph' }),
      ).join('\n');
    };
    const runBatch = (format) => async () => {
      const result = await issuer.issueBatch(
        { text: extract(), format: 'jsonl' },
        { type: 'NationalIdCredential', format, transactionSize: 1_000 },
      );
      if (result.issued !== size) throw new Error(`batch issued ${result.issued} of ${size}`);
    };

    h.log('Veramo and Tradewind issuance, all rows in alternating rounds …');
    const m = await h.measureInterleaved(
      {
        veramoSqlite,
        veramoMemory,
        oneVcJwt: one('vc+jwt'),
        oneJwtVc: one('jwt_vc'),
        batchVcJwt: { fn: runBatch('vc+jwt'), batch: size },
        batchJwtVc: { fn: runBatch('jwt_vc'), batch: size },
      },
      { minTimeMs: 300, rounds: h.quick ? 2 : 3 },
    );

    const rows = [
      {
        name: VERAMO,
        ...m.veramoSqlite,
        note: 'data-store KeyStore/DIDStore/PrivateKeyStore(SecretBox) on sqlite3, kms-local, CredentialProviderJWT; credential not saved',
      },
      { name: VERAMO_MEMORY, ...m.veramoMemory, note: 'memory key/DID stores, kms-local, CredentialProviderJWT' },
    ];
    for (const [format, key] of [
      ['vc+jwt', 'oneVcJwt'],
      ['jwt_vc', 'oneJwtVc'],
    ]) {
      rows.push({
        name: `issue one ${format}, persisted (status + log)`,
        ...m[key],
        compare: [{ against: VERAMO }, { against: VERAMO_MEMORY }],
        note: 'one SQLite transaction per credential: index allocation, status entry, log row',
      });
    }
    for (const [format, key] of [
      ['vc+jwt', 'batchVcJwt'],
      ['jwt_vc', 'batchJwtVc'],
    ]) {
      rows.push({
        name: `issueBatch ${format}, persisted (status + log)`,
        ...m[key],
        compare: [{ against: VERAMO, target: { min: 15 } }, { against: VERAMO_MEMORY }],
        note: `${size} JSONL records per round: parse, validate, transactions of 1000`,
      });
    }
    return rows;
  } finally {
    await issuer.close();
    await sqlite.close();
  }
}
