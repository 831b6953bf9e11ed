import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBytes, testDatabase, testEngine } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What the database holds, as bytes: the SQLite file and its WAL, or a pg_dump (a backup).
const readAll = databaseBytes;

describe('issuer database at rest', () => {
  it('contains no private key bytes (raw, hex, base64 forms) after creating DIDs and issuing', async () => {
    const path = await testDatabase(dir, 'keys');
    const issuer = await openIssuer({ path, secret: 'at rest', kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    const dids = [await issuer.createDid({ keyType: 'Ed25519' }), await issuer.createDid({ keyType: 'P-256', method: 'jwk' })];
    for (const d of dids) await issuer.issue({ issuer: d.did, type: 'T', credentialSubject: { a: 1 } });
    await issuer.publishStatusLists(join(dir, 'public'));
    // The private scalars, read from the session's decrypted keys.
    const loaded = (issuer.agent.kms as unknown as { loaded: Map<string, { key: import('node:crypto').KeyObject }> }).loaded;
    const privates = dids.map((d) => Buffer.from(loaded.get(d.keyId)?.key.export({ format: 'jwk' }).d as string, 'base64url'));
    const file = readAll(path);
    await issuer.close();
    const after = readAll(path);
    for (const haystack of [file, after]) {
      for (const raw of privates) {
        expect(raw).toHaveLength(32);
        expect(haystack.includes(raw)).toBe(false);
        for (const form of [raw.toString('hex'), raw.toString('hex').toUpperCase(), raw.toString('base64'), raw.toString('base64url')]) {
          expect(haystack.includes(Buffer.from(form))).toBe(false);
        }
      }
    }
    // The keys are there, encrypted: reopening signs with them.
    const again = await openIssuer({ path, secret: 'at rest' });
    const issued = await again.issue({ issuer: dids[1]?.did, type: 'T', credentialSubject: { a: 2 } });
    expect(issued.jwt.split('.')).toHaveLength(3);
    await again.close();
  });

  it('rejects a wrong secret with WRONG_SECRET and changes nothing', async () => {
    const path = await testDatabase(dir, 'secret');
    const issuer = await openIssuer({ path, secret: 'right one', kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    await issuer.createDid();
    await issuer.issue({ type: 'T', credentialSubject: { a: 1 } });
    await issuer.close();
    const before = readAll(path);
    const error = await openIssuer({
      path,
      secret: 'wrong one',
      statusListBaseUrl: 'https://elsewhere.example/status',
      logClaims: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TradewindError);
    expect((error as TradewindError).code).toBe('WRONG_SECRET');
    expect(readAll(path).equals(before)).toBe(true);
    const reopened = await openIssuer({ path, secret: 'right one' });
    expect(reopened.statusListBaseUrl).toBe('https://registry.gov.example/status');
    expect(await reopened.log()).toHaveLength(1);
    await reopened.close();
  });

  it.skipIf(testEngine() === 'postgres')('reports a missing database with NOT_FOUND when asked not to create one', async () => {
    await expect(openIssuer({ path: join(dir, 'nope.db'), secret: 'x', create: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
  });
});
