// Issuance speed of @tradewind/issuer — every credential persisted with its status
// list index and issuance log row in SQLite — against Veramo 7's own
// createVerifiableCredential with in-memory stores (nothing persisted), the way
// Veramo's documentation sets up an issuing agent.
import { join } from 'node:path';
import { openIssuer } from '@tradewind/issuer';
import { createAgent } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { getResolver as getKeyResolver } from 'key-did-resolver';

export const title = 'Issuer';

const VERAMO = 'Veramo 7 createVerifiableCredential, jwt_vc, in memory';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

function veramoIssuerAgent() {
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

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const rows = [];
  let n = 0;

  h.log('Veramo createVerifiableCredential …');
  const veramo = veramoIssuerAgent();
  const identifier = await veramo.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } });
  const veramoIssue = () =>
    veramo.createVerifiableCredential({
      credential: {
        issuer: { id: identifier.did },
        type: ['VerifiableCredential', 'NationalIdCredential'],
        credentialSubject: { id: HOLDER, givenName: 'Ana', n: n++ },
      },
      proofFormat: 'jwt',
    });
  await veramoIssue();
  rows.push({
    name: VERAMO,
    ...(await h.measure(veramoIssue, { minTimeMs: 300 })),
    note: 'KeyManager(kms-local, memory stores), DIDManager(did:key), CredentialPlugin([CredentialProviderJWT])',
  });

  const issuer = await openIssuer({
    path: join(h.tmpDir, 'issuer.db'),
    secret: 'bench secret',
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  try {
    await issuer.createDid({ keyType: 'Ed25519' });
    const subject = () => ({ id: HOLDER, givenName: 'Ana', familyName: 'Joseph', n: n++ });

    h.log('Tradewind issue one at a time …');
    for (const format of ['vc+jwt', 'jwt_vc']) {
      const one = () => issuer.issue({ type: 'NationalIdCredential', format, credentialSubject: subject() });
      await one();
      rows.push({
        name: `issue one ${format}, persisted (status + log)`,
        ...(await h.measure(one, { minTimeMs: 300 })),
        compare: [{ against: VERAMO }],
        note: 'one SQLite transaction per credential: index allocation, status entry, log row',
      });
    }

    h.log('Tradewind issueBatch …');
    const size = h.quick ? 4_000 : 20_000;
    let batch = 0;
    const extract = () => {
      batch += 1;
      return Array.from({ length: size }, (_, i) =>
        JSON.stringify({ recordKey: `b${batch}-${i}`, subjectId: `did:example:${batch}-${i}`, givenName: 'Ana', familyName: 'Joseph' }),
      ).join('\n');
    };
    for (const format of ['vc+jwt', 'jwt_vc']) {
      const runBatch = async () => {
        const result = await issuer.issueBatch(
          { text: extract(), format: 'jsonl' },
          { type: 'NationalIdCredential', format, transactionSize: 1_000 },
        );
        if (result.issued !== size) throw new Error(`batch issued ${result.issued} of ${size}`);
      };
      rows.push({
        name: `issueBatch ${format}, persisted (status + log)`,
        ...(await h.measureBatch(runBatch, size, { rounds: h.quick ? 2 : 3 })),
        compare: [{ against: VERAMO, target: { min: 15 } }],
        note: `${size} JSONL records: parse, validate, transactions of 1000`,
      });
    }
  } finally {
    await issuer.close();
  }
  return rows;
}
