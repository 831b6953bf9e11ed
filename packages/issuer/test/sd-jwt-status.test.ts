// Token Status Lists of dc+sd-jwt credentials: index allocation (random, unique, also under
// concurrency and across instances), status changes, signed tokens, publishing, and what
// @tradewind/verifier makes of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { MIN_STATUS_LIST_LENGTH } from '@tradewind/core';
import { type IssuedCredential, type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF } from './helpers/temp-issuer.js';

const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const BASE = 'https://registry.gov.example/status';
let dir: string;
let database: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer, database } = await openTempIssuer('sd-jwt-status'));
});
afterAll(() => closeTempIssuer(issuer, dir));

const request = (status: Array<'revocation' | 'suspension'> = ['revocation', 'suspension']) => ({
  format: 'dc+sd-jwt' as const,
  type: 'NationalIdCredential',
  credentialSubject: { id: HOLDER, given_name: 'Ana', nationality: 'TT' },
  status,
});

function decode(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.') as [string, string];
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

async function tokenFor(issued: IssuedCredential): Promise<string> {
  const [token] = await issuer.statusListTokens({ url: issued.statusList?.uri as string });
  return (token as { jwt: string }).jwt;
}

function expectRandomUnique(indexes: number[]): void {
  expect(new Set(indexes).size).toBe(indexes.length);
  for (const i of indexes) {
    expect(Number.isSafeInteger(i)).toBe(true);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(MIN_STATUS_LIST_LENGTH);
  }
  // Not handed out in order: neither ascending nor in one narrow band.
  const ascending = indexes.every((v, k) => k === 0 || v > (indexes[k - 1] as number));
  expect(ascending).toBe(false);
  expect(Math.max(...indexes) - Math.min(...indexes)).toBeGreaterThan(MIN_STATUS_LIST_LENGTH / 4);
}

describe('Token Status List allocation', () => {
  it('gives random, unique indexes in one token list of at least 131,072 entries, apart from the Bitstring lists', async () => {
    const many = await issuer.issueMany(Array.from({ length: 200 }, () => request()));
    const one = await Promise.all(Array.from({ length: 20 }, () => issuer.issue(request(['revocation']))));
    const all = [...many, ...one];
    const uris = new Set(all.map((c) => c.statusList?.uri));
    expect(uris.size).toBe(1);
    const uri = [...uris][0] as string;
    expect(uri).toMatch(new RegExp(`^${BASE}/token/[0-9]+$`));
    expectRandomUnique(all.map((c) => c.statusList?.idx as number));
    const list = getListFromStatusListJWT(await tokenFor(many[0] as IssuedCredential));
    expect(list.statusList.length).toBeGreaterThanOrEqual(MIN_STATUS_LIST_LENGTH);
    // A JOSE credential of the same issuer takes a Bitstring list of its own.
    const jose = await issuer.issue({ type: 'NationalIdCredential', credentialSubject: { id: HOLDER, name: 'Ana' } });
    const bitstring = jose.status[0]?.statusListCredential as string;
    expect(bitstring).toMatch(new RegExp(`^${BASE}/[0-9]+$`));
    expect((await issuer.statusListCredentials()).map((l) => l.url)).not.toContain(uri);
    expect((await issuer.statusListTokens()).map((t) => t.url)).toEqual([uri]);
  });

  it('two instances on one database issuing at once never share an index', async () => {
    const second = await openIssuer({ database, secret: 'sd-jwt-status', kdf: TEST_KDF });
    try {
      // Each instance issues one at a time beside a batch of its own, as a service instance
      // would. (Two instances in one process share its four libuv threads: dozens of calls
      // in flight at once each could park threads on SQLite's busy wait until the other
      // instance cannot commit; separate processes, the real deployment, have their own.)
      const oneByOne = async (who: Issuer) => {
        const out: IssuedCredential[] = [];
        for (let i = 0; i < 15; i++) out.push(await who.issue(request()));
        return out;
      };
      const both = await Promise.all([
        oneByOne(issuer),
        oneByOne(second),
        issuer.issueMany(Array.from({ length: 50 }, () => request())),
        second.issueMany(Array.from({ length: 50 }, () => request())),
      ]);
      const issued = both.flat();
      const used = (await issuer.log({ limit: 100_000 })).filter((l) => l.format === 'dc+sd-jwt');
      const keys = used.map((l) => `${l.status[0]?.listId}#${l.status[0]?.index}`).filter((k) => !k.startsWith('undefined'));
      expect(new Set(keys).size).toBe(keys.length);
      expect(issued.length).toBe(130);
      expect(new Set(issued.map((c) => `${c.statusList?.uri}#${c.statusList?.idx}`)).size).toBe(130);
    } finally {
      await second.close();
    }
    // 130 issuances through two connections taking turns at one SQLite file's write lock:
    // well under a second alone, much longer on a machine busy with other suites.
  }, 120_000);
});

describe('Token Status List changes and tokens', () => {
  it('revoke, suspend and reinstate set the 2-bit value and move the list version once per change', async () => {
    const issued = await issuer.issue(request());
    const uri = issued.statusList?.uri as string;
    const version = async () => (await issuer.statusListVersions()).get(uri);
    const value = async () => getListFromStatusListJWT(await tokenFor(issued)).getStatus(issued.statusList?.idx as number);
    const before = (await version()) as number;
    expect(await value()).toBe(0);
    expect(await issuer.suspend(issued.id)).toMatchObject({ changed: true, purpose: 'suspension' });
    expect(await issuer.suspend(issued.id)).toMatchObject({ changed: false });
    expect(await value()).toBe(2);
    expect(await version()).toBe(before + 1);
    await issuer.reinstate(issued.id);
    expect(await value()).toBe(0);
    expect(await version()).toBe(before + 2);
    await issuer.suspend(issued.id);
    // Revoking a suspended credential makes it revoked (1) for good.
    await issuer.revoke(issued.id);
    expect(await value()).toBe(1);
    expect(await version()).toBe(before + 4);
    await expect(issuer.suspend(issued.id)).resolves.toMatchObject({ changed: false });
    expect(await value()).toBe(1);
    expect(await issuer.getIssued(issued.id)).toMatchObject({ revoked: true, suspended: false });
  });

  it('a credential takes only the purposes it was issued with', async () => {
    const revocable = await issuer.issue(request(['revocation']));
    await expect(issuer.suspend(revocable.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const suspendable = await issuer.issue(request(['suspension']));
    await expect(issuer.revoke(suspendable.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await issuer.suspend(suspendable.id);
    expect(await issuer.getIssued(suspendable.id)).toMatchObject({ suspended: true, revoked: false });
    const none = await issuer.issue(request([]));
    expect(none.statusList).toBeUndefined();
    expect(decode(none.jwt).payload.status).toBeUndefined();
    await expect(issuer.revoke(none.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await issuer.getIssued(none.id)).status).toEqual([]);
    expect((await issuer.getIssued(revocable.id)).status).toEqual([
      { listId: revocable.statusList?.uri, index: revocable.statusList?.idx, purpose: 'revocation' },
    ]);
  });

  it('signs the token as the issuer: typ statuslist+jwt, kid, iss, sub, iat, exp, ttl, 2 bits', async () => {
    const issued = await issuer.issue(request());
    const now = new Date('2026-12-01T00:00:00Z');
    const [token] = await issuer.statusListTokens({ url: issued.statusList?.uri as string, now, validForSeconds: 3600 });
    const { header, payload } = decode(token?.jwt as string);
    const did = (await issuer.listDids())[0];
    expect(header).toEqual({ alg: did?.alg, typ: 'statuslist+jwt', kid: did?.verificationMethod });
    expect(payload).toEqual({
      iss: did?.did,
      sub: issued.statusList?.uri,
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 3600,
      // How long a verifier may cache it: 300 s by default, so a revocation reaches it soon.
      ttl: 300,
      status_list: { bits: 2, lst: expect.any(String) },
    });
    expect(token).toMatchObject({ issuedAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-01T01:00:00Z', ttl: 300 });
    // ttlSeconds sets it, never beyond the token's validity; a validity shorter than 300 s is the ttl.
    const [custom] = await issuer.statusListTokens({ url: issued.statusList?.uri as string, now, validForSeconds: 3600, ttlSeconds: 60 });
    expect(decode(custom?.jwt as string).payload.ttl).toBe(60);
    const [short] = await issuer.statusListTokens({ url: issued.statusList?.uri as string, now, validForSeconds: 120 });
    expect(decode(short?.jwt as string).payload.ttl).toBe(120);
    for (const ttlSeconds of [0, 3601, 1.5, '60']) {
      await expect(issuer.statusListTokens({ validForSeconds: 3600, ttlSeconds } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        path: '/ttlSeconds',
      });
    }
    await expect(issuer.statusListTokens({ url: `${BASE}/token/999999` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(issuer.statusListTokens({ validForSeconds: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.statusListTokens({ other: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('@tradewind/verifier reads the status from the published token: valid, SUSPENDED, REVOKED', async () => {
    const issued = await issuer.issue(request());
    const uri = issued.statusList?.uri as string;
    const check = async () => verifyCredential(issued.jwt, { status: { lists: { [uri]: await tokenFor(issued) } } });
    const valid = await check();
    expect(valid.verified).toBe(true);
    expect(valid).toMatchObject({ format: 'dc+sd-jwt', vct: 'NationalIdCredential', claims: { given_name: 'Ana' } });
    await issuer.suspend(issued.id);
    expect(await check()).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'SUSPENDED' })] });
    await issuer.revoke(issued.id);
    expect(await check()).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'REVOKED' })] });
  });

  it('publishStatusLists writes the tokens to token/<n> with their own manifest', async () => {
    const issued = await issuer.issue(request());
    const out = join(dir, 'published');
    const files = await issuer.publishStatusLists(out);
    const uri = issued.statusList?.uri as string;
    const n = uri.slice(uri.lastIndexOf('/') + 1);
    expect(files).toContainEqual({ url: uri, file: join(out, 'token', n) });
    const jwt = readFileSync(join(out, 'token', n), 'utf8');
    expect(decode(jwt).payload.sub).toBe(uri);
    const manifest = JSON.parse(readFileSync(join(out, 'token', 'status-lists.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(manifest).toEqual([expect.objectContaining({ url: uri, file: n, mediaType: 'application/statuslist+jwt' })]);
    const bitstring = JSON.parse(readFileSync(join(out, 'status-lists.json'), 'utf8')) as Array<{ url: string }>;
    expect(bitstring.map((b) => b.url)).not.toContain(uri);
    const result = await verifyCredential(issued.jwt, { status: { lists: { [uri]: jwt } } });
    expect(result.verified).toBe(true);
  });

  it('logs dc+sd-jwt issuances with their type and holder', async () => {
    const issued = await issuer.issue({ ...request(), type: 'ResidencePermit', vct: 'urn:example:residence:1' });
    const [logged] = await issuer.log({ type: 'ResidencePermit' });
    expect(logged).toMatchObject({ credentialId: issued.id, format: 'dc+sd-jwt', subjectId: HOLDER, types: ['ResidencePermit'] });
  });
});
