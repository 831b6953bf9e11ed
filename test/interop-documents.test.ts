// Whole VCDM documents issued by @tradewind/issuer (a real SQLite file), checked by
// independent consumers — jose with keys resolved by did-resolver + key-did-resolver,
// did-jwt-vc, Veramo — and by our verifier and wallet. The oracle is the document the
// caller wrote: every member it gave must come back as the same JSON text, and the
// issuer may add only what its API documents (issuer when absent, id, validFrom /
// issuanceDate when absent, its status entries after the caller's own — and, in a VCDM
// 1.1 document, the status list context those entries need).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { type CredentialVerificationResult, verifyCredential, verifyPresentation } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { createAgent } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { type DIDDocument, Resolver } from 'did-resolver';
import { compactVerify, importJWK, type JWK } from 'jose';
import { getResolver as keyDidResolver } from 'key-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  base58btcDecode,
  birthCertificateDocument,
  CALLER_STATUS,
  memberText,
  nationalIdDocument,
  payloadText,
  VCDM1,
} from './document-fixtures.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
// jwt_vc carries iat (the issuance time): verify at the time the tests run.
const NOW = new Date();
const didResolver = new Resolver({ ...keyDidResolver() });
/** The Bitstring Status List context (W3C Bitstring Status List v1.0 §2.1), for VCDM 1.1 documents. */
const STATUS_LIST_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';

let dir: string;
let issuer: Issuer;
let issuerKeyDid: string;
let issuerJwkDid: string;
let wallet: Wallet;
let holder: string;
/** The issuer's status list credentials by URL, so our verifier checks the entries it allocated. */
let issuerLists: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-interop-documents-'));
  issuer = await openIssuer({
    path: join(dir, 'registry.db'),
    secret: 'registrar general secret',
    create: true,
    kdf,
    statusListBaseUrl: 'https://status.registry.gov.tt/lists',
  });
  issuerKeyDid = (await issuer.createDid({ method: 'key', keyType: 'Ed25519' })).did;
  issuerJwkDid = (await issuer.createDid({ method: 'jwk', keyType: 'P-256' })).did;
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'holder secret', kdf });
  holder = (await wallet.createDid({ method: 'key', keyType: 'Ed25519' })).did;
});

afterAll(async () => {
  await wallet?.close();
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refreshLists(): Promise<void> {
  const lists = await issuer.statusListCredentials({ now: NOW });
  issuerLists = Object.fromEntries(lists.map((l) => [l.url, l.jwt]));
}

/** Our verifier's options: the issuer's lists given, the scheme's own list (not published here) only a warning. */
function verifyOptions() {
  return { now: NOW, status: { lists: issuerLists, onUnavailable: 'warn' as const } };
}

/** The public JWK of a DID's key, resolved by did-resolver (did:key: key-did-resolver) or decoded from did:jwk. */
async function publicJwkOf(kid: string): Promise<JWK> {
  const did = kid.split('#')[0] as string;
  if (did.startsWith('did:jwk:')) return JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JWK;
  const { didDocument } = await didResolver.resolve(did);
  const method = (didDocument as DIDDocument).verificationMethod?.find((m) => m.id === kid || `${did}${m.id}` === kid);
  if (!method) throw new Error(`no verification method ${kid}`);
  if (method.publicKeyJwk) return method.publicKeyJwk as JWK;
  // key-did-resolver gives Ed25519 keys as Ed25519VerificationKey2018 with publicKeyBase58.
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base58btcDecode(method.publicKeyBase58 as string)).toString('base64url') };
}

/** Every member the caller gave, as the same JSON text in the signed payload text. */
function expectMembersKept(signedText: string, given: Record<string, unknown>, except: string[] = []): void {
  for (const [name, value] of Object.entries(given)) {
    if (except.includes(name)) continue;
    expect(signedText, `member ${name}`).toContain(memberText(name, value));
  }
}

/** The caller's own status entries first, unchanged; then only entries the issuer allocated (its own lists). */
function expectStatusAppended(status: unknown, own: unknown[], purposes: string[]): void {
  // One entry may stand alone (VCDM: a credentialStatus is an object or an array of them).
  const entries = (Array.isArray(status) ? status : [status]) as Array<Record<string, unknown>>;
  expect(entries.slice(0, own.length).map((e) => JSON.stringify(e))).toEqual(own.map((e) => JSON.stringify(e)));
  const added = entries.slice(own.length);
  expect(added.map((e) => e.statusPurpose)).toEqual(purposes);
  for (const entry of added) {
    expect(entry.type).toBe('BitstringStatusListEntry');
    expect(String(entry.statusListCredential)).toMatch(/^https:\/\/status\.registry\.gov\.tt\/lists\//);
  }
}

function verifiedCredential(r: CredentialVerificationResult): Record<string, unknown> {
  expect(r.verified, JSON.stringify(r)).toBe(true);
  return (r.verified ? r.credential : {}) as Record<string, unknown>;
}

describe('a VCDM 2.0 national identity document issued as vc+jwt', () => {
  let document: Record<string, unknown>;
  let jwt: string;
  let issuedId: string;

  beforeAll(async () => {
    document = nationalIdDocument(issuerKeyDid, holder);
    const issued = await issuer.issue({ credential: structuredClone(document) });
    jwt = issued.jwt;
    issuedId = issued.id;
    expect(issued.format).toBe('vc+jwt');
    await refreshLists();
  });

  it('jose verifies the signature with the key did-resolver + key-did-resolver give for the issuer DID', async () => {
    const header = JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString('utf8')) as Record<string, string>;
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt' });
    expect(header.kid?.startsWith(`${issuerKeyDid}#`)).toBe(true);
    const { payload } = await compactVerify(jwt, await importJWK(await publicJwkOf(header.kid as string), 'EdDSA'));
    expect(new TextDecoder().decode(payload)).toBe(payloadText(jwt));
  });

  it('the payload is the document plus only id and the issuer status entry, every given member as the same JSON text', () => {
    const text = payloadText(jwt);
    const payload = JSON.parse(text) as Record<string, unknown>;
    expectMembersKept(text, document, ['credentialStatus']);
    expect(Object.keys(payload).sort()).toEqual([...Object.keys(document), 'id'].sort());
    expect(payload.id).toBe(issuedId);
    expect(issuedId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expectStatusAppended(payload.credentialStatus, [CALLER_STATUS], ['revocation']);
    // Members the caller wrote come first, in the caller's order.
    const givenOrder = Object.keys(document);
    expect(Object.keys(payload).filter((k) => givenOrder.includes(k))).toEqual(givenOrder);
  });

  it('@tradewind/verifier verifies it and returns every property as given', async () => {
    const r = await verifyCredential(jwt, verifyOptions());
    const credential = verifiedCredential(r);
    for (const [name, value] of Object.entries(document)) {
      if (name !== 'credentialStatus') expect(JSON.stringify(credential[name]), name).toBe(JSON.stringify(value));
    }
    expect(r.verified && r.issuer).toBe(issuerKeyDid);
    expect(r.verified && r.format).toBe('vc+jwt');
    // The issuer's revocation list was checked; only the scheme's own list was unavailable.
    const warned = r.verified ? r.warnings : [];
    expect(warned.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
    expect(warned[0]?.message).toContain(CALLER_STATUS.statusListCredential);
  });

  it('is refused as REVOKED by @tradewind/verifier once the issuer revokes it', async () => {
    const other = await issuer.issue({ credential: nationalIdDocument(issuerKeyDid, holder) });
    await issuer.revoke(other.id);
    await refreshLists();
    const r = await verifyCredential(other.jwt, verifyOptions());
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toContain('REVOKED');
  });

  it('the wallet stores it in its SQLite file and presents it; every property is still what was issued', async () => {
    const received = await wallet.receive(jwt, verifyOptions());
    expect(received.added).toBe(true);
    const stored = await wallet.get(received.credential.id);
    expect(stored.raw).toBe(jwt);
    expect(stored.types).toEqual(['VerifiableCredential', 'NationalIdCredential']);
    expect(stored.credentialId).toBe(issuedId);

    const vp = await wallet.present({ credentials: [stored.id], audience: 'https://border.gov.lc', nonce: 'n-7731', now: NOW });
    const r = await verifyPresentation(vp, { ...verifyOptions(), audience: 'https://border.gov.lc', nonce: 'n-7731' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.holder).toBe(holder);
    // The credential inside the presentation is the issued JWS, byte for byte.
    const vpPayload = JSON.parse(payloadText(vp)) as Record<string, unknown>;
    const inside = JSON.stringify(vpPayload);
    expect(inside).toContain(jwt);
    const [presented] = r.credentials;
    const credential = (presented?.credential ?? {}) as Record<string, unknown>;
    const issuedPayload = JSON.parse(payloadText(jwt)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(issuedPayload)) {
      expect(JSON.stringify(credential[name]), name).toBe(JSON.stringify(value));
    }
  });

  it('signs with the DID the document names as issuer: did:jwk P-256 (ES256), jose verifies with the key the DID carries', async () => {
    const named = nationalIdDocument(issuerJwkDid, holder);
    const issued = await issuer.issue({ credential: structuredClone(named) });
    const header = JSON.parse(Buffer.from(issued.jwt.split('.')[0] as string, 'base64url').toString('utf8')) as Record<string, string>;
    expect(header.alg).toBe('ES256');
    expect(header.kid?.startsWith(`${issuerJwkDid}#`)).toBe(true);
    await compactVerify(issued.jwt, await importJWK(await publicJwkOf(header.kid as string), 'ES256'));
    expectMembersKept(payloadText(issued.jwt), named, ['credentialStatus']);
    await refreshLists();
    expect(verifiedCredential(await verifyCredential(issued.jwt, verifyOptions())).issuer).toEqual(named.issuer);
  });

  it('adds issuer and validFrom only when the document has none: the default DID, and the issuance time', async () => {
    const { issuer: _issuer, validFrom: _from, ...bare } = nationalIdDocument(issuerKeyDid, holder);
    const issued = await issuer.issue({ credential: structuredClone(bare), status: [] });
    const text = payloadText(issued.jwt);
    const payload = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual([...Object.keys(bare), 'id', 'issuer', 'validFrom'].sort());
    expect(payload.issuer).toBe(issuer.defaultDid);
    expect(String(payload.validFrom)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    // status: [] allocates nothing; the caller's own entry stays alone.
    expectStatusAppended(payload.credentialStatus, [CALLER_STATUS], []);
    expectMembersKept(text, bare);
  });
});

describe('a VCDM 1.1 document issued as jwt_vc', () => {
  let document: Record<string, unknown>;
  let jwt: string;

  beforeAll(async () => {
    document = birthCertificateDocument(issuerKeyDid, holder);
    const issued = await issuer.issue({ credential: structuredClone(document) });
    expect(issued.format).toBe('jwt_vc');
    jwt = issued.jwt;
    await refreshLists();
  });

  it('the vc claim is the document as given plus the issuer status entry and its context; iss, jti, sub, nbf, exp from it', () => {
    const payload = JSON.parse(payloadText(jwt)) as Record<string, unknown>;
    const vc = payload.vc as Record<string, unknown>;
    expectMembersKept(JSON.stringify(vc), document, ['@context']);
    // VCDM 1.1 defines no BitstringStatusListEntry: the issuer appends the status list
    // context after the caller's own, which stay first and unchanged.
    expect(JSON.stringify(vc['@context'])).toBe(JSON.stringify([...(document['@context'] as unknown[]), STATUS_LIST_CONTEXT]));
    expect(Object.keys(vc).sort()).toEqual([...Object.keys(document), 'credentialStatus'].sort());
    expectStatusAppended(vc.credentialStatus, [], ['revocation']);
    expect(payload).toMatchObject({
      iss: issuerKeyDid,
      jti: document.id,
      sub: holder,
      nbf: Math.floor(Date.parse(document.issuanceDate as string) / 1000),
      exp: Math.floor(Date.parse(document.expirationDate as string) / 1000),
    });
    expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'iss', 'jti', 'nbf', 'sub', 'vc']);
  });

  it('without status entries the vc claim is the document exactly', async () => {
    const noStatus = { ...document, id: 'urn:bb:birth:1991-07-14-0043' };
    const issued = await issuer.issue({ credential: structuredClone(noStatus), status: [] });
    const vc = (JSON.parse(payloadText(issued.jwt)) as { vc: unknown }).vc;
    expect(JSON.stringify(vc)).toBe(JSON.stringify(noStatus));
  });

  it('did-jwt-vc verifyCredential accepts it and yields every property', async () => {
    const r = await didJwtVcVerify(jwt, didResolver);
    expect(r.verified).toBe(true);
    expect(r.issuer).toBe(issuerKeyDid);
    expectMembersKept(JSON.stringify((r.payload as Record<string, unknown>).vc), document, ['@context']);
    // did-jwt-vc lifts these to the top of the normalized credential.
    for (const name of ['evidence', 'termsOfUse', 'refreshService', 'credentialSubject', 'id'])
      expect(JSON.stringify(r.verifiableCredential[name]), name).toBe(JSON.stringify(document[name]));
  });

  it('Veramo verifyCredential accepts it', async () => {
    const agent = createAgent({
      plugins: [new DIDResolverPlugin({ ...keyDidResolver() }), new CredentialPlugin([new CredentialProviderJWT()])],
    });
    // Veramo checks credentialStatus only through a status plugin; this one has no entries.
    const plain = await issuer.issue({ credential: { ...structuredClone(document), id: 'urn:bb:birth:1991-07-14-0044' }, status: [] });
    // biome-ignore lint/suspicious/noExplicitAny: Veramo's agent type is assembled from its plugins at run time.
    const result = await (agent as any).verifyCredential({ credential: plain.jwt });
    expect(result.verified, JSON.stringify(result.error)).toBe(true);
  });

  it('@tradewind/verifier verifies it and returns every property as given', async () => {
    const r = await verifyCredential(jwt, verifyOptions());
    const credential = verifiedCredential(r);
    expect(r.verified && r.format).toBe('jwt_vc');
    for (const [name, value] of Object.entries(document)) {
      if (name !== '@context') expect(JSON.stringify(credential[name]), name).toBe(JSON.stringify(value));
    }
    expect(JSON.stringify(credential['@context'])).toBe(JSON.stringify([...(document['@context'] as unknown[]), STATUS_LIST_CONTEXT]));
    expect((credential['@context'] as string[])[0]).toBe(VCDM1);
    expect(r.verified && r.warnings).toEqual([]);
  });
});
