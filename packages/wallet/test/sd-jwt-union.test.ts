// One SD-JWT VC received in several forms: the issuer-signed JWT with fewer disclosures
// (a copy anyone who saw a presentation of it can make) and as issued. Whatever comes
// first, the wallet ends up holding the union of the disclosures, verified as a whole,
// through receive, receiveAll and storeVerified alike; a union that does not verify is
// refused and leaves the held form as it was.
import type { TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { CredentialRejectedError, type HolderDid, openWallet, type Wallet } from '@tradewind/wallet';
import sqlite3 from 'sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir } from './fixtures.js';
import { disclosuresOf, issueSdJwt, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
const tt = sdJwtIssuer('EdDSA');
let wallet: Wallet;
let holder: HolderDid;

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('u.db'), secret: SECRET, kdf: TEST_KDF });
  holder = await wallet.createDid();
});
afterEach(async () => {
  for (const c of await wallet.list()) await wallet.delete(c.id);
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

/** The issued SD-JWT with only the disclosures of the top-level claims named (nested ones left out). */
function only(issued: string, ...names: string[]): string {
  const parts = issued.split('~');
  const kept = parts.slice(1, -1).filter((_, i) => names.includes(disclosuresOf(issued)[i]?.[1] as string));
  return `${parts[0]}~${kept.map((d) => `${d}~`).join('')}`;
}

const count = (issued: string) => disclosuresOf(issued).length;
const paths = async (id: string) => (await wallet.disclosableClaims(id)).map((c) => c.path).sort();

async function presents(id: string, disclose: string[]): Promise<void> {
  const { presentation } = await wallet.presentSdJwt({ credential: id, disclose, nonce: 'n-u', audience: 'https://bank.example.bb' });
  const result = await verifyPresentation(presentation, { nonce: 'n-u', audience: 'https://bank.example.bb' });
  expect(result.verified, JSON.stringify(result)).toBe(true);
}

describe('receive', () => {
  it('the full credential after a stripped copy: added false, updated true, every disclosure held and presentable', async () => {
    const issued = await issueSdJwt(tt, holder);
    const first = await wallet.receive(only(issued, 'given_name'));
    expect(first).toMatchObject({ added: true, updated: false });
    expect(await paths(first.credential.id)).toEqual(['/given_name']);
    const second = await wallet.receive(issued);
    expect(second).toMatchObject({ added: false, updated: true });
    expect(second.credential.id).toBe(first.credential.id);
    expect(second.credential.disclosable).toHaveLength(count(issued));
    expect(second.credential.receivedAt).toEqual(first.credential.receivedAt);
    expect(await wallet.count()).toBe(1);
    await presents(second.credential.id, ['nationality', 'address.locality']);
  });

  it('a stripped copy after the full credential changes nothing (added false, updated false)', async () => {
    const issued = await issueSdJwt(tt, holder);
    const { credential } = await wallet.receive(issued);
    const again = await wallet.receive(only(issued, 'family_name'));
    expect(again).toMatchObject({ added: false, updated: false });
    expect(again.credential).toEqual(credential);
    expect(await wallet.receive(issued)).toMatchObject({ added: false, updated: false });
  });

  it('two partial copies make their union; a third adding nothing writes nothing', async () => {
    const issued = await issueSdJwt(tt, holder);
    const { credential } = await wallet.receive(only(issued, 'given_name', 'birthdate'));
    expect(await wallet.receive(only(issued, 'nationality', 'birthdate'))).toMatchObject({ added: false, updated: true });
    expect(await paths(credential.id)).toEqual(['/birthdate', '/given_name', '/nationality']);
    const held = await wallet.get(credential.id);
    expect(await wallet.receive(only(issued, 'given_name'))).toMatchObject({ added: false, updated: false });
    expect(await wallet.get(credential.id)).toEqual(held);
    await presents(credential.id, ['nationality', 'given_name']);
  });

  it('concurrent receives of different copies all end up in the held form', async () => {
    const issued = await issueSdJwt(tt, holder);
    const names = ['given_name', 'family_name', 'birthdate', 'birth_place', 'nationality', 'age_over_18'];
    const results = await Promise.all(names.map((n) => wallet.receive(only(issued, n))));
    expect(results.filter((r) => r.added)).toHaveLength(1);
    expect(new Set(results.map((r) => r.credential.id)).size).toBe(1);
    expect(await paths(results[0]?.credential.id as string)).toEqual(names.map((n) => `/${n}`).sort());
  });

  it('a held form that no longer verifies with what arrives (a disclosure changed in the file): refused, the held form kept', async () => {
    const issued = await issueSdJwt(tt, holder);
    const { credential } = await wallet.receive(only(issued, 'given_name'));
    const forged = Buffer.from(JSON.stringify(['c2FsdHNhbHRzYWx0', 'given_name', 'Mallory'])).toString('base64url');
    const planted = `${issued.split('~')[0]}~${forged}~`;
    await sql(tmp.file('u.db'), 'UPDATE wallet_credential SET raw = ? WHERE id = ?', [planted, credential.id]);
    const e = await wallet.receive(issued).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialRejectedError);
    expect((e as TradewindError).code).toBe('DISCLOSURE_INVALID');
    expect((await wallet.get(credential.id)).raw).toBe(planted);
  });
});

describe('receiveAll and storeVerified', () => {
  it('a batch holding a stripped copy and the credential as issued stores it once, with every disclosure', async () => {
    const issued = await issueSdJwt(tt, holder);
    const ids = await wallet.receiveAll([only(issued, 'given_name'), issued, only(issued, 'nationality')]);
    expect(new Set(ids).size).toBe(1);
    expect((await wallet.get(ids[0] as string)).disclosable).toHaveLength(count(issued));
    expect(await wallet.count()).toBe(1);
  });

  it('a batch gives a held stripped copy its disclosures; a batch with a refused credential changes nothing', async () => {
    const issued = await issueSdJwt(tt, holder);
    const { credential } = await wallet.receive(only(issued, 'given_name'));
    const bad = `${(await jwtVc(issuer('key'), holder.did)).slice(0, -4)}AAAA`;
    await expect(wallet.receiveAll([issued, bad])).rejects.toBeInstanceOf(CredentialRejectedError);
    expect(await paths(credential.id)).toEqual(['/given_name']);
    const other = await jwtVc(issuer('key'), holder.did);
    const ids = await wallet.receiveAll([other, issued]);
    expect(ids[1]).toBe(credential.id);
    expect((await wallet.get(credential.id)).disclosable).toHaveLength(count(issued));
    expect(await wallet.count()).toBe(2);
  });

  it('storeVerified does the same with what verifyAll checked', async () => {
    const issued = await issueSdJwt(tt, holder);
    const { credential } = await wallet.receive(only(issued, 'birthdate'));
    const checked = await wallet.verifyAll([only(issued, 'age_over_18'), issued]);
    expect(checked.every((c) => c.verification.verified)).toBe(true);
    expect(await wallet.storeVerified(checked)).toEqual([credential.id, credential.id]);
    expect((await wallet.get(credential.id)).disclosable).toHaveLength(count(issued));
  });
});

function sql(path: string, statement: string, params: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) => {
      if (err) return reject(err);
      db.run(statement, params, (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
}
