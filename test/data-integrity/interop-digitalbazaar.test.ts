// Interoperability with Digital Bazaar's @digitalbazaar/vc 7.3, in both directions, with
// real keys and signatures and no network:
// - what it issues (eddsa-rdfc-2022, ecdsa-rdfc-2019 over P-256, Ed25519Signature2020), with
//   a Bitstring Status List credential it signs, verifies with Tradewind's verifier, and a
//   changed claim does not;
// - its presentations (challenge and domain) verify with verifyPresentation, and a wrong
//   challenge or domain does not;
// - what Tradewind's issuer issues as `di` (eddsa-rdfc-2022, ecdsa-rdfc-2019), and its
//   Data Integrity status lists, verify with @digitalbazaar/vc, and a changed claim does not.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import type { JsonObject } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import {
  type CredentialVerificationResult,
  type PresentationVerificationResult,
  verifyCredential,
  verifyPresentation,
} from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbLoader } from './db-loader.js';

const here = dirname(fileURLToPath(import.meta.url));
const { checkStatus } = createRequire(join(here, '..', '..', 'packages', 'issuer', 'package.json'))(
  '@digitalbazaar/vc-bitstring-status-list',
) as { checkStatus: (options: Record<string, unknown>) => Promise<{ verified: boolean }> };

const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const ED25519_2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const NATIONAL_ID = 'https://tradewind-interop.github.io/inji-contexts/national-id-v2.json';
const contexts: Record<string, JsonObject> = {
  [NATIONAL_ID]: (await import('./fixtures/inji/contexts/national-id-v2.json', { with: { type: 'json' } })).default as JsonObject,
};
const STATUS_URL = 'https://status.registry.example.tt/lists/1';
const REVOKED = 9;
const NOW = new Date();
const codes = (r: CredentialVerificationResult | PresentationVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

interface DbSigner {
  did: string;
  suite: unknown;
}
const seed = (n: number) => new Uint8Array(32).fill(n);

async function eddsaSigner(n: number): Promise<DbSigner> {
  const key = await Ed25519Multikey.generate({ seed: seed(n) });
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  return { did, suite: new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022 }) };
}
async function ecdsaSigner(): Promise<DbSigner> {
  const key = await EcdsaMultikey.generate({ curve: 'P-256' });
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  return { did, suite: new DataIntegrityProof({ signer: key.signer(), cryptosuite: ecdsaRdfc2019 }) };
}
async function ed2020Signer(n: number): Promise<DbSigner> {
  const key = await Ed25519VerificationKey2020.generate({ seed: seed(n) });
  const did = `did:key:${key.fingerprint()}`;
  key.id = `${did}#${key.fingerprint()}`;
  key.controller = did;
  return { did, suite: new Ed25519Signature2020({ key }) };
}

const loader = dbLoader({ contexts });
async function dbIssue(signer: DbSigner, credential: JsonObject): Promise<JsonObject> {
  return (await vc.issue({ credential: structuredClone(credential), suite: signer.suite, documentLoader: loader })) as JsonObject;
}

function v2Credential(issuer: string, subject: string, extra: JsonObject = {}): JsonObject {
  return {
    '@context': [VC_V2, NATIONAL_ID],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer,
    validFrom: new Date(NOW.getTime() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: { id: subject, fullName: 'Kavita Persad', dateOfBirth: '1988-02-29', nationalIdNumber: '19880229-0007' },
    ...extra,
  };
}

function statusListCredential(issuer: string): JsonObject {
  const bits = Buffer.alloc(16 * 1024);
  bits[REVOKED >> 3] |= 1 << (7 - (REVOKED % 8));
  return {
    '@context': [VC_V2],
    id: STATUS_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: new Date(NOW.getTime() - 7_200_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: {
      id: `${STATUS_URL}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: `u${gzipSync(bits).toString('base64url')}`,
    },
  };
}
const statusEntry = (index: number): JsonObject => ({
  credentialStatus: {
    id: `${STATUS_URL}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: STATUS_URL,
  },
});

const HOLDER_SEED = 77;

/** The bit @digitalbazaar/vc's status check read (true: set, i.e. revoked). */
function dbBit(result: { verified: boolean; statusResult?: { verified: boolean; results?: Array<{ status?: boolean }> } }) {
  expect(result.statusResult?.verified).toBe(true);
  return result.statusResult?.results?.[0]?.status;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** Whether a base58btc multibase P-256 signature (r ‖ s) has s above n/2. */
function isHighS(proofValue: string): boolean {
  let n = 0n;
  for (const c of proofValue.slice(1)) n = n * 58n + BigInt(B58.indexOf(c));
  const s = n & ((1n << 256n) - 1n);
  return s > P256_N / 2n;
}

describe('@digitalbazaar/vc issues, Tradewind verifies', () => {
  const cases: Array<[string, () => Promise<DbSigner>, 'v1' | 'v2']> = [
    ['eddsa-rdfc-2022', () => eddsaSigner(1), 'v2'],
    ['Ed25519Signature2020 (VCDM 2.0)', () => ed2020Signer(2), 'v2'],
    ['Ed25519Signature2020 (VCDM 1.1)', () => ed2020Signer(3), 'v1'],
  ];
  it.each(cases)('%s: verifies; a changed claim, a changed issuer and an unknown context do not', async (name, make, version) => {
    const signer = await make();
    const holder = (await eddsaSigner(HOLDER_SEED)).did;
    const base = v2Credential(signer.did, holder);
    const unsigned =
      version === 'v1'
        ? (() => {
            const { validFrom, ...rest } = base;
            return { ...rest, '@context': [VC_V1, ED25519_2020, NATIONAL_ID], issuanceDate: validFrom };
          })()
        : base;
    const signed = await dbIssue(signer, unsigned as JsonObject);
    // Digital Bazaar's own verifier accepts what it made (the twin of every refusal below).
    const db = await vc.verifyCredential({ credential: structuredClone(signed), suite: [signer.suite], documentLoader: loader });
    expect(db.verified).toBe(true);

    const r = await verifyCredential(signed, { dataIntegrity: { contexts } });
    expect(r.verified ? [] : r.errors).toEqual([]);
    if (!r.verified || r.format !== 'di') throw new Error('expected a di result');
    expect(r.issuer).toBe(signer.did);
    expect(r.subject).toBe(holder);
    expect(r.warnings.filter((w) => w.code === 'COMPATIBILITY')).toEqual([]);
    expect(r.proof.type).toBe(name.startsWith('Ed25519Signature2020') ? 'Ed25519Signature2020' : 'DataIntegrityProof');

    const changed = structuredClone(signed);
    (changed.credentialSubject as JsonObject).fullName = 'Kavita Persaud';
    expect(codes(await verifyCredential(changed, { dataIntegrity: { contexts } }))).toContain('SIGNATURE_INVALID');

    const otherIssuer = structuredClone(signed);
    otherIssuer.issuer = (await eddsaSigner(99)).did;
    expect((await verifyCredential(otherIssuer, { dataIntegrity: { contexts } })).verified).toBe(false);

    const noContext = await verifyCredential(signed, {});
    expect(noContext.verified).toBe(false);
    if (!noContext.verified) expect(noContext.errors[0]?.message).toBe(`context not available offline: ${NATIONAL_ID}`);
  });

  it('ecdsa-rdfc-2019 (P-256): low-S and high-S signatures verify (WebCrypto signs either); requireLowS refuses the high S', async () => {
    const signer = await ecdsaSigner();
    const holder = (await eddsaSigner(HOLDER_SEED)).did;
    const seen: Partial<Record<'low' | 'high', JsonObject>> = {};
    for (let i = 0; i < 64 && !(seen.low && seen.high); i++) {
      const signed = await dbIssue(signer, v2Credential(signer.did, holder));
      seen[isHighS((signed.proof as JsonObject).proofValue as string) ? 'high' : 'low'] = signed;
    }
    const { low, high } = seen as Record<'low' | 'high', JsonObject>;
    for (const signed of [low, high]) {
      const db = await vc.verifyCredential({ credential: structuredClone(signed), suite: [signer.suite], documentLoader: loader });
      expect(db.verified).toBe(true);
    }
    const r = await verifyCredential(low, { dataIntegrity: { contexts } });
    expect(r.verified ? [] : r.errors).toEqual([]);
    if (r.verified && r.format === 'di') expect(r.proof.cryptosuite).toBe('ecdsa-rdfc-2019');
    expect(codes(await verifyCredential(high, { dataIntegrity: { contexts } }))).toEqual([]);
    const strictS = await verifyCredential(high, { dataIntegrity: { contexts, requireLowS: true } });
    expect(strictS.verified).toBe(false);
    if (!strictS.verified) expect(strictS.errors[0]?.message).toMatch(/high S/);
    expect(codes(await verifyCredential(high, { dataIntegrity: { contexts, requireLowS: true }, allowHighS: true }))).toEqual([]);
    expect(codes(await verifyCredential(low, { dataIntegrity: { contexts, requireLowS: true } }))).toEqual([]);
    const changed = structuredClone(low);
    (changed.credentialSubject as JsonObject).fullName = 'Kavita Persaud';
    expect(codes(await verifyCredential(changed, { dataIntegrity: { contexts }, allowHighS: true }))).toContain('SIGNATURE_INVALID');
  });

  it('a Bitstring Status List credential it signs (eddsa-rdfc-2022) decides revocation', async () => {
    const signer = await eddsaSigner(4);
    const holder = (await eddsaSigner(HOLDER_SEED)).did;
    const list = await dbIssue(signer, statusListCredential(signer.did));
    const good = await dbIssue(signer, v2Credential(signer.did, holder, statusEntry(5)));
    const revoked = await dbIssue(signer, v2Credential(signer.did, holder, statusEntry(REVOKED)));
    const status = { lists: { [STATUS_URL]: list } };

    // Digital Bazaar's status checker agrees on both.
    const dbLoad = dbLoader({ contexts, byUrl: { [STATUS_URL]: list } });
    const dbStatus = (credential: JsonObject) =>
      vc.verifyCredential({
        credential: structuredClone(credential),
        suite: [signer.suite],
        documentLoader: dbLoad,
        checkStatus: (o: Record<string, unknown>) =>
          checkStatus({ ...o, suite: [signer.suite], verifyBitstringStatusListCredential: true }),
      });
    // @digitalbazaar/vc reports a set bit in statusResult, not in `verified`.
    expect(dbBit(await dbStatus(good))).toBe(false);
    expect(dbBit(await dbStatus(revoked))).toBe(true);

    const ok = await verifyCredential(good, { dataIntegrity: { contexts }, status });
    expect(codes(ok)).toEqual([]);
    if (ok.verified) expect(ok.checks).toContain('status');
    expect(codes(await verifyCredential(revoked, { dataIntegrity: { contexts }, status }))).toContain('REVOKED');

    // A list whose bits were changed after signing is not a list.
    const forged = structuredClone(list);
    (forged.credentialSubject as JsonObject).encodedList = `u${gzipSync(Buffer.alloc(16 * 1024)).toString('base64url')}`;
    const withForged = await verifyCredential(revoked, { dataIntegrity: { contexts }, status: { lists: { [STATUS_URL]: forged } } });
    expect(withForged.verified).toBe(false);
    expect(codes(withForged)).not.toContain('REVOKED');
    // A list signed by someone else is not the issuer's.
    const stranger = await eddsaSigner(5);
    const foreign = await dbIssue(stranger, statusListCredential(stranger.did));
    expect((await verifyCredential(good, { dataIntegrity: { contexts }, status: { lists: { [STATUS_URL]: foreign } } })).verified).toBe(
      false,
    );
  });
});

describe('@digitalbazaar/vc presents, Tradewind verifies the presentation', () => {
  it.each([
    ['eddsa-rdfc-2022', () => eddsaSigner(HOLDER_SEED)],
    ['Ed25519Signature2020', () => ed2020Signer(HOLDER_SEED)],
  ] as const)('holder proof %s with challenge and domain', async (_name, makeHolder) => {
    const issuer = await eddsaSigner(6);
    const holder = await makeHolder();
    const credential = await dbIssue(issuer, v2Credential(issuer.did, holder.did));
    const challenge = 'c-8sJ2kq0xWm';
    const domain = 'https://bank.example.bb';
    const presentation = {
      '@context': [VC_V2, ...(_name === 'Ed25519Signature2020' ? [ED25519_2020] : [])],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [credential],
    };
    const vp = (await vc.signPresentation({
      presentation: structuredClone(presentation),
      suite: holder.suite,
      challenge,
      domain,
      documentLoader: loader,
    })) as JsonObject;
    const db = await vc.verify({
      presentation: structuredClone(vp),
      suite: [holder.suite, issuer.suite],
      challenge,
      domain,
      documentLoader: loader,
    });
    expect(db.verified).toBe(true);

    const r = await verifyPresentation(vp, { nonce: challenge, audience: domain, dataIntegrity: { contexts } });
    expect(codes(r)).toEqual([]);
    if (!r.verified) return;
    expect(r.format).toBe('di');
    expect(r.holder).toBe(holder.did);
    expect(r.credentials).toHaveLength(1);
    expect(r.credentials[0]?.issuer).toBe(issuer.did);

    expect(codes(await verifyPresentation(vp, { nonce: 'another-challenge', audience: domain, dataIntegrity: { contexts } }))).toContain(
      'NONCE_MISMATCH',
    );
    expect(
      codes(await verifyPresentation(vp, { nonce: challenge, audience: 'https://elsewhere.example', dataIntegrity: { contexts } })),
    ).toContain('AUDIENCE_MISMATCH');
    // The same presentation with its credential's claim changed: the holder's proof no longer verifies, nor does the issuer's.
    const changed = structuredClone(vp);
    ((changed.verifiableCredential as JsonObject[])[0]?.credentialSubject as JsonObject).fullName = 'K. Persad';
    expect((await verifyPresentation(changed, { nonce: challenge, audience: domain, dataIntegrity: { contexts } })).verified).toBe(false);
  });
});

describe('Tradewind issues `di`, @digitalbazaar/vc verifies', () => {
  let dir: string;
  let issuer: Issuer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-di-interop-'));
    issuer = await openIssuer({
      path: join(dir, 'issuer.db'),
      secret: 'i',
      kdf: { N: 2 ** 10, r: 8, p: 1 },
      statusListBaseUrl: 'https://status.registry.example.tt/di',
      dataIntegrity: { contexts },
    });
  });
  afterAll(async () => {
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['eddsa-rdfc-2022 (Ed25519 did:key)', {}],
    ['ecdsa-rdfc-2019 (P-256 did:key)', { keyType: 'P-256' }],
  ] as const)('%s, with its Data Integrity status list', async (_name, didOptions) => {
    const did = await issuer.createDid(didOptions as never);
    const holder = (await eddsaSigner(HOLDER_SEED)).did;
    const issued = await issuer.issue({
      format: 'di',
      issuer: did.did,
      type: 'NationalIdCredential',
      context: [NATIONAL_ID],
      status: ['revocation'],
      credentialSubject: { id: holder, fullName: 'Kavita Persad', nationalIdNumber: '19880229-0007' },
    } as never);
    const credential = issued.credential as unknown as JsonObject;
    const lists = await issuer.statusListCredentials({ format: 'di', issuer: did.did } as never);
    const byUrl = Object.fromEntries(lists.map((l) => [l.url, l.credential as unknown as JsonObject]));
    const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 })];
    const documentLoader = dbLoader({ contexts, byUrl });
    const dbVerify = (c: JsonObject) =>
      vc.verifyCredential({
        credential: structuredClone(c),
        suite,
        documentLoader,
        checkStatus: (o: Record<string, unknown>) => checkStatus({ ...o, suite, verifyBitstringStatusListCredential: true }),
      });

    const result = await dbVerify(credential);
    expect(result.verified, JSON.stringify(result.error ?? null)).toBe(true);
    expect(dbBit(result)).toBe(false);
    // The status list itself is a credential Digital Bazaar verifies.
    for (const list of Object.values(byUrl))
      expect((await vc.verifyCredential({ credential: structuredClone(list), suite, documentLoader })).verified).toBe(true);

    const changed = structuredClone(credential);
    (changed.credentialSubject as JsonObject).fullName = 'Kavita Persaud';
    expect((await dbVerify(changed)).verified).toBe(false);

    // Revoked: Digital Bazaar's status check sees the issuer's new list.
    await issuer.revoke(issued.id as never);
    const after = await issuer.statusListCredentials({ format: 'di', issuer: did.did } as never);
    const revokedLoader = dbLoader({
      contexts,
      byUrl: Object.fromEntries(after.map((l) => [l.url, l.credential as unknown as JsonObject])),
    });
    const revoked = await vc.verifyCredential({
      credential: structuredClone(credential),
      suite,
      documentLoader: revokedLoader,
      checkStatus: (o: Record<string, unknown>) => checkStatus({ ...o, suite, verifyBitstringStatusListCredential: true }),
    });
    expect(revoked.verified).toBe(true);
    expect(dbBit(revoked)).toBe(true);
  });
});
