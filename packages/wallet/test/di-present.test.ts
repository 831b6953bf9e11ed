// Presenting Data Integrity credentials: inside a vp+jwt (and a jwt_vp) as their JSON
// objects, and as a Data Integrity presentation signed through the key manager
// (DataIntegrityProof, authentication, challenge = nonce, domain = audience). Our
// verifier accepts both for the right nonce and audience only, and @digitalbazaar/vc's
// verify accepts the Data Integrity presentation.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { type HolderDid, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diIssuer, PERMIT_CONTEXT, PERMIT_CONTEXT_URL, producerVerifies, registerHolder, V1, V2, workPermit } from './di-fixtures.js';
import { issuer, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const AUD = 'https://labour.gov.example.gy';
const NONCE = 'c-7Hq2LxZ0pW';
const dataIntegrity = { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } };
let wallet: Wallet;

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('present.db'), secret: SECRET, kdf: TEST_KDF, verify: { dataIntegrity } });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}
const codesOf = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

describe.each(['eddsa-rdfc-2022', 'Ed25519Signature2020'] as const)('a %s credential of a did:key Ed25519 holder', (suite) => {
  let holder: HolderDid;
  let permit: JsonObject;
  let id: string;

  beforeAll(async () => {
    holder = await wallet.createDid();
    registerHolder(holder.did, holder.verificationMethod);
    permit = await workPermit(await diIssuer(suite), holder.did);
    id = (await wallet.receive(permit)).credential.id;
  });

  it('goes into a vp+jwt as its JSON object, unchanged, and the verifier accepts it for that nonce and audience only', async () => {
    const vp = await wallet.present({ credentials: [id], nonce: NONCE, audience: AUD, format: 'vp+jwt' });
    expect(typeof vp).toBe('string');
    expect(payloadOf(vp).verifiableCredential).toEqual([permit]);
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    if (ok.verified) {
      expect(ok.holder).toBe(holder.did);
      expect(ok.credentials.map((c) => c.format)).toEqual(['di']);
      expect(ok.credentials[0]?.credential).toEqual(permit);
    }
    expect(codesOf(await verifyPresentation(vp, { nonce: 'other', audience: AUD, dataIntegrity }))).toContain('NONCE_MISMATCH');
    expect(codesOf(await verifyPresentation(vp, { nonce: NONCE, audience: 'https://x.example', dataIntegrity }))).toContain(
      'AUDIENCE_MISMATCH',
    );
  });

  it('goes into a jwt_vp as its JSON object too, which the verifier accepts', async () => {
    const vp = await wallet.present({ credentials: [id], nonce: NONCE, audience: AUD, format: 'jwt_vp' });
    expect((payloadOf(vp).vp as JsonObject).verifiableCredential).toEqual([permit]);
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
  });

  it('is presented as a Data Integrity presentation the verifier accepts for that challenge and domain only', async () => {
    const now = new Date();
    const vp = await wallet.present({ credentials: [id], nonce: NONCE, audience: AUD, format: 'di', now });
    expect(vp['@context']).toEqual([V2]);
    expect(vp.type).toEqual(['VerifiablePresentation']);
    expect(vp.holder).toBe(holder.did);
    expect(vp.verifiableCredential).toEqual([permit]);
    const proof = vp.proof as JsonObject;
    expect(proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'authentication',
      verificationMethod: holder.verificationMethod,
      challenge: NONCE,
      domain: AUD,
      created: `${now.toISOString().slice(0, 19)}Z`,
    });
    expect(proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    if (ok.verified) {
      expect(ok.format).toBe('di');
      expect(ok.holder).toBe(holder.did);
      expect(ok.nonce).toBe(NONCE);
      expect(ok.credentials.map((c) => c.format)).toEqual(['di']);
    }
    expect(codesOf(await verifyPresentation(vp, { nonce: 'c-other', audience: AUD, dataIntegrity }))).toContain('NONCE_MISMATCH');
    expect(codesOf(await verifyPresentation(vp, { nonce: NONCE, audience: 'https://bank.example.bb', dataIntegrity }))).toContain(
      'AUDIENCE_MISMATCH',
    );
    const changed = { ...vp, holder: 'did:example:mallory' };
    expect((await verifyPresentation(changed, { nonce: NONCE, audience: AUD, dataIntegrity })).verified).toBe(false);
    const replayed = { ...vp, proof: { ...proof, challenge: 'c-other' } };
    expect(codesOf(await verifyPresentation(replayed, { nonce: 'c-other', audience: AUD, dataIntegrity }))).toContain('SIGNATURE_INVALID');
  });

  it("is accepted by @digitalbazaar/vc's verify (authentication, challenge, domain) and refused by it for another challenge or domain", async () => {
    const vp = await wallet.present({ credentials: [id], nonce: NONCE, audience: AUD, format: 'di' });
    const ok = await producerVerifies(structuredClone(vp), NONCE, AUD);
    expect(ok.verified, String(ok.error)).toBe(true);
    expect((await producerVerifies(structuredClone(vp), 'c-other', AUD)).verified).toBe(false);
    expect((await producerVerifies(structuredClone(vp), NONCE, 'https://bank.example.bb')).verified).toBe(false);
  });
});

describe('Data Integrity presentations', () => {
  it('of VCDM 1.1 credentials are VCDM 1.1 presentations (with the data-integrity context), which both verifiers accept', async () => {
    const holder = await wallet.createDid();
    registerHolder(holder.did, holder.verificationMethod);
    const permit = await workPermit(await diIssuer('Ed25519Signature2020'), holder.did, { vcdm: 1 });
    const { credential } = await wallet.receive(permit);
    const vp = await wallet.present({ credentials: [credential.id], nonce: NONCE, audience: AUD, format: 'di' });
    expect(vp['@context']).toEqual([V1, 'https://w3id.org/security/data-integrity/v2']);
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    const theirs = await producerVerifies(structuredClone(vp), NONCE, AUD);
    expect(theirs.verified, String(theirs.error)).toBe(true);
  });

  it('carry JWT credentials beside Data Integrity ones as EnvelopedVerifiableCredentials', async () => {
    const holder = await wallet.createDid();
    const permit = await workPermit(await diIssuer('eddsa-rdfc-2022'), holder.did);
    const jwt = await vcJwt(issuer('key'), holder.did);
    const ids = await wallet.receiveAll([permit, jwt]);
    const vp = await wallet.present({ credentials: ids, nonce: NONCE, audience: AUD, format: 'di' });
    const [first, second] = vp.verifiableCredential as JsonObject[];
    expect(first).toEqual(permit);
    expect(second).toMatchObject({ type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` });
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    if (ok.verified) expect(ok.credentials.map((c) => c.format)).toEqual(['di', 'vc+jwt']);
  });

  it('of a P-256 holder are signed with ecdsa-rdfc-2019, which the verifier accepts', async () => {
    const holder = await wallet.createDid({ keyType: 'P-256' });
    const { credential } = await wallet.receive(await workPermit(await diIssuer('eddsa-rdfc-2022'), holder.did));
    const vp = await wallet.present({ credentials: [credential.id], nonce: NONCE, audience: AUD, format: 'di' });
    expect(vp.proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: holder.verificationMethod });
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
  });

  it.each(['Ed25519', 'P-256'] as const)('of a did:jwk %s holder name its #0 method, and the verifier accepts them', async (keyType) => {
    const holder = await wallet.createDid({ method: 'jwk', keyType });
    const { credential } = await wallet.receive(await workPermit(await diIssuer('eddsa-rdfc-2022'), holder.did));
    const vp = await wallet.present({ credentials: [credential.id], nonce: NONCE, audience: AUD, format: 'di' });
    expect(vp.proof).toMatchObject({ verificationMethod: `${holder.did}#0` });
    const ok = await verifyPresentation(vp, { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    expect(codesOf(await verifyPresentation(vp, { nonce: 'c-other', audience: AUD, dataIntegrity }))).toContain('NONCE_MISMATCH');
  });

  it('refuse VCDM 1.1 credentials beside JWT ones, an SD-JWT VC, and a bad lifetime: INVALID_ARGUMENT', async () => {
    const holder = await wallet.createDid();
    const v1 = await workPermit(await diIssuer('Ed25519Signature2020'), holder.did, { vcdm: 1 });
    const ids = await wallet.receiveAll([v1, await vcJwt(issuer('key'), holder.did)]);
    expect(await codeOf(wallet.present({ credentials: ids, nonce: NONCE, audience: AUD, format: 'di' }))).toBe('INVALID_ARGUMENT');
    expect(
      await codeOf(wallet.present({ credentials: [ids[0] as string], nonce: NONCE, audience: AUD, format: 'di', expiresInSeconds: 0 })),
    ).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.present({ credentials: [ids[0] as string], nonce: '', audience: AUD, format: 'di' }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('refuse a credential outside its validity at the signing time: EXPIRED, NOT_YET_VALID', async () => {
    const holder = await wallet.createDid();
    const permit = await workPermit(await diIssuer('eddsa-rdfc-2022'), holder.did, { validUntil: '2030-03-01T00:00:00Z' });
    const { credential } = await wallet.receive(permit);
    const request = { credentials: [credential.id], nonce: NONCE, audience: AUD, format: 'di' } as const;
    expect(await codeOf(wallet.present({ ...request, now: new Date('2030-03-02T00:00:00Z') }))).toBe('EXPIRED');
    expect(await codeOf(wallet.present({ ...request, now: new Date('2026-02-01T00:00:00Z') }))).toBe('NOT_YET_VALID');
  });

  it('bind the credentials to the holder as JWT presentations do: another subject is HOLDER_BINDING', async () => {
    const permit = await workPermit(await diIssuer('eddsa-rdfc-2022'), 'did:example:someone-else');
    const { credential } = await wallet.receive(permit);
    expect(await codeOf(wallet.present({ credentials: [credential.id], nonce: NONCE, audience: AUD, format: 'di' }))).toBe(
      'HOLDER_BINDING',
    );
  });
});
