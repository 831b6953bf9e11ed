// The VC-API server's Data Integrity side over real parts: a SQLite issuer database,
// real Ed25519 and P-256 signatures, HTTP on 127.0.0.1. What it issues is verified by
// an independent implementation (Digital Bazaar's @digitalbazaar/vc with its
// eddsa-rdfc-2022 and ecdsa-rdfc-2019 cryptosuites, offline over the npm context
// packages); what it verifies is made by that implementation too (a did:key issuer and
// holder of its own).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { type JsonObject, jwkToMultikey } from '@tradewind/core';
import { type Issuer, type ManagedDid, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVcApiServer } from './server.mjs';

const require = createRequire(import.meta.url);
const V2 = 'https://www.w3.org/ns/credentials/v2';
/** The examples context (its `@vocab` defines the example terms), as the W3C suites use it. */
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2';

/** The JSON-LD contexts of the npm context packages, for Digital Bazaar's side. */
const CONTEXTS = new Map<string, unknown>();
for (const pkg of [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  'did-context',
]) {
  for (const [url, doc] of (require(pkg) as { contexts: Map<string, unknown> }).contexts) CONTEXTS.set(url, doc);
}
// No npm package carries it: the copy bundled with the verifier (provenance in its README).
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
CONTEXTS.set(EXAMPLES, JSON.parse(readFileSync(join(root, 'packages/verifier/src/di/contexts/credentials-examples-v2.json'), 'utf8')));

interface Answer {
  status: number;
  headers: Headers;
  body: { [key: string]: unknown; errors?: Array<{ code: string; message: string; path?: string }> };
}

let dir: string;
let issuer: Issuer;
let ed: ManagedDid;
let p256: ManagedDid;
let server: { url: string; close(): Promise<void> };
/** The same, accepting high-S ECDSA signatures (as signers that do not normalise S make half the time). */
let highSServer: { url: string; close(): Promise<void> };
/** A did:key of Digital Bazaar's making (Ed25519 Multikey), the foreign issuer and holder. */
let foreign: { did: string; key: { id: string; signer(): unknown }; document: JsonObject };

async function post(path: string, body: unknown, base = server.url): Promise<Answer> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.code);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A DID document for a did:key (its key as a Multikey), as Digital Bazaar's loader serves it. */
function didKeyDocument(did: string, methodId: string, publicKeyMultibase: string): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id: methodId, type: 'Multikey', controller: did, publicKeyMultibase }],
    assertionMethod: [methodId],
    authentication: [methodId],
  };
}

/** A static document loader: the context packages, the DID documents given (with their methods), documents by URL. */
function loader(didDocuments: JsonObject[], documents: Record<string, unknown> = {}) {
  return async (url: string) => {
    const base = url.split('#')[0];
    let document: unknown = CONTEXTS.get(url) ?? documents[url];
    const did = didDocuments.find((d) => d.id === base);
    if (document === undefined && did !== undefined) {
      document =
        base === url ? did : { '@context': did['@context'], ...(did.verificationMethod as JsonObject[]).find((m) => m.id === url) };
    }
    if (document === undefined) throw new Error(`static loader: nothing at ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

function ourDocument(did: ManagedDid): JsonObject {
  return didKeyDocument(did.did, did.verificationMethod, jwkToMultikey(did.publicJwk as Parameters<typeof jwkToMultikey>[0]));
}

const dbSuites = () => [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 })];

function credentialOf(issuerDid: string, extra: Record<string, unknown> = {}) {
  return {
    '@context': [V2, EXAMPLES],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: issuerDid,
    credentialSubject: { id: 'did:example:alice', alumniOf: 'Example University' },
    ...extra,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-vc-api-di-'));
  const port = await freePort();
  issuer = await openIssuer({
    path: join(dir, 'issuer.db'),
    secret: 'vc-api-di',
    kdf: { N: 2 ** 10, r: 8, p: 1 },
    statusListBaseUrl: `http://127.0.0.1:${port}/status`,
  });
  ed = await issuer.createDid({ method: 'key', keyType: 'Ed25519' });
  p256 = await issuer.createDid({ method: 'key', keyType: 'P-256' });
  // Any issuer whose DID resolves offline: the foreign did:key below included.
  server = await startVcApiServer({ issuer, port, verifyOptions: { trustedIssuers: null } });
  highSServer = await startVcApiServer({ issuer, verifyOptions: { trustedIssuers: null, allowHighS: true } });
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  foreign = { did, key, document: didKeyDocument(did, key.id, key.publicKeyMultibase) };
});

afterAll(async () => {
  await server?.close();
  await highSServer?.close();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('POST /credentials/issue with options.cryptosuite', () => {
  it('issues eddsa-rdfc-2022 for an Ed25519 issuer (201): a DataIntegrityProof that @digitalbazaar/vc verifies', async () => {
    const a = await post('/credentials/issue', { credential: credentialOf(ed.did), options: { cryptosuite: 'eddsa-rdfc-2022' } });
    expect(a.body.errors ?? []).toEqual([]);
    expect(a.status).toBe(201);
    const issued = a.body.verifiableCredential as JsonObject;
    expect(issued).toMatchObject({ issuer: ed.did, credentialSubject: { id: 'did:example:alice' } });
    expect(issued.credentialStatus).toBeUndefined();
    expect(issued.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: ed.verificationMethod,
      proofValue: expect.stringMatching(/^z[1-9A-HJ-NP-Za-km-z]+$/),
    });
    const db = await vc.verifyCredential({
      credential: structuredClone(issued),
      suite: dbSuites(),
      documentLoader: loader([ourDocument(ed)]),
    });
    expect(db.error).toBeUndefined();
    expect(db.verified).toBe(true);
  });

  it('issues ecdsa-rdfc-2019 for a P-256 issuer (201) that @digitalbazaar/vc verifies', async () => {
    const a = await post('/credentials/issue', { credential: credentialOf(p256.did), options: { cryptosuite: 'ecdsa-rdfc-2019' } });
    expect(a.body.errors ?? []).toEqual([]);
    expect(a.status).toBe(201);
    const issued = a.body.verifiableCredential as JsonObject;
    expect(issued.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'ecdsa-rdfc-2019',
      verificationMethod: p256.verificationMethod,
    });
    const db = await vc.verifyCredential({
      credential: structuredClone(issued),
      suite: dbSuites(),
      documentLoader: loader([ourDocument(p256)]),
    });
    expect(db.error).toBeUndefined();
    expect(db.verified).toBe(true);
  });

  it('refuses a cryptosuite the issuer has no key for, an unknown cryptosuite and ill-formed status purposes', async () => {
    const mismatch = await post('/credentials/issue', { credential: credentialOf(p256.did), options: { cryptosuite: 'eddsa-rdfc-2022' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0]).toMatchObject({ code: 'UNSUPPORTED_ALGORITHM', path: '/options/cryptosuite' });
    expect(mismatch.body.errors?.[0]?.message).toContain('P-256');
    const unknown = await post('/credentials/issue', { credential: credentialOf(ed.did), options: { cryptosuite: 'bbs-2023' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]).toMatchObject({ code: 'UNSUPPORTED_ALGORITHM', path: '/options/cryptosuite' });
    for (const status of ['revocation', ['expiry'], ['revocation', 'revocation']]) {
      const bad = await post('/credentials/issue', { credential: credentialOf(ed.did), options: { status } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/options/status' });
    }
  });
});

describe('status lists', () => {
  it('allocates a BitstringStatusListEntry on request and serves the Data Integrity list at its URL (and vc+jwt on Accept)', async () => {
    const a = await post('/credentials/issue', {
      credential: credentialOf(ed.did),
      options: { cryptosuite: 'eddsa-rdfc-2022', status: ['revocation'] },
    });
    expect(a.body.errors ?? []).toEqual([]);
    expect(a.status).toBe(201);
    const issued = a.body.verifiableCredential as JsonObject;
    const entry = issued.credentialStatus as Record<string, string>;
    expect(entry).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: expect.stringMatching(/^\d+$/),
    });
    expect(entry.statusListCredential.startsWith(`${server.url}/status/`)).toBe(true);

    const res = await fetch(entry.statusListCredential);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ld+json');
    const list = (await res.json()) as JsonObject;
    expect(list).toMatchObject({ id: entry.statusListCredential, issuer: ed.did, proof: { cryptosuite: 'eddsa-rdfc-2022' } });
    const db = await vc.verifyCredential({
      credential: structuredClone(list),
      suite: dbSuites(),
      documentLoader: loader([ourDocument(ed)]),
    });
    expect(db.error).toBeUndefined();
    expect(db.verified).toBe(true);

    const jwt = await fetch(entry.statusListCredential, { headers: { accept: 'application/vc+jwt' } });
    expect(jwt.status).toBe(200);
    expect(jwt.headers.get('content-type')).toBe('application/vc+jwt');
    expect(await jwt.text()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await fetch(`${server.url}/status/999`)).status).toBe(404);
  });

  it('verifies the credential against its list, and refuses it once revoked (REVOKED)', async () => {
    const a = await post('/credentials/issue', {
      credential: credentialOf(ed.did),
      options: { cryptosuite: 'eddsa-rdfc-2022', status: ['revocation'] },
    });
    const issued = a.body.verifiableCredential as JsonObject;
    const before = await post('/credentials/verify', { verifiableCredential: issued });
    expect(before.body.errors).toEqual([]);
    expect(before.status).toBe(200);
    expect(before.body.checks).toEqual(expect.arrayContaining(['proof', 'status']));
    await issuer.revoke(issued.id as string);
    const after = await post('/credentials/verify', { verifiableCredential: issued });
    expect(after.status).toBe(400);
    expect(codes(after)).toEqual(['REVOKED']);
  });
});

describe('POST /credentials/verify and /presentations/verify with Data Integrity', () => {
  it('verifies a credential of its own issuer (200) and refuses it altered (SIGNATURE_INVALID)', async () => {
    const a = await post('/credentials/issue', { credential: credentialOf(ed.did), options: { cryptosuite: 'eddsa-rdfc-2022' } });
    const issued = a.body.verifiableCredential as JsonObject;
    const ok = await post('/credentials/verify', { verifiableCredential: issued });
    expect(ok.body.errors).toEqual([]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ verified: true });
    const altered = structuredClone(issued) as { credentialSubject: { alumniOf: string } };
    altered.credentialSubject.alumniOf = 'Another University';
    const bad = await post('/credentials/verify', { verifiableCredential: altered });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['SIGNATURE_INVALID']);
  });

  it('verifies a credential @digitalbazaar/vc signed (eddsa-rdfc-2022, its own did:key)', async () => {
    const suite = new DataIntegrityProof({ signer: foreign.key.signer(), cryptosuite: eddsaRdfc2022 });
    const signed = await vc.issue({
      credential: credentialOf(foreign.did, { id: 'urn:uuid:5c2f1a4e-8f1b-4b7e-9d5e-2b1f0c3a4d5e' }),
      suite,
      documentLoader: loader([foreign.document]),
    });
    const ok = await post('/credentials/verify', { verifiableCredential: signed });
    expect(ok.body.errors).toEqual([]);
    expect(ok.status).toBe(200);
    const wrongPurpose = await vc.issue({
      credential: credentialOf(foreign.did),
      suite: new DataIntegrityProof({ signer: foreign.key.signer(), cryptosuite: eddsaRdfc2022 }),
      purpose: new (await import('jsonld-signatures')).default.purposes.AuthenticationProofPurpose({ challenge: 'c' }),
      documentLoader: loader([foreign.document]),
    });
    const refused = await post('/credentials/verify', { verifiableCredential: wrongPurpose });
    expect(refused.status).toBe(400);
    expect(refused.body.verified).toBe(false);
  });

  it('verifies a Data Integrity presentation with the challenge and domain asked, and refuses others', async () => {
    const a = await post('/credentials/issue', {
      credential: credentialOf(ed.did, { credentialSubject: { id: foreign.did, alumniOf: 'Example University' } }),
      options: { cryptosuite: 'eddsa-rdfc-2022' },
    });
    const credential = a.body.verifiableCredential as JsonObject;
    const presentation = vc.createPresentation({ verifiableCredential: [credential], holder: foreign.did, version: 2.0 });
    const vp = await vc.signPresentation({
      presentation,
      suite: new DataIntegrityProof({ signer: foreign.key.signer(), cryptosuite: eddsaRdfc2022 }),
      challenge: 'nonce-123',
      domain: 'https://verifier.example',
      documentLoader: loader([foreign.document, ourDocument(ed)]),
    });
    const ok = await post('/presentations/verify', {
      verifiablePresentation: vp,
      options: { challenge: 'nonce-123', domain: 'https://verifier.example' },
    });
    expect(ok.body.errors).toEqual([]);
    expect(ok.status).toBe(200);
    const challenge = await post('/presentations/verify', {
      verifiablePresentation: vp,
      options: { challenge: 'another', domain: 'https://verifier.example' },
    });
    expect(challenge.status).toBe(400);
    expect(codes(challenge)).toEqual(['NONCE_MISMATCH']);
    const domain = await post('/presentations/verify', {
      verifiablePresentation: vp,
      options: { challenge: 'nonce-123', domain: 'https://another.example' },
    });
    expect(domain.status).toBe(400);
    expect(codes(domain)).toEqual(['AUDIENCE_MISMATCH']);
  });

  it('refuses a presentation whose proof is by a key of another DID than its holder', async () => {
    const other = await Ed25519Multikey.generate();
    const otherDid = `did:key:${other.publicKeyMultibase}`;
    other.id = `${otherDid}#${other.publicKeyMultibase}`;
    other.controller = otherDid;
    const issued = await post('/credentials/issue', {
      credential: credentialOf(ed.did, { credentialSubject: { id: foreign.did, alumniOf: 'Example University' } }),
      options: { cryptosuite: 'eddsa-rdfc-2022' },
    });
    const presentation = vc.createPresentation({
      verifiableCredential: [issued.body.verifiableCredential],
      holder: foreign.did,
      version: 2.0,
    });
    const vp = await vc.signPresentation({
      presentation,
      suite: new DataIntegrityProof({ signer: other.signer(), cryptosuite: eddsaRdfc2022 }),
      challenge: 'nonce-456',
      documentLoader: loader([didKeyDocument(otherDid, other.id, other.publicKeyMultibase), ourDocument(ed)]),
    });
    const a = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'nonce-456' } });
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]).toMatchObject({ code: 'KEY_NOT_FOUND', path: '/proof/verificationMethod' });
    expect(a.body.errors?.[0]?.message).toContain(`not by ${foreign.did}`);
  });
});

/** base58btc (Bitcoin alphabet) to bytes. */
function base58(text: string): Uint8Array {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const c of text) n = n * 58n + BigInt(alphabet.indexOf(c));
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** Group orders of P-256 and P-384: an ECDSA signature's S above half of it is the high-S form. */
const ORDER = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

describe('ecdsa-rdfc-2019 credentials of other issuers', () => {
  for (const curve of ['P-256', 'P-384'] as const) {
    it(`verifies one @digitalbazaar/vc signed with a ${curve} did:key (high S or low), and refuses it altered`, async () => {
      const key = await EcdsaMultikey.generate({ curve });
      const did = `did:key:${key.publicKeyMultibase}`;
      key.id = `${did}#${key.publicKeyMultibase}`;
      key.controller = did;
      const signed = await vc.issue({
        credential: credentialOf(did),
        suite: new DataIntegrityProof({ signer: key.signer(), cryptosuite: ecdsaRdfc2019 }),
        documentLoader: loader([didKeyDocument(did, key.id, key.publicKeyMultibase)]),
      });
      // WebCrypto does not normalise S: half of these signatures are high-S.
      const signature = base58((signed.proof as { proofValue: string }).proofValue.slice(1));
      const s = BigInt(`0x${Buffer.from(signature.subarray(signature.length / 2)).toString('hex')}`);
      const highS = s > ORDER[curve] / 2n;

      const lenient = await post('/credentials/verify', { verifiableCredential: signed }, highSServer.url);
      expect(lenient.body.errors).toEqual([]);
      expect(lenient.status).toBe(200);
      // Data Integrity proofs are accepted with either S by default (the verifier's
      // dataIntegrity.requireLowS, off by default), so the default server takes both.
      const byDefault = await post('/credentials/verify', { verifiableCredential: signed });
      expect(byDefault.body.errors, `high S: ${highS}`).toEqual([]);
      expect(byDefault.status).toBe(200);
      const altered = { ...signed, credentialSubject: { id: 'did:example:alice', alumniOf: 'Another University' } };
      const bad = await post('/credentials/verify', { verifiableCredential: altered }, highSServer.url);
      expect(bad.status).toBe(400);
      expect(codes(bad)).toEqual(['SIGNATURE_INVALID']);
    });
  }
});

describe('Data Integrity presentations carrying enveloped credentials', () => {
  it('verifies a presentation @digitalbazaar/vc signed around a vc+jwt credential of the issuer', async () => {
    const a = await post('/credentials/issue', {
      credential: credentialOf(ed.did, { credentialSubject: { id: foreign.did, alumniOf: 'Example University' } }),
    });
    expect(a.body.errors ?? []).toEqual([]);
    const envelope = a.body.verifiableCredential as JsonObject;
    expect(envelope.type).toBe('EnvelopedVerifiableCredential');
    const vp = await vc.signPresentation({
      presentation: { '@context': [V2], type: ['VerifiablePresentation'], holder: foreign.did, verifiableCredential: [envelope] },
      suite: new DataIntegrityProof({ signer: foreign.key.signer(), cryptosuite: eddsaRdfc2022 }),
      challenge: 'nonce-789',
      documentLoader: loader([foreign.document]),
    });
    const ok = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'nonce-789' } });
    expect(ok.body.errors).toEqual([]);
    expect(ok.status).toBe(200);
    // The enveloped credential altered inside the signed presentation: the presentation's proof fails first.
    const altered = structuredClone(vp) as { verifiableCredential: Array<{ id: string }> };
    altered.verifiableCredential[0] = { ...altered.verifiableCredential[0], id: `${envelope.id as string}x` };
    const bad = await post('/presentations/verify', { verifiablePresentation: altered, options: { challenge: 'nonce-789' } });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['SIGNATURE_INVALID']);
  });
});

describe('onAnswer', () => {
  it('is told the method, path, status and errors of every answer', async () => {
    const answers: Array<{ method: string; path: string; status: number; errors: Array<{ code: string; message: string }> }> = [];
    const logged = await startVcApiServer({ issuer, onAnswer: (a: (typeof answers)[number]) => answers.push(a) });
    try {
      await fetch(`${logged.url}/credentials/issue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ credential: credentialOf(ed.did), options: { cryptosuite: 'eddsa-rdfc-2022' } }),
      });
      await fetch(`${logged.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      // The answer is told after it is sent: wait for both.
      for (let i = 0; i < 100 && answers.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(answers).toEqual([
        { method: 'POST', path: '/credentials/issue', status: 201, errors: [] },
        {
          method: 'POST',
          path: '/credentials/verify',
          status: 400,
          errors: [{ code: 'MALFORMED', message: 'verifiableCredential must be a JSON object' }],
        },
      ]);
    } finally {
      await logged.close();
    }
    await expect(startVcApiServer({ issuer, onAnswer: 'log' })).rejects.toThrow('onAnswer must be a function');
  });
});
