// The built issuer's Token Status Lists under hostile sequences: a revocation is permanent
// whatever suspend or reinstate follows (one 2-bit entry holds both purposes), a purpose
// the credential was not issued with cannot be set, and indexes are random and unique in
// lists of at least 131,072 entries. Read back through the built verifier each time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { TradewindError } from '@tradewind/core';
import { type IssuedCredential, type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, didKeyFor, issuerJwtOf, NATIONAL_ID, publicJwk, unb64json } from './helpers.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const holder = didKeyFor('EdDSA');

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-adv-status-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 's', kdf, statusListBaseUrl: 'https://registry.gov.lc/status' });
  await issuer.createDid({ method: 'key' });
});
afterAll(async () => {
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const issue = (status: Array<'revocation' | 'suspension'>) =>
  issuer.issue({
    format: 'dc+sd-jwt',
    type: 'NationalIdCredential',
    credentialSubject: { ...NATIONAL_ID },
    holderKey: publicJwk(holder) as Record<string, string>,
    status,
  });

async function statusOf(credential: IssuedCredential): Promise<string[]> {
  const lists = Object.fromEntries((await issuer.statusListTokens()).map((t) => [t.url, t.jwt]));
  return codes(await createVerifier({ status: { lists } }).verifyCredential(credential.jwt));
}

const entryOf = (credential: IssuedCredential) =>
  (unb64json(issuerJwtOf(credential.jwt).split('.')[1] as string).status as { status_list: { idx: number; uri: string } }).status_list;

describe('revocation is permanent', () => {
  it('revoke, then reinstate: still REVOKED', async () => {
    const c = await issue(['revocation', 'suspension']);
    await issuer.revoke(c.id);
    expect(await statusOf(c)).toEqual(['REVOKED']);
    await issuer.reinstate(c.id).catch((e: unknown) => {
      if (!(e instanceof TradewindError)) throw e;
    });
    expect(await statusOf(c)).toEqual(['REVOKED']);
  });

  it('revoke, then suspend: still REVOKED', async () => {
    const c = await issue(['revocation', 'suspension']);
    await issuer.revoke(c.id);
    await issuer.suspend(c.id).catch((e: unknown) => {
      if (!(e instanceof TradewindError)) throw e;
    });
    expect(await statusOf(c)).toEqual(['REVOKED']);
  });

  it('suspend, revoke, reinstate: REVOKED', async () => {
    const c = await issue(['revocation', 'suspension']);
    await issuer.suspend(c.id);
    expect(await statusOf(c)).toEqual(['SUSPENDED']);
    await issuer.revoke(c.id);
    expect(await statusOf(c)).toEqual(['REVOKED']);
    await issuer.reinstate(c.id).catch((e: unknown) => {
      if (!(e instanceof TradewindError)) throw e;
    });
    expect(await statusOf(c)).toEqual(['REVOKED']);
  });

  it('suspend then reinstate: valid again', async () => {
    const c = await issue(['revocation', 'suspension']);
    await issuer.suspend(c.id);
    await issuer.reinstate(c.id);
    expect(await statusOf(c)).toEqual([]);
  });
});

describe('purposes and entries', () => {
  it('a credential issued for revocation only cannot be suspended; one without status can be neither', async () => {
    const revocable = await issue(['revocation']);
    const code = await issuer.suspend(revocable.id).then(
      () => 'resolved',
      (e: unknown) => (e instanceof TradewindError ? e.code : 'untyped'),
    );
    expect(code).toBe('INVALID_ARGUMENT');
    expect(await statusOf(revocable)).toEqual([]);
    const none = await issue([]);
    for (const change of [issuer.revoke(none.id), issuer.suspend(none.id)]) {
      const c = await change.then(
        () => 'resolved',
        (e: unknown) => (e instanceof TradewindError ? e.code : 'untyped'),
      );
      expect(c).toBe('INVALID_ARGUMENT');
    }
    expect(await statusOf(none)).toEqual([]);
  });

  it('revoking one credential changes no other entry', async () => {
    const batch = await Promise.all(Array.from({ length: 8 }, () => issue(['revocation', 'suspension'])));
    await issuer.revoke((batch[3] as IssuedCredential).id);
    const results = await Promise.all(batch.map(statusOf));
    expect(results.map((r, i) => (i === 3 ? r : r.length))).toEqual([0, 0, 0, ['REVOKED'], 0, 0, 0, 0]);
  });

  it('indexes are unique, not in issuance order, in lists of at least 131,072 two-bit entries', async () => {
    const batch = await Promise.all(Array.from({ length: 40 }, () => issue(['revocation'])));
    const entries = batch.map(entryOf);
    const idx = entries.map((e) => e.idx);
    expect(new Set(entries.map((e) => `${e.uri}#${e.idx}`)).size).toBe(entries.length);
    const sorted = [...idx].sort((a, b) => a - b);
    expect(idx).not.toEqual(sorted);
    const token = (await issuer.statusListTokens()).find((t) => t.url === entries[0]?.uri);
    expect(token).toBeDefined();
    const payload = unb64json(String(token?.jwt).split('.')[1] as string) as {
      sub: string;
      status_list: { bits: number; lst: string };
    };
    const header = unb64json(String(token?.jwt).split('.')[0] as string);
    expect(header.typ).toBe('statuslist+jwt');
    expect(payload.sub).toBe(entries[0]?.uri);
    expect(payload.status_list.bits).toBe(2);
    const bytes = inflateSync(Buffer.from(payload.status_list.lst, 'base64url'));
    expect((bytes.length * 8) / payload.status_list.bits).toBeGreaterThanOrEqual(131_072);
  });
});
