import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('options'));
  await issuer.issue({ type: 'T', credentialSubject: { a: 1 } });
});
afterAll(() => closeTempIssuer(issuer, dir));

// Each call passes what a careless or hostile caller would; every one must be a typed
// INVALID_ARGUMENT, never a raw driver error (SQLITE_ERROR, RangeError, TypeError).
const bad: Array<[string, () => Promise<unknown>]> = [
  ["log({ limit: 'x' })", () => issuer.log({ limit: 'x' as never })],
  ['log({ limit: -1 })', () => issuer.log({ limit: -1 })],
  ['log({ limit: NaN })', () => issuer.log({ limit: Number.NaN })],
  ['log({ limit: 1e12 })', () => issuer.log({ limit: 1e12 })],
  ['log({ limit: 1.5 })', () => issuer.log({ limit: 1.5 })],
  ["log({ offset: '1; DROP TABLE' })", () => issuer.log({ offset: '1; DROP TABLE' as never })],
  ['log({ offset: -5 })', () => issuer.log({ offset: -5 })],
  ['log({ offset: Infinity })', () => issuer.log({ offset: Number.POSITIVE_INFINITY })],
  ["log({ since: 'yesterday' })", () => issuer.log({ since: 'yesterday' })],
  ["log({ since: '2026-01-01' }) (no time, no offset)", () => issuer.log({ since: '2026-01-01' })],
  ["log({ until: '2026-02-30T00:00:00Z' })", () => issuer.log({ until: '2026-02-30T00:00:00Z' })],
  ['log({ since: new Date(NaN) })', () => issuer.log({ since: new Date(Number.NaN) })],
  ['log({ type: 42 })', () => issuer.log({ type: 42 as never })],
  ['log({ issuer: {} })', () => issuer.log({ issuer: {} as never })],
  ['log({ limt: 5 }) (unknown key)', () => issuer.log({ limt: 5 } as never)],
  ["log('all')", () => issuer.log('all' as never)],
  ['getIssued(42)', () => issuer.getIssued(42 as never)],
  ["getIssued('')", () => issuer.getIssued('')],
  ['revoke(undefined)', () => issuer.revoke(undefined as never)],
  ["suspend('x'.repeat(1e5))", () => issuer.suspend('x'.repeat(100_000))],
  ["reinstate({ id: 'x' })", () => issuer.reinstate({ id: 'x' } as never)],
  ["statusListCredentials({ validForSeconds: 'a day' })", () => issuer.statusListCredentials({ validForSeconds: 'a day' as never })],
  ['statusListCredentials({ validForSeconds: 1e300 })', () => issuer.statusListCredentials({ validForSeconds: 1e300 })],
  ['statusListCredentials({ validForSeconds: -1 })', () => issuer.statusListCredentials({ validForSeconds: -1 })],
  ['statusListCredentials({ now: new Date(NaN) })', () => issuer.statusListCredentials({ now: new Date(Number.NaN) })],
  ['statusListCredentials({ now: new Date(8.64e15) })', () => issuer.statusListCredentials({ now: new Date(8.64e15) })],
  ['issueMany([request], new Date(-8.64e15))', () => issuer.issueMany([{ type: 'T', credentialSubject: { a: 1 } }], new Date(-8.64e15))],
  ["statusListCredentials({ now: '2026-01-01' })", () => issuer.statusListCredentials({ now: '2026-01-01' as never })],
  ['statusListCredentials({ issuer: 7 })', () => issuer.statusListCredentials({ issuer: 7 as never })],
  ['publishStatusLists(undefined)', () => issuer.publishStatusLists(undefined as never)],
  ["publishStatusLists(dir, { validForSeconds: 'x' })", () => issuer.publishStatusLists(join(dir, 'p'), { validForSeconds: 'x' as never })],
  ['issueMany(null)', () => issuer.issueMany(null as never)],
  ["issueMany([], 'now')", () => issuer.issueMany([], 'now' as never)],
  ["issue('x')", () => issuer.issue('x' as never)],
  [
    "issue({ validFrom: '2026-01-01 10:00' })",
    () => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, validFrom: '2026-01-01 10:00' }),
  ],
  [
    "issue({ validUntil: '+275760-09-13T00:00:00Z' })",
    () => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, validUntil: '+275760-09-13T00:00:00.001Z' }),
  ],
  [
    'issue({ validUntil: new Date(8.64e15 + 1) })',
    () => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, validUntil: new Date(8.64e15 + 1) }),
  ],
  [
    'issue({ validUnitl }) (a misspelt member)',
    () => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, validUnitl: '2030-01-01T00:00:00Z' } as never),
  ],
  ["issue({ status: 'revocation' })", () => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, status: 'revocation' as never })],
  ['signRecognitionList(null)', () => issuer.signRecognitionList(null as never)],
  ['issue({ credentialSubject: { a: 1n } })', () => issuer.issue({ type: 'T', credentialSubject: { a: 1n } as never })],
  ['issue({ credentialSubject: { a: NaN } })', () => issuer.issue({ type: 'T', credentialSubject: { a: Number.NaN } })],
  ['issue({ credentialSubject: { a: new Map() } })', () => issuer.issue({ type: 'T', credentialSubject: { a: new Map() } as never })],
  ['issue({ credentialSubject: { a: () => 1 } })', () => issuer.issue({ type: 'T', credentialSubject: { a: () => 1 } as never })],
  ['issue({ credentialSubject: { a: [undefined] } })', () => issuer.issue({ type: 'T', credentialSubject: { a: [undefined] } as never })],
  ["createDid('key')", () => issuer.createDid('key' as never)],
  ['createDid({ alias: 5 })', () => issuer.createDid({ alias: 5 as never })],
  ['setDefaultDid(null)', () => issuer.setDefaultDid(null as never)],
  ['didWebDocument(1)', () => issuer.didWebDocument(1 as never)],
  ['reemit(null)', () => issuer.reemit(null as never)],
  ['reemit({ id: 5 })', () => issuer.reemit({ id: 5, type: 'T', credentialSubject: { a: 1 } } as never)],
  ["issueBatch({ text: 5, format: 'jsonl' })", () => issuer.issueBatch({ text: 5 as never, format: 'jsonl' }, { type: 'T' })],
  ["issueBatch({ text, format: 'xml' })", () => issuer.issueBatch({ text: '', format: 'xml' as never }, { type: 'T' })],
  ['issueBatch(text, null)', () => issuer.issueBatch({ text: '', format: 'jsonl' }, null as never)],
  [
    "issueBatch(text, { transactionSize: '5' })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', transactionSize: '5' as never }),
  ],
  [
    'issueBatch(text, { transactionSize: 1e9 })',
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', transactionSize: 1e9 }),
  ],
  [
    "issueBatch(text, { requiredClaims: 'name' })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', requiredClaims: 'name' as never }),
  ],
  [
    "issueBatch(text, { requiredClaims: ['__proto__.x'] })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', requiredClaims: ['__proto__.x'] }),
  ],
  [
    "issueBatch(text, { onIssued: 'print' })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', onIssued: 'print' as never }),
  ],
  ["issueBatch(text, { reemit: 'yes' })", () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', reemit: 'yes' as never })],
  ['issueBatch(text, { outputPath: 1 })', () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', outputPath: 1 as never })],
  [
    "issueBatch(text, { format: 'ldp_vc' })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', format: 'ldp_vc' as never }),
  ],
  ["issueBatch(text, { validUntil: 'soon' })", () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', validUntil: 'soon' })],
  [
    "issueBatch(text, { status: ['revoked'] })",
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', status: ['revoked' as never] }),
  ],
  ['issueBatch(text, { type: [] })', () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: [] })],
  [
    'issueBatch(text, { tpye: "T" }) (unknown key)',
    () => issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', tpye: 'T' } as never),
  ],
  ['openIssuer({ create: "yes" })', () => openIssuer({ path: join(dir, 'o.db'), secret: 's', create: 'yes' as never })],
  ['openIssuer({ busyTimeoutMs: -1 })', () => openIssuer({ path: join(dir, 'o.db'), secret: 's', busyTimeoutMs: -1 })],
  ['openIssuer({ statusListBaseUrl: 5 })', () => openIssuer({ path: join(dir, 'o.db'), secret: 's', statusListBaseUrl: 5 as never })],
  ['openIssuer({ database, path }) naming two', () => openIssuer({ database: join(dir, 'o.db'), path: join(dir, 'p.db'), secret: 's' })],
  ['openIssuer({ database: 5 })', () => openIssuer({ database: 5 as never, secret: 's' })],
  ['openIssuer({}) without a database', () => openIssuer({ secret: 's' })],
  ["openIssuer({ migrate: 'sometimes' })", () => openIssuer({ path: join(dir, 'o.db'), secret: 's', migrate: 'sometimes' as never })],
  ['openIssuer({ poolSize: 0 })', () => openIssuer({ path: join(dir, 'o.db'), secret: 's', poolSize: 0 })],
  ['openIssuer({ database: "postgres://[bad" })', () => openIssuer({ database: 'postgres://[bad', secret: 's' })],
];

describe('bad options throw a typed INVALID_ARGUMENT, not raw driver errors', () => {
  it.each(bad)('%s', async (_name, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TradewindError);
    expect((error as TradewindError).code).toBe('INVALID_ARGUMENT');
  });

  it('accepts good options: RFC 3339 bounds with an offset are compared in UTC', async () => {
    const all = await issuer.log({ limit: 10, offset: 0 });
    expect(all).toHaveLength(1);
    const at = Date.parse(all[0]?.issuedAt as string);
    // The same instant written with a +05:00 offset: a string comparison would get it wrong.
    const plusFive = new Date(at + 5 * 3_600_000).toISOString().replace('Z', '+05:00');
    expect(await issuer.log({ since: plusFive })).toHaveLength(1);
    expect(await issuer.log({ until: new Date(at) })).toHaveLength(0);
    expect(await issuer.log({ limit: 0 })).toHaveLength(0);
  });
});
