import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatusBit, TradewindError } from '@tradewind/core';
import { decodeStatusList } from '@tradewind/core/status-list';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const BASE = 'https://registry.gov.example/status';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-issue-'));
  issuer = await openIssuer({ database: await testDatabase(dir, 'issuer'), secret: 'agency secret', kdf, statusListBaseUrl: BASE });
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

function decode(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.') as [string, string];
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

describe('issue', () => {
  it('issues vc+jwt (VCDM 2.0, VC-JOSE-COSE) that @tradewind/verifier accepts, for Ed25519 and P-256', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const did = await issuer.createDid({ keyType });
      const issued = await issuer.issue({
        issuer: did.did,
        type: 'NationalIdCredential',
        credentialSubject: { id: HOLDER, givenName: 'Ana', familyName: 'Joseph' },
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2036-01-01T00:00:00Z',
        credentialSchema: { id: 'https://registry.gov.example/schemas/national-id.json', type: 'JsonSchema' },
        status: [],
      });
      const { header, payload } = decode(issued.jwt);
      expect(header).toEqual({ alg: did.alg, typ: 'vc+jwt', kid: did.verificationMethod });
      expect(payload).toMatchObject({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: issued.id,
        type: ['VerifiableCredential', 'NationalIdCredential'],
        issuer: did.did,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2036-01-01T00:00:00Z',
        credentialSubject: { id: HOLDER, givenName: 'Ana' },
        credentialSchema: { type: 'JsonSchema' },
      });
      const result = await verifyCredential(issued.jwt, { now: '2027-01-01T00:00:00Z' });
      expect(result.errors ?? []).toEqual([]);
      expect(result.verified).toBe(true);
    }
  });

  it('issues jwt_vc that both @tradewind/verifier and Veramo verifyCredential accept', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const did = await issuer.createDid({ keyType });
      const issued = await issuer.issue({
        issuer: did.did,
        format: 'jwt_vc',
        type: ['BirthCertificate'],
        credentialSubject: { id: HOLDER, name: 'Ana Joseph', birthDate: '1990-04-01' },
        validUntil: new Date(Date.now() + 86_400_000),
        status: ['revocation', 'suspension'],
      });
      const { header, payload } = decode(issued.jwt);
      expect(header).toMatchObject({ alg: did.alg, typ: 'JWT' });
      expect(payload).toMatchObject({ iss: did.did, sub: HOLDER, jti: issued.id });
      expect(typeof payload.nbf).toBe('number');
      expect(typeof payload.exp).toBe('number');
      const vc = payload.vc as Record<string, unknown>;
      expect(vc['@context']).toEqual(['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1']);
      // The vc claim is the whole VCDM 1.1 credential: nothing moved out into the registered claims.
      expect(vc.credentialSubject).toEqual({ id: HOLDER, name: 'Ana Joseph', birthDate: '1990-04-01' });
      expect(vc).toMatchObject({ id: issued.id, issuer: did.did, issuanceDate: expect.any(String), expirationDate: expect.any(String) });
      expect(vc.credentialStatus).toHaveLength(2);

      const veramo = await issuer.agent.veramo.verifyCredential({ credential: issued.jwt });
      expect(veramo.error).toBeUndefined();
      expect(veramo.verified).toBe(true);

      const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
      const ours = await verifyCredential(issued.jwt, { status: { lists } });
      expect(ours.errors ?? []).toEqual([]);
      expect(ours.verified).toBe(true);
    }
  });

  it('issues from did:jwk DIDs, and signs status list credentials the verifier accepts', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const did = await issuer.createDid({ method: 'jwk', keyType });
      const issued = await issuer.issue({ issuer: did.did, type: 'NationalIdCredential', credentialSubject: { id: HOLDER, a: keyType } });
      const lists = await issuer.statusListCredentials({ issuer: did.did });
      expect(lists).toHaveLength(1);
      const list = lists[0] as (typeof lists)[number];
      expect(list.issuer).toBe(did.did);
      const listResult = await verifyCredential(list.jwt);
      expect(listResult.errors ?? []).toEqual([]);
      const result = await verifyCredential(issued.jwt, { status: { lists: { [list.url]: list.jwt } } });
      expect(result.errors ?? []).toEqual([]);
      expect(result.verified).toBe(true);
    }
  });

  it('makes the same jwt_vc registered claims as Veramo createVerifiableCredential, and a vc claim that is the credential exactly', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const did = await issuer.createDid({ keyType });
      const issued = await issuer.issue({
        issuer: did.did,
        format: 'jwt_vc',
        type: 'BirthCertificate',
        id: `urn:uuid:${crypto.randomUUID()}`,
        credentialSubject: { id: HOLDER, name: 'Ana Joseph', place: { city: 'Roseau', country: 'DM' } },
        validFrom: '2026-02-03T04:05:06Z',
        validUntil: '2046-02-03T04:05:06Z',
        credentialSchema: { id: 'https://registry.gov.example/schemas/birth.json', type: 'JsonSchema' },
        status: ['revocation'],
      });
      const theirs = await issuer.agent.veramo.createVerifiableCredential({
        credential: { ...issued.credential } as never,
        proofFormat: 'jwt',
      });
      const veramoJwt = (theirs.proof as { jwt: string }).jwt;
      const ours = decode(issued.jwt);
      const veramo = decode(veramoJwt);
      expect(ours.header).toMatchObject({ alg: veramo.header.alg, typ: veramo.header.typ });
      const { iat: _a, vc: ourVc, ...ourClaims } = ours.payload;
      const { iat: _b, vc: _v, ...veramoClaims } = veramo.payload;
      expect(ourClaims).toEqual(veramoClaims);
      expect(Object.keys(ourClaims).sort()).toEqual(['exp', 'iss', 'jti', 'nbf', 'sub']);
      // Veramo moves id, issuer, dates and the subject id out of vc; ours keeps the credential whole.
      expect(JSON.stringify(ourVc)).toBe(JSON.stringify(issued.credential));
      expect(ourVc).toMatchObject({ id: issued.id, issuer: did.did, issuanceDate: '2026-02-03T04:05:06Z' });
    }
  });

  it('writes Bitstring Status List entries as the spec shows them', async () => {
    const issued = await issuer.issue({
      type: 'NationalIdCredential',
      credentialSubject: { id: HOLDER, n: 1 },
      status: ['revocation', 'suspension'],
    });
    const entries = (issued.credential.credentialStatus ?? []) as Array<Record<string, string>>;
    expect(entries).toHaveLength(2);
    for (const [i, purpose] of ['revocation', 'suspension'].entries()) {
      const e = entries[i] as Record<string, string>;
      expect(Object.keys(e).sort()).toEqual(['id', 'statusListCredential', 'statusListIndex', 'statusPurpose', 'type']);
      expect(e.type).toBe('BitstringStatusListEntry');
      expect(e.statusPurpose).toBe(purpose);
      expect(e.statusListIndex).toMatch(/^\d+$/);
      expect(e.statusListCredential).toMatch(new RegExp(`^${BASE}/\\d+$`));
      expect(e.id).toBe(`${e.statusListCredential}#${e.statusListIndex}`);
    }
    expect(entries[0]?.statusListCredential).not.toBe(entries[1]?.statusListCredential);
  });

  it('revokes, suspends and reinstates by credential id; published lists carry the bits and verifiers reject with REVOKED / SUSPENDED', async () => {
    const make = () =>
      issuer.issue({
        type: 'NationalIdCredential',
        credentialSubject: { id: HOLDER, k: Math.random() },
        status: ['revocation', 'suspension'],
      });
    const [a, b, c] = [await make(), await make(), await make()];
    expect(await issuer.revoke(a.id)).toEqual({ credentialId: a.id, purpose: 'revocation', changed: true });
    expect((await issuer.revoke(a.id)).changed).toBe(false);
    await issuer.suspend(b.id);
    await issuer.suspend(c.id);
    await issuer.reinstate(c.id);

    const out = join(dir, 'public');
    const files = await issuer.publishStatusLists(out, { validForSeconds: 3600 });
    expect(files.length).toBeGreaterThanOrEqual(2);
    const manifest = JSON.parse(readFileSync(join(out, 'status-lists.json'), 'utf8')) as Array<{
      url: string;
      file: string;
      validUntil: string;
    }>;
    const lists: Record<string, string> = {};
    for (const m of manifest) lists[m.url] = readFileSync(join(out, m.file), 'utf8');

    const bit = (cred: typeof a, purpose: string) => {
      const entry = (cred.credential.credentialStatus as Array<Record<string, string>>).find((e) => e.statusPurpose === purpose) as Record<
        string,
        string
      >;
      const { payload, header } = decode(lists[entry.statusListCredential as string] as string);
      expect(header.typ).toBe('vc+jwt');
      expect(payload.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
      const subject = payload.credentialSubject as Record<string, string>;
      expect(subject).toMatchObject({ type: 'BitstringStatusList', statusPurpose: purpose });
      expect(typeof payload.validFrom).toBe('string');
      expect(Date.parse(payload.validUntil as string) - Date.parse(payload.validFrom as string)).toBe(3_600_000);
      const bits = decodeStatusList(subject.encodedList as string);
      expect(bits.length * 8).toBeGreaterThanOrEqual(131_072);
      return getStatusBit(bits, Number(entry.statusListIndex));
    };
    expect(bit(a, 'revocation')).toBe(true);
    expect(bit(a, 'suspension')).toBe(false);
    expect(bit(b, 'suspension')).toBe(true);
    expect(bit(b, 'revocation')).toBe(false);
    expect(bit(c, 'suspension')).toBe(false);

    const verify = (jwt: string) => verifyCredential(jwt, { status: { lists } });
    const ra = await verify(a.jwt);
    expect(ra.verified).toBe(false);
    expect(ra.errors?.map((e) => e.code)).toContain('REVOKED');
    const rb = await verify(b.jwt);
    expect(rb.verified).toBe(false);
    expect(rb.errors?.map((e) => e.code)).toContain('SUSPENDED');
    expect((await verify(c.jwt)).verified).toBe(true);

    const logged = await issuer.getIssued(a.id);
    expect(logged).toMatchObject({ credentialId: a.id, revoked: true, suspended: false, subjectId: HOLDER });
    expect((await issuer.getIssued(b.id)).suspended).toBe(true);
  });

  it('rejects status changes it cannot make', async () => {
    const noStatus = await issuer.issue({ type: 'NationalIdCredential', credentialSubject: { id: HOLDER, z: 1 }, status: [] });
    const revocable = await issuer.issue({ type: 'NationalIdCredential', credentialSubject: { id: HOLDER, z: 2 } });
    await expect(issuer.revoke('urn:uuid:00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(issuer.revoke(noStatus.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.suspend(revocable.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.revoke('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('keeps the log free of personal claims and answers audit queries', async () => {
    const issued = await issuer.issue({ type: 'AuditCredential', credentialSubject: { id: 'did:example:audited', secretName: 'Zed' } });
    const log = await issuer.log({ type: 'AuditCredential' });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      credentialId: issued.id,
      subjectId: 'did:example:audited',
      types: ['VerifiableCredential', 'AuditCredential'],
      format: 'vc+jwt',
    });
    expect(log[0]?.claims).toBeUndefined();
    expect(JSON.stringify(log)).not.toContain('Zed');
    expect(await issuer.log({ subjectId: 'did:example:audited' })).toHaveLength(1);
    expect(await issuer.log({ since: '2999-01-01T00:00:00Z' })).toHaveLength(0);
  });

  it('logs the claims when the agency turns that on', async () => {
    const other = await openIssuer({
      database: await testDatabase(dir, 'claims'),
      secret: 'x',
      kdf,
      statusListBaseUrl: BASE,
      logClaims: true,
    });
    try {
      await other.createDid();
      const issued = await other.issue({ type: 'T', credentialSubject: { name: 'Kept' } });
      expect((await other.getIssued(issued.id)).claims).toEqual({ name: 'Kept' });
    } finally {
      await other.close();
    }
  });

  it('rejects bad requests with INVALID_ARGUMENT and a path, and duplicates with ALREADY_EXISTS', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ credentialSubject: { a: 1 } }, '/type'],
      [{ type: [], credentialSubject: { a: 1 } }, '/type'],
      [{ type: 'T', credentialSubject: {} }, '/credentialSubject'],
      [{ type: 'T', credentialSubject: { id: 'not a uri' } }, '/credentialSubject/id'],
      [{ type: 'T', credentialSubject: { a: 1 }, format: 'ldp_vc' }, '/format'],
      [{ type: 'T', credentialSubject: { a: 1 }, id: 'no-scheme' }, '/id'],
      [{ type: 'T', credentialSubject: { a: 1 }, validFrom: 'yesterday' }, '/validFrom'],
      [{ type: 'T', credentialSubject: { a: 1 }, validFrom: '2030-01-01T00:00:00Z', validUntil: '2029-01-01T00:00:00Z' }, '/validUntil'],
      [{ type: 'T', credentialSubject: { a: 1 }, status: ['refresh'] }, '/status'],
      [{ type: 'T', credentialSubject: { a: 1 }, credentialSchema: { id: 'x' } }, '/credentialSchema'],
    ];
    for (const [request, path] of cases) {
      const error = await issuer.issue(request as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(request)).toBeInstanceOf(TradewindError);
      expect((error as TradewindError).code).toBe('INVALID_ARGUMENT');
      expect((error as TradewindError).path).toBe(path);
    }
    await expect(
      issuer.issue({ type: 'T', credentialSubject: { a: 1 }, issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const first = await issuer.issue({ type: 'T', credentialSubject: { a: 1 }, recordKey: 'civil-reg-1' });
    await expect(issuer.issue({ type: 'T', credentialSubject: { a: 1 }, recordKey: 'civil-reg-1' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await expect(issuer.issue({ type: 'T', credentialSubject: { a: 1 }, id: first.id })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('refuses credentials with status until a status list base URL is set', async () => {
    const bare = await openIssuer({ database: await testDatabase(dir, 'bare'), secret: 'x', kdf });
    try {
      await bare.createDid();
      await expect(bare.issue({ type: 'T', credentialSubject: { a: 1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await bare.issue({ type: 'T', credentialSubject: { a: 1 }, status: [] })).jwt).toMatch(/^ey/);
      expect(await bare.log()).toHaveLength(1);
    } finally {
      await bare.close();
    }
    await expect(openIssuer({ path: join(dir, 'bad.db'), secret: 'x', statusListBaseUrl: 'ftp://x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(openIssuer({ path: join(dir, 'bad.db'), secret: 'x', statusListLength: 1000 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('produces the did:web document the agency hosts', async () => {
    const web = await issuer.createDid({ method: 'web', domain: 'registry.gov.example', keyType: 'P-256' });
    const doc = await issuer.didWebDocument(web.did);
    expect(doc.id).toBe('did:web:registry.gov.example');
    expect(doc.verificationMethod?.[0]).toMatchObject({
      id: web.verificationMethod,
      type: 'JsonWebKey2020',
      publicKeyJwk: { kty: 'EC', crv: 'P-256' },
    });
    const issued = await issuer.issue({ issuer: web.did, type: 'T', credentialSubject: { a: 1 }, status: [] });
    const result = await verifyCredential(issued.jwt, { didResolver: { documents: [doc] } });
    expect(result.errors ?? []).toEqual([]);
    expect(result.verified).toBe(true);
    await expect(issuer.didWebDocument((await issuer.listDids()).find((d) => d.method === 'key')?.did as string)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
