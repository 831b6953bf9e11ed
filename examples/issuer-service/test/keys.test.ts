// Key rotation over real HTTP: the admin rotates the service's signing key, the DID
// document and GET /keys show both keys, a trust anchor updates its list from GET /keys,
// and verifiers accept what each key signed in its period and refuse the retired key after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VCDM_2_CONTEXT } from '@tradewind/core';
import { type Issuer, openIssuer, recognitionEntriesFor, type SigningKey } from '@tradewind/issuer';
import { type CredentialVerificationResult, createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialDocument, post, startTestService, TEST_KDF, type TestService } from './helpers.js';

let service: TestService;
let anchorDir: string;
let anchor: Issuer;
let anchorDid: string;

beforeAll(async () => {
  service = await startTestService();
  anchorDir = await mkdtemp(join(tmpdir(), 'tw-anchor-'));
  anchor = await openIssuer({ path: join(anchorDir, 'anchor.db'), secret: 'anchor', kdf: TEST_KDF });
  anchorDid = (await anchor.createDid()).did;
});
afterAll(async () => {
  await service.stop();
  await anchor.close();
  await rm(anchorDir, { recursive: true, force: true });
});

interface KeysBody {
  did: string;
  keys: SigningKey[];
  recognitionKeys: Array<{ kid: string }>;
}
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()) as { kid: string };

async function issue(): Promise<string> {
  const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = ((await res.json()) as { verifiableCredential: { id: string } }).verifiableCredential;
  return id.slice(id.indexOf(',') + 1);
}

async function getKeys(): Promise<KeysBody> {
  const res = await fetch(`${service.base}/keys`);
  expect(res.status).toBe(200);
  return (await res.json()) as KeysBody;
}

function rotate(body?: unknown, key: string | null = service.adminKey, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${service.base}/keys/rotate`, {
    method: 'POST',
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

describe('signing key rotation over HTTP', () => {
  it('refuses rotation without a valid admin key or with a bad body, and changes nothing', async () => {
    const before = await getKeys();
    expect(before.did).toBe(service.did);
    expect(before.keys.map((k) => k.state)).toEqual(['current']);
    const none = await rotate(undefined, null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('UNAUTHORIZED');
    expect((await rotate(undefined, 'tw_not-a-configured-key')).status).toBe(403);
    for (const [body, path] of [
      [{ keyType: 'RSA' }, '/keyType'],
      [{ keyType: 'P-256', now: '2020-01-01T00:00:00Z' }, ''],
      [[], ''],
    ] as const) {
      const res = await rotate(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const refusal = (await res.json()) as { errors: Array<{ code: string; path?: string }> };
      expect(refusal.errors[0]?.code).toBe('MALFORMED');
      if (path) expect(refusal.errors[0]?.path).toBe(path);
    }
    expect((await rotate('{"keyType":', service.adminKey)).status).toBe(400);
    expect((await rotate('{}', service.adminKey, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await rotate({ keyType: 'x'.repeat(service.config.limits.bodyBytes) })).status).toBe(413);
    expect(await getKeys()).toEqual(before);
  });

  it('issue with key 1 → rotate → issue with key 2: the anchor updates its list from GET /keys and verifiers judge each key by its period', async () => {
    const key1 = (await getKeys()).keys[0] as SigningKey;
    const first = await issue();
    expect(header(first).kid).toBe(key1.verificationMethod);

    const res = await rotate();
    expect(res.status, await res.clone().text()).toBe(200);
    const rotated = (await res.json()) as KeysBody & {
      verificationMethod: string;
      previous: { verificationMethod: string; retiredAt: string };
    };
    expect(rotated.did).toBe(service.did);
    expect(rotated.previous.verificationMethod).toBe(key1.verificationMethod);
    expect(rotated.verificationMethod).not.toBe(key1.verificationMethod);
    expect(rotated.keys.map((k) => [k.verificationMethod, k.state, k.retiredAt])).toEqual([
      [rotated.verificationMethod, 'current', undefined],
      [key1.verificationMethod, 'retired', rotated.previous.retiredAt],
    ]);
    expect(rotated.recognitionKeys.map((k) => k.kid)).toEqual([rotated.verificationMethod, key1.verificationMethod]);

    // The published DID document, read again: both keys, the new one first, the old one retired.
    const didRes = await fetch(`${service.base}/.well-known/did.json`);
    const doc = (await didRes.json()) as {
      verificationMethod: Array<{ id: string; retiredAt?: string }>;
      assertionMethod: string[];
      authentication: string[];
    };
    expect(doc.verificationMethod.map((vm) => [vm.id, vm.retiredAt])).toEqual([
      [rotated.verificationMethod, undefined],
      [key1.verificationMethod, rotated.previous.retiredAt],
    ]);
    expect(doc.assertionMethod).toEqual([rotated.verificationMethod, key1.verificationMethod]);
    expect(doc.authentication).toEqual([rotated.verificationMethod]);

    const second = await issue();
    expect(header(second).kid).toBe(rotated.verificationMethod);
    const statusLists: Record<string, string> = {};
    for (const n of [1, 2]) {
      const statusRes = await fetch(`${service.base}/status/${n}`);
      expect(statusRes.status).toBe(200);
      statusLists[`${service.config.baseUrl}/status/${n}`] = await statusRes.text();
    }
    for (const jwt of Object.values(statusLists)) expect(header(jwt).kid).toBe(rotated.verificationMethod);

    // The service's own verify endpoint accepts both.
    for (const jwt of [first, second]) {
      const verified = await post(`${service.base}/credentials/verify`, {
        verifiableCredential: { '@context': [VCDM_2_CONTEXT], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` },
      });
      expect(verified.status, await verified.clone().text()).toBe(200);
    }

    // The anchor pulls GET /keys and writes one entry per key, each bound to its period.
    const pulled = await getKeys();
    expect(pulled.keys).toEqual(rotated.keys);
    const entries = recognitionEntriesFor(pulled.did, pulled.keys, {
      country: 'TT',
      name: 'Registrar General',
      credentialTypes: ['NationalIdCredential'],
      assuranceLevel: 'substantial',
    });
    expect(entries.map((e) => e.validUntil)).toEqual([undefined, rotated.previous.retiredAt]);
    const list = await anchor.signRecognitionList({ sequence: 1, nextUpdate: new Date(Date.now() + 30 * 86_400_000), entries });

    // A verifier elsewhere, ten minutes later: the status list fetched from the service.
    const retiredAt = Date.parse(rotated.previous.retiredAt);
    const now = new Date(retiredAt + 10 * 60_000);
    const verifier = createVerifier({
      now,
      policy: { anchors: [anchorDid] },
      recognitionLists: [list],
      status: { lists: statusLists },
    });
    for (const jwt of [first, second]) {
      const result = await verifier.verifyCredential(jwt);
      expect(result.verified, JSON.stringify(result)).toBe(true);
    }
    // The retired key signing five minutes after its retirement (the old private key is still in the database).
    const old = (await service.context.issuer.agent.getDid(service.did)).retiredKeys?.[0];
    const forged = await service.context.issuer.agent.signJwt(
      { alg: old?.alg, typ: 'vc+jwt', kid: old?.verificationMethod },
      {
        '@context': [VCDM_2_CONTEXT],
        type: ['VerifiableCredential', 'NationalIdCredential'],
        issuer: service.did,
        validFrom: new Date(retiredAt + 5 * 60_000).toISOString(),
        credentialSubject: { id: 'did:example:mallory', givenName: 'Mallory' },
      },
      old?.keyId as string,
    );
    expect(codes(await verifier.verifyCredential(forged))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('issuances in flight while the key rotates are each signed by a key whose period covers them', async () => {
    const issuing = Array.from({ length: 40 }, () => issue());
    const rotation = rotate();
    const more = Array.from({ length: 40 }, () => issue());
    expect((await rotation).status).toBe(200);
    const jwts = await Promise.all([...issuing, ...more]);
    const { keys } = await getKeys();
    const entries = recognitionEntriesFor(service.did, keys, {
      country: 'TT',
      name: 'Registrar General',
      credentialTypes: ['NationalIdCredential'],
      assuranceLevel: 'substantial',
    });
    const list = await anchor.signRecognitionList({ sequence: 2, nextUpdate: new Date(Date.now() + 30 * 86_400_000), entries });
    const verifier = createVerifier({
      now: new Date(Date.now() + 60_000),
      clockSkewSeconds: 0,
      policy: { anchors: [anchorDid] },
      recognitionLists: [list],
      status: { onUnavailable: 'warn' },
    });
    const known = new Set(keys.map((k) => k.verificationMethod));
    for (const jwt of jwts) {
      expect(known.has(header(jwt).kid)).toBe(true);
      const result = await verifier.verifyCredential(jwt);
      expect(result.verified, JSON.stringify(result)).toBe(true);
    }
  });

  it('a rotation by another process on the same database: the service signs and publishes the new key from then on', async () => {
    const other = await openIssuer({ path: service.config.database, secret: service.config.secret });
    let rotated: string;
    try {
      rotated = (await other.rotateKey(service.did)).verificationMethod;
    } finally {
      await other.close();
    }
    expect(header(await issue()).kid).toBe(rotated);
    const doc = (await (await fetch(`${service.base}/.well-known/did.json`)).json()) as { verificationMethod: Array<{ id: string }> };
    expect(doc.verificationMethod[0]?.id).toBe(rotated);
    expect((await getKeys()).keys[0]?.verificationMethod).toBe(rotated);
  });

  it('rotates to the key type the body names, and GET /keys keeps every retired key with its period', async () => {
    const res = await rotate({ keyType: 'P-256' });
    expect(res.status, await res.clone().text()).toBe(200);
    const keys = await getKeys();
    expect(keys.keys.map((k) => [k.state, k.keyType])).toEqual([
      ['current', 'P-256'],
      ['retired', 'Ed25519'],
      ['retired', 'Ed25519'],
      ['retired', 'Ed25519'],
      ['retired', 'Ed25519'],
    ]);
    for (const i of [0, 1, 2, 3]) expect(keys.keys[i]?.activeFrom).toBe(keys.keys[i + 1]?.retiredAt);
    expect(keys.keys[4]?.activeFrom).toBeUndefined();
    expect(new Set(keys.keys.map((k) => k.verificationMethod)).size).toBe(5);
    expect(header(await issue()).kid).toBe(keys.keys[0]?.verificationMethod);
  });
});
