// Verifying an SD-JWT VC presentation (five disclosures and a key-binding JWT) with
// @tradewind/verifier, against raw node:crypto Ed25519 verify of the same issuer JWT's
// signing input and against @sd-jwt/sd-jwt-vc's own verify of the very same
// presentations, all in alternating rounds. The presentations come from
// @sd-jwt/sd-jwt-vc (an independent producer): a did:key issuer, a holder key in `cnf`.
import { createPublicKey, sign, verify } from 'node:crypto';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { createVerifier } from '@tradewind/verifier';
import { ed25519DidKey } from '../lib/fixtures.mjs';
import { RAW_ED25519 } from '../lib/harness.mjs';

export const title = 'SD-JWT VC';

export const SD_JWT_VC_LIBRARY = '@sd-jwt/sd-jwt-vc 0.19.0 verify, KB required';
export const TRADEWIND_PRESENTATION = 'Tradewind verifyPresentation, dc+sd-jwt, 5 disclosures + KB';
export const TRADEWIND_CREDENTIAL = 'Tradewind verifyCredential, dc+sd-jwt, all 9 disclosures, no KB';
export const RAW_ROW = RAW_ED25519;

const POOL = 500; // distinct presentations cycled through by every row
const NONCE = 'n-4c1d2e9f7a';
const AUDIENCE = 'https://bank.example.bb';
/** The claims the holder discloses: five of the nine selectively disclosable ones. */
export const DISCLOSED = ['given_name', 'family_name', 'nationality', 'birthdate', 'age_over_18'];

const cycle = (items) => {
  let i = 0;
  return () => items[i++ % items.length];
};

const ed25519Signer = (privateKey) => (data) => sign(null, Buffer.from(data), privateKey).toString('base64url');
const ed25519Verifier = (publicKey) => (data, signature) => verify(null, Buffer.from(data), publicKey, Buffer.from(signature, 'base64url'));

/**
 * `n` distinct SD-JWT VCs from one Ed25519 did:key issuer, bound to one Ed25519 holder
 * key (`cnf.jwk`), each presented with five disclosures and a key-binding JWT; and an
 * @sd-jwt/sd-jwt-vc instance set up to verify them (issuer key and holder key known).
 */
export async function makePresentations(n) {
  const issuer = ed25519DidKey();
  const holder = ed25519DidKey();
  const holderJwk = holder.publicKey.export({ format: 'jwk' });
  const sdjwt = new SDJwtVcInstance({
    signer: ed25519Signer(issuer.privateKey),
    signAlg: 'EdDSA',
    verifier: ed25519Verifier(issuer.publicKey),
    kbSigner: ed25519Signer(holder.privateKey),
    kbSignAlg: 'EdDSA',
    // The library hands the verifier the issuer payload; the holder key is its cnf.jwk.
    kbVerifier: (data, signature, payload) => ed25519Verifier(createPublicKey({ key: payload.cnf.jwk, format: 'jwk' }))(data, signature),
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
  const iat = Math.floor(Date.now() / 1000);
  const credentials = [];
  const presentations = [];
  for (let i = 0; i < n; i++) {
    const credential = await sdjwt.issue(
      {
        iss: issuer.did,
        iat,
        exp: iat + 365 * 86_400,
        vct: 'NationalIdCredential',
        cnf: { jwk: holderJwk },
        given_name: 'Asha',
        family_name: 'Ramdial',
        birthdate: '1990-04-12',
        nationality: 'TT',
        place_of_birth: 'San Fernando',
        document_number: `TT-${String(i).padStart(8, '0')}`,
        address: { locality: 'Port of Spain', country: 'TT' },
        age_over_18: true,
        age_over_21: true,
      },
      {
        _sd: [
          'given_name',
          'family_name',
          'birthdate',
          'nationality',
          'place_of_birth',
          'document_number',
          'address',
          'age_over_18',
          'age_over_21',
        ],
      },
      { header: { kid: issuer.kid } },
    );
    credentials.push(credential);
    presentations.push(
      await sdjwt.present(credential, Object.fromEntries(DISCLOSED.map((name) => [name, true])), {
        kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: AUDIENCE, nonce: NONCE } },
      }),
    );
  }
  return { issuer, holder, sdjwt, credentials, presentations };
}

function expectVerified(what, result) {
  if (result?.verified !== true) {
    throw new Error(`${what} did not verify, so its timing would be of the failure path: ${JSON.stringify(result?.errors ?? result)}`);
  }
}

/** @param {import('../lib/harness.mjs').Harness} h */
export default async function run(h) {
  const pool = h.quick ? 50 : POOL;
  h.log(`making ${pool} SD-JWT VCs and presentations with @sd-jwt/sd-jwt-vc …`);
  const { issuer, sdjwt, credentials, presentations } = await makePresentations(pool);

  // Every operation is checked before it is timed, on what it will be timed on.
  const first = presentations[0];
  const disclosures = first.split('~').length - 2;
  if (disclosures !== DISCLOSED.length) throw new Error(`the presentation has ${disclosures} disclosures, not ${DISCLOSED.length}`);
  const raw = h.baselines.rawEd25519For(first.slice(0, first.indexOf('~')), issuer.publicKey, 'dc+sd-jwt issuer JWT');
  // The key-binding JWTs were signed before the timing started: the default freshness
  // window (300 s) would do for a run of this suite, but the rows must not start
  // failing on a slow machine halfway through, so it is widened here.
  const verifier = createVerifier({ sdJwt: { keyBindingMaxAgeSeconds: 3_600 } });
  const options = { nonce: NONCE, audience: AUDIENCE };
  const result = await verifier.verifyPresentation(first, options);
  expectVerified('Tradewind on the presentation', result);
  const claims = result.credentials[0].claims;
  for (const name of DISCLOSED) if (!(name in claims)) throw new Error(`Tradewind did not return the disclosed ${name}`);
  if ('place_of_birth' in claims) throw new Error('Tradewind returned a claim that was not disclosed');
  expectVerified('Tradewind on the credential', await verifier.verifyCredential(credentials[0]));

  const theirs = async (presentation) => {
    const r = await sdjwt.verify(presentation, { keyBindingNonce: NONCE });
    // The library checks the nonce but not the audience: the caller does, as here.
    if (r.kb?.payload.aud !== AUDIENCE) throw new Error('@sd-jwt/sd-jwt-vc: wrong or missing key-binding audience');
    return r;
  };
  const checked = await theirs(first);
  if (checked.payload.given_name !== 'Asha' || 'place_of_birth' in checked.payload)
    throw new Error('@sd-jwt/sd-jwt-vc did not give the disclosed claims');

  const nextOurs = cycle(presentations);
  const nextTheirs = cycle(presentations);
  const nextCredential = cycle(credentials);
  h.log('measuring, all rows in alternating rounds …');
  const m = await h.measureInterleaved({
    raw: raw.fn,
    theirs: () => theirs(nextTheirs()),
    ours: async () => expectVerified('Tradewind', await verifier.verifyPresentation(nextOurs(), options)),
    credential: async () => expectVerified('Tradewind', await verifier.verifyCredential(nextCredential())),
  });

  return [
    { name: RAW_ROW, ...m.raw, note: `${raw.note}; one signature, the floor of the issuer's part` },
    {
      name: SD_JWT_VC_LIBRARY,
      ...m.theirs,
      compare: [{ against: RAW_ROW }],
      note: 'SDJwtVcInstance.verify with keyBindingNonce (issuer signature, digests, KB signature, nonce, sd_hash; aud checked by the caller), node:crypto Ed25519 verifiers',
    },
    {
      name: TRADEWIND_PRESENTATION,
      ...m.ours,
      compare: [{ against: RAW_ROW, target: { min: 0.3 } }, { against: SD_JWT_VC_LIBRARY }],
      note: `createVerifier() instance, the same ${pool} presentations: issuer signature (did:key), 5 disclosures, KB-JWT (cnf.jwk, nonce, aud, sd_hash, iat)`,
    },
    {
      name: TRADEWIND_CREDENTIAL,
      ...m.credential,
      compare: [{ against: RAW_ROW }],
      note: 'the issued form of the same credentials: all 9 disclosures, no key binding, one signature',
    },
  ];
}
