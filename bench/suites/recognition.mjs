// Cross-border verification: a recognition policy over a signed regional list plus a
// Bitstring Status List check, against raw node:crypto Ed25519 verify in the same run;
// and the one-off cost of building a verifier from a list of 1,000 issuers.
import { gzipSync } from 'node:zlib';
import { createVerifier } from '@tradewind/verifier';
import { SignJWT } from 'jose';
import { ed25519DidKey } from '../lib/fixtures.mjs';
import { RAW_ED25519 } from '../lib/harness.mjs';

export const title = 'Recognition';

const LIST_URL = 'https://registry.gov.tt/status/1';
const POOL = 1_000;
const ISSUERS = 1_000;

function signed(issuer, payload) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' }).sign(issuer.privateKey);
}

function recognitionList(anchor, entries) {
  return signed(anchor, {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'RecognitionList'],
    issuer: anchor.did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { sequence: 1, nextUpdate: '2036-01-01T00:00:00Z', entries },
  });
}

const entryFor = (did, i) => ({
  id: did,
  country: ['TT', 'BB', 'JM', 'GY', 'LC'][i % 5],
  name: `Issuing authority ${i}`,
  credentialTypes: ['NationalIdCredential', 'BirthCertificateCredential'],
  assuranceLevel: ['low', 'substantial', 'high'][i % 3],
});

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const anchor = ed25519DidKey();
  const tt = ed25519DidKey();
  const holder = ed25519DidKey();
  const others = Array.from({ length: ISSUERS - 1 }, () => ed25519DidKey());
  const list = await recognitionList(anchor, [
    { ...entryFor(tt.did, 0), assuranceLevel: 'high' },
    ...others.map((o, i) => entryFor(o.did, i)),
  ]);

  // 1,048,576-entry revocation list (128 KiB), a few bits set, signed by the TT issuer.
  const bits = Buffer.alloc(1_048_576 / 8);
  for (const i of [5, 77_777, 1_000_001]) bits[i >> 3] |= 1 << (7 - (i & 7));
  const statusList = await signed(tt, {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: LIST_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: tt.did,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2036-01-01T00:00:00Z',
    credentialSubject: {
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: `u${gzipSync(bits).toString('base64url')}`,
    },
  });

  h.log(`making ${POOL} vc+jwt with status …`);
  const credentials = await Promise.all(
    Array.from({ length: POOL }, (_, n) =>
      signed(tt, {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: `urn:uuid:00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
        type: ['VerifiableCredential', 'NationalIdCredential'],
        issuer: tt.did,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2036-01-01T00:00:00Z',
        credentialSubject: { id: holder.did, givenName: 'Asha', nationality: 'TT' },
        credentialStatus: {
          id: `${LIST_URL}#${1000 + n}`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: String(1000 + n),
          statusListCredential: LIST_URL,
        },
      }),
    ),
  );

  const policy = {
    anchors: [anchor.did],
    accept: [{ countries: '*', credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
  };
  const options = { policy, recognitionLists: [list], status: { lists: { [LIST_URL]: statusList } } };

  // Building: verify the 1,000-issuer list once and index it (what createVerifier defers to first use).
  const buildRounds = [];
  for (let i = 0; i < (h.quick ? 5 : 15); i++) {
    const t = performance.now();
    const v = createVerifier(options);
    const report = await v.recognitionStatus();
    buildRounds.push(performance.now() - t);
    if (report.lists[0]?.issuers !== ISSUERS) throw new Error(`list not loaded: ${JSON.stringify(report.problems)}`);
  }
  buildRounds.sort((a, b) => a - b);

  // First status check: decode (inflate) the 1,048,576-entry list once.
  const decodeRounds = [];
  for (let i = 0; i < (h.quick ? 5 : 15); i++) {
    const v = createVerifier(options);
    await v.recognitionStatus();
    const t = performance.now();
    const r = await v.verifyCredential(credentials[i]);
    decodeRounds.push(performance.now() - t);
    if (!r.verified) throw new Error(`first check failed: ${JSON.stringify(r.errors)}`);
  }
  decodeRounds.sort((a, b) => a - b);

  const verifier = createVerifier(options);
  let i = 0;
  const first = await verifier.verifyCredential(credentials[0]);
  if (!first.verified || first.recognition?.country !== 'TT') throw new Error(`does not verify: ${JSON.stringify(first)}`);
  // The baseline verifies the signing input of one of these very credentials (vc+jwt,
  // with its credentialStatus), in the same alternating rounds.
  const raw = h.baselines.rawEd25519For(credentials[0], tt.publicKey, 'vc+jwt with status');
  const m = await h.measureInterleaved({
    raw: raw.fn,
    steady: async () => {
      const r = await verifier.verifyCredential(credentials[i++ % POOL]);
      if (!r.verified) throw new Error(JSON.stringify(r.errors));
    },
  });

  const median = (xs) => xs[Math.floor(xs.length / 2)];
  return [
    { name: RAW_ED25519, ...m.raw, note: raw.note },
    {
      name: 'verify vc+jwt with recognition policy + status check',
      ...m.steady,
      note: `${ISSUERS}-issuer list, 1,048,576-entry status list, decoded once`,
      compare: [{ against: RAW_ED25519, target: { min: 0.6 } }],
    },
    { name: 'build verifier from a 1,000-issuer list', value: median(buildRounds), unit: 'ms', target: { max: 100 }, rounds: buildRounds },
    {
      name: 'first verification incl. status list decode (1,048,576 entries)',
      value: median(decodeRounds),
      unit: 'ms',
      target: { max: 20 },
      rounds: decodeRounds,
      note: 'the status list signature, inflate and the credential',
    },
  ];
}
