// Recognition lists anchor RSA and secp256k1 keys of did:web issuers that sign Data
// Integrity proofs with them (MOSIP Inji Certify): the list's keys alone verify the
// credentials (no caller documents), with the entry's compatibility mode; a key of
// another issuer, a revoked key and a JWS naming such a key are refused.
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { type CredentialVerificationResult, type RecognitionPolicy, verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKey, recognitionListJwt } from './helpers/producers.js';
import { digestOf, disclosure } from './helpers/sd-jwt.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, '..', '..', '..', 'test', 'data-integrity', 'fixtures', 'inji');
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;
const canonicalize = (createRequire(join(here, '..', 'package.json'))('canonicalize') as { default: (v: unknown) => string }).default;

const manifest = read('manifest.json') as unknown as {
  issuer: string;
  now: string;
  statusList: { file: string; url: string };
  contexts: Record<string, string>;
};
const ISSUER = manifest.issuer;
const NOW = manifest.now;
const didWeb = read('did-web.json') as unknown as { verificationMethod: Array<Record<string, unknown> & { id: string; type: string }> };
const contexts = Object.fromEntries(Object.entries(manifest.contexts).map(([url, file]) => [url, read(file)]));
const statusLists = { [manifest.statusList.url]: read(manifest.statusList.file) };

const method = (type: string) => didWeb.verificationMethod.find((m) => m.type === type) as Record<string, unknown> & { id: string };
const rsaMethod = method('RsaVerificationKey2018');
const k1Method = method('EcdsaSecp256k1VerificationKey2019');
// PEM → JWK with node:crypto: the list carries the same key as the DID document's PEM.
const rsaJwk = createPublicKey(rsaMethod.publicKeyPem as string).export({ format: 'jwk' }) as { kty: string; n: string; e: string };
const RSA_KEY = { kid: rsaMethod.id, kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e };
const K1_KEY = { kid: k1Method.id, ...(k1Method.publicKeyJwk as Record<string, string>) };
const JOSE_KEYS = read('recognition-keys.json') as unknown as Array<Record<string, unknown>>;

const RSA_FIXTURES = [
  'farmer-vcdm1-rsasignature2018-rs256.json',
  'farmer-vcdm1-rsasignature2018-ps256.json',
  'national-id-vcdm2-rsasignature2018-rs256.json',
];
const K1_FIXTURES = [
  'farmer-vcdm1-ecdsasecp256k1signature2019.json',
  'farmer-vcdm1-ecdsakoblitzsignature2016.json',
  'national-id-vcdm2-dataintegrity-ecdsa-rdfc-2019-secp256k1.json',
];

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const sha256Jcs = (document: unknown) => createHash('sha256').update(canonicalize(document)).digest('hex');

describe('recognition list keys of Data Integrity issuers (RSA, secp256k1)', () => {
  let tmp: string;
  let anchor: Issuer;
  let anchorDid: string;
  const t0 = new Date('2026-11-01T00:00:00Z');
  const policy = (): RecognitionPolicy => ({ anchors: [anchorDid] });
  const entry = (overrides: Record<string, unknown> = {}) => ({
    id: ISSUER,
    country: 'IN',
    name: 'Inji Certify (fixture issuer)',
    credentialTypes: ['*'],
    assuranceLevel: 'substantial' as const,
    keys: [...JOSE_KEYS, RSA_KEY, K1_KEY],
    formats: ['di' as const],
    compatibility: 'mosip' as const,
    contexts: Object.entries(contexts).map(([url, document]) => ({ url, sha256: sha256Jcs(document), document })),
    ...overrides,
  });
  const signed = (entries: unknown[]) =>
    anchor.signRecognitionList({
      sequence: 1,
      nextUpdate: new Date(t0.getTime() + 90 * 86_400_000),
      validFrom: t0,
      entries: entries as never,
    });
  // No dataIntegrity.documents: the list is the only source of the issuer's keys.
  const verify = async (doc: unknown, entries: unknown[]) =>
    verifyCredential(doc, { now: NOW, policy: policy(), recognitionLists: [await signed(entries)], status: { lists: statusLists } });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tradewind-di-keys-'));
    anchor = await openIssuer({ path: join(tmp, 'anchor.db'), secret: 'a', kdf: { N: 2 ** 10, r: 8, p: 1 } });
    anchorDid = (await anchor.createDid()).did;
  });
  afterAll(async () => {
    await anchor?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each([...RSA_FIXTURES, ...K1_FIXTURES])('%s verifies with the listed key and the entry compatibility', async (file) => {
    const r = await verify(read(file), [entry()]);
    expect(codes(r)).toEqual([]);
    if (!r.verified) return;
    expect(r.issuer).toBe(ISSUER);
    expect(r.recognition?.source).toBe('list');
    expect(r.keyId).toBe(RSA_FIXTURES.includes(file) ? rsaMethod.id : k1Method.id);
  });

  it('without the entry compatibility, the MOSIP-made proofs stay refused', async () => {
    const { compatibility: _c, ...strict } = entry();
    const r = await verify(read('farmer-vcdm1-rsasignature2018-ps256.json'), [strict]);
    expect(r.verified).toBe(false);
  });

  it('a key listed for another issuer does not verify this issuer (KEY_NOT_FOUND)', async () => {
    const other = entry({
      id: 'did:web:registry.gov.tt',
      keys: [RSA_KEY, K1_KEY].map((k) => ({ ...k, kid: k.kid.replace(ISSUER, 'did:web:registry.gov.tt') })),
    });
    const r = await verify(read(RSA_FIXTURES[0] as string), [other, entry({ keys: JOSE_KEYS })]);
    expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
    const k1 = await verify(read(K1_FIXTURES[0] as string), [other, entry({ keys: JOSE_KEYS })]);
    expect(codes(k1)).toEqual(['KEY_NOT_FOUND']);
  });

  it('the same key material under the listed kid of another key is not the listed key (UNTRUSTED_ISSUER or KEY_NOT_FOUND)', async () => {
    // The list names the secp256k1 key's id with the RSA key's material: the proof's
    // method resolves to an RSA key, which cannot verify the secp256k1 proof.
    const r = await verify(read(K1_FIXTURES[0] as string), [entry({ keys: [...JOSE_KEYS, { ...RSA_KEY, kid: k1Method.id }] })]);
    expect(r.verified).toBe(false);
  });

  it('a revoked RSA key refuses, by its thumbprint, even when another list names it again (UNTRUSTED_ISSUER)', async () => {
    const r = await verify(read(RSA_FIXTURES[0] as string), [entry({ keys: [...JOSE_KEYS, { ...RSA_KEY, revoked: true }, K1_KEY] })]);
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
    if (!r.verified) expect(r.errors[0]?.message).toMatch(/revoked/);
    // The secp256k1 key of the same entry still verifies.
    const k1 = await verify(read(K1_FIXTURES[0] as string), [entry({ keys: [...JOSE_KEYS, { ...RSA_KEY, revoked: true }, K1_KEY] })]);
    expect(codes(k1)).toEqual([]);
    // A revoked secp256k1 key too.
    const revokedK1 = await verify(read(K1_FIXTURES[0] as string), [
      entry({ keys: [...JOSE_KEYS, RSA_KEY, { ...K1_KEY, revoked: true }] }),
    ]);
    expect(codes(revokedK1)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it("a PEM key in the caller's DID document has the thumbprint of the same key listed as a JWK: caller documents are judged by the list too", async () => {
    const options = async (keys: unknown[]) => ({
      now: NOW,
      policy: policy(),
      recognitionLists: [await signed([entry({ keys })])],
      status: { lists: statusLists },
      dataIntegrity: { documents: [didWeb as unknown as JsonObject] },
    });
    // The proof's method comes from the caller's document (RsaVerificationKey2018, PEM).
    const ok = await verifyCredential(read(RSA_FIXTURES[0] as string), await options([...JOSE_KEYS, RSA_KEY, K1_KEY]));
    expect(codes(ok)).toEqual([]);
    const revoked = await verifyCredential(read(RSA_FIXTURES[0] as string), await options([...JOSE_KEYS, { ...RSA_KEY, revoked: true }]));
    expect(codes(revoked)).toEqual(['UNTRUSTED_ISSUER']);
    // Not listed at all: the document's key is not a recognised key of the issuer.
    const unlisted = await verifyCredential(read(K1_FIXTURES[0] as string), await options([...JOSE_KEYS, RSA_KEY]));
    expect(codes(unlisted)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('the entry window judges RSA keys: a proof created after validUntil is not recognised (UNTRUSTED_ISSUER)', async () => {
    const r = await verify(read(RSA_FIXTURES[0] as string), [
      entry({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-06-01T00:00:00Z' }),
    ]);
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
  });

  // Ed25519 signs deterministically (an ES256 signature may be high-S, refused before any key is looked up).
  it('a JWT whose kid names a listed RSA or secp256k1 key is UNSUPPORTED_ALGORITHM', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const kid of [rsaMethod.id, k1Method.id, `#${k1Method.id.split('#')[1]}`]) {
      const header = b64({ alg: 'EdDSA', typ: 'vc+jwt', kid });
      const payload = b64({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential'],
        issuer: ISSUER,
        validFrom: '2026-11-30T10:00:00Z',
        credentialSubject: { id: 'did:example:subject' },
      });
      const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey);
      const jwt = `${header}.${payload}.${signature.toString('base64url')}`;
      const r = await verify(jwt, [entry({ formats: undefined })]);
      expect(codes(r)).toEqual(['UNSUPPORTED_ALGORITHM']);
      if (!r.verified) expect(r.errors[0]?.message).toMatch(/Data Integrity proofs only/);
    }
  });

  it('an SD-JWT VC of an https issuer whose kid names its listed RSA key is UNSUPPORTED_ALGORITHM', async () => {
    const https = 'https://certify.inji.example';
    const { privateKey } = generateKeyPairSync('ed25519');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const d = disclosure('nationality', 'IN');
    const input = `${b64({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: 'rsa-2026' })}.${b64({
      iss: https,
      vct: 'NationalIdCredential',
      iat: Math.floor(Date.parse(NOW) / 1000),
      _sd: [digestOf(d)],
    })}`;
    const sdJwt = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}~${d}~`;
    const listed = entry({
      id: https,
      formats: undefined,
      compatibility: undefined,
      contexts: undefined,
      keys: [{ ...RSA_KEY, kid: 'rsa-2026' }],
    });
    const r = await verify(sdJwt, [listed]);
    expect(codes(r)).toEqual(['UNSUPPORTED_ALGORITHM']);
    if (!r.verified) expect(r.errors[0]?.message).toMatch(/Data Integrity proofs only/);
  });

  it.each([
    ['a 1024-bit modulus', { ...RSA_KEY, n: Buffer.from(RSA_KEY.n, 'base64url').subarray(0, 128).toString('base64url') }],
    [
      'a leading zero byte in n',
      { ...RSA_KEY, n: Buffer.concat([Buffer.from([0]), Buffer.from(RSA_KEY.n, 'base64url')]).toString('base64url') },
    ],
    ['an even exponent', { ...RSA_KEY, e: 'AQAA' }],
    ['a private member', { ...RSA_KEY, d: RSA_KEY.n }],
    ['an off-curve secp256k1 point', { ...K1_KEY, y: Buffer.from(new Uint8Array(32).fill(1)).toString('base64url') }],
    ['a private secp256k1 member', { ...K1_KEY, d: K1_KEY.x }],
  ])('a list key with %s makes the list invalid (TRUST_LIST_INVALID)', async (_what, key) => {
    // The anchor's own issuer refuses to sign such a list; one signed anyway is refused on reading.
    await expect(signed([entry({ keys: [...JOSE_KEYS, key] })])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/recognition list/),
    });
    const raw = didKey();
    const list = await recognitionListJwt(raw, [entry({ keys: [...JOSE_KEYS, key] })], { nextUpdate: '2027-01-01T00:00:00Z' });
    const r = await verifyCredential(read(RSA_FIXTURES[0] as string), {
      now: NOW,
      policy: { anchors: [raw.did] },
      recognitionLists: [list],
      status: { lists: statusLists },
    });
    expect(codes(r)).toEqual(['TRUST_LIST_INVALID']);
    if (!r.verified) expect(r.errors[0]?.message).toMatch(/recognition list/);
  });
});
