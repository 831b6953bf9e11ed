// Arguments a hostile or careless caller passes: getters and Proxies that throw, values
// read twice, misspelt options, strings with no UTF-8 form, members in another order.
// Every one is a typed TradewindError, never a raw error, and what is signed is what
// was checked.
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF, testDatabase } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('hostile-arguments'));
});
afterAll(() => closeTempIssuer(issuer, dir));

async function codeOf(p: () => Promise<unknown>): Promise<string> {
  const e = await Promise.resolve()
    .then(p)
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

const boom = () => {
  throw new Error('boom');
};
const throwingProxy = new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom });
const getter = (key: string, base: object = {}) => Object.defineProperty({ ...base }, key, { enumerable: true, get: boom });

describe('getters and Proxies that throw are INVALID_ARGUMENT', () => {
  const subject = { id: 'did:example:ana', name: 'Ana' };
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['openIssuer(getter path)', () => openIssuer(getter('path') as never)],
    ['openIssuer(Proxy)', () => openIssuer(throwingProxy as never)],
    ['issue(Proxy)', () => issuer.issue(throwingProxy as never)],
    ['issue(getter type)', () => issuer.issue(getter('type', { credentialSubject: subject }) as never)],
    ['issue(Proxy subject)', () => issuer.issue({ type: 'T', credentialSubject: throwingProxy as never })],
    ['issue(getter claim)', () => issuer.issue({ type: 'T', credentialSubject: getter('name', subject) as never })],
    ['issue(Proxy validFrom)', () => issuer.issue({ type: 'T', credentialSubject: subject, validFrom: throwingProxy as never })],
    ['issue(Proxy schema)', () => issuer.issue({ type: 'T', credentialSubject: subject, credentialSchema: throwingProxy as never })],
    ['issueMany([Proxy])', () => issuer.issueMany([throwingProxy as never])],
    ['reemit(Proxy)', () => issuer.reemit(throwingProxy as never)],
    ['issueBatch(Proxy input)', () => issuer.issueBatch(throwingProxy as never, { type: 'T' })],
    ['issueBatch(Proxy options)', () => issuer.issueBatch({ text: '{"a":1}', format: 'jsonl' }, throwingProxy as never)],
    ['issueBatch(format Proxy)', () => issuer.issueBatch({ text: '{"a":1}', format: throwingProxy as never }, { type: 'T' })],
    ['log(Proxy)', () => issuer.log(throwingProxy as never)],
    ['statusListCredentials(Proxy)', () => issuer.statusListCredentials(throwingProxy as never)],
    ['publishStatusLists(dir, Proxy)', () => issuer.publishStatusLists(join(dir, 'pub'), throwingProxy as never)],
    ['createDid(Proxy)', () => issuer.createDid(throwingProxy as never)],
    ['createDid({ method: Proxy })', () => issuer.createDid({ method: throwingProxy as never })],
    ['signRecognitionList(Proxy)', () => issuer.signRecognitionList(throwingProxy as never)],
    ['log({ since: Proxy })', () => issuer.log({ since: throwingProxy as never })],
    ['issueMany([], Proxy)', () => issuer.issueMany([], throwingProxy as never)],
    ['statusListCredentials({ now: Proxy })', () => issuer.statusListCredentials({ now: throwingProxy as never })],
    [
      'signRecognitionList({ nextUpdate: Proxy })',
      () => issuer.signRecognitionList({ sequence: 1, nextUpdate: throwingProxy as never, entries: [] }),
    ],
    ['signRecognitionList({}) (no nextUpdate)', () => issuer.signRecognitionList({} as never)],
    ['signRecognitionList(invalid Date)', () => issuer.signRecognitionList({ sequence: 1, nextUpdate: new Date(Number.NaN), entries: [] })],
    [
      'signRecognitionList({ id: 5 })',
      () => issuer.signRecognitionList({ sequence: 1, nextUpdate: '2027-01-01T00:00:00Z', entries: [], id: 5 as never }),
    ],
  ];
  for (const [name, call] of cases) {
    it(name, async () => {
      expect(await codeOf(call)).toBe('INVALID_ARGUMENT');
    });
  }

  it('reads an id once: a getter that answers differently the second time cannot slip a taken id past the check', async () => {
    await issuer.issue({ id: 'urn:example:taken', type: 'T', credentialSubject: subject, status: [] });
    let reads = 0;
    const request = Object.defineProperty({ type: 'T', credentialSubject: subject, status: [] }, 'id', {
      enumerable: true,
      get: () => (reads++ === 0 ? 'urn:example:taken' : 'urn:example:free'),
    });
    expect(await codeOf(() => issuer.issue(request as never))).toBe('ALREADY_EXISTS');
  });
});

describe('options and state', () => {
  it('refuses a misspelt openIssuer option instead of ignoring it, and a KDF cost scrypt cannot run', async () => {
    const path = join(dir, 'misspelt.db');
    expect(await codeOf(() => openIssuer({ path, secret: 's', kdf: TEST_KDF, statusListBaseurl: 'https://x.example' } as never))).toBe(
      'INVALID_ARGUMENT',
    );
    for (const kdf of [{ N: 3, r: 8, p: 1 }, { N: 2 ** 40, r: 8, p: 1 }, 'cheap']) {
      expect(await codeOf(() => openIssuer({ path: join(dir, 'kdf.db'), secret: 's', kdf: kdf as never }))).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses a did:web domain verifiers would not resolve as named: a . or .. path segment, a trailing dot, over 2048 characters', async () => {
    for (const domain of [
      'registry.gov.example:..:users',
      'registry.gov.example:.',
      'registry.gov.example.',
      `${'a'.repeat(2100)}.example`,
    ]) {
      expect(await codeOf(() => issuer.createDid({ method: 'web', domain }))).toBe('INVALID_ARGUMENT');
    }
  });

  it('a closed issuer says STORAGE_ERROR, not a raw driver error', async () => {
    const other = await openIssuer({ database: await testDatabase(dir, 'closed'), secret: 's', kdf: TEST_KDF });
    await other.close();
    for (const call of [() => other.log(), () => other.issue({ type: 'T', credentialSubject: { a: 1 } }), () => other.revoke('urn:x')]) {
      expect(await codeOf(call)).toBe('STORAGE_ERROR');
    }
  });
});

describe('claims with no UTF-8 form are refused, never signed', () => {
  it('a JSONL record with a lone surrogate escape (\\ud800) in a value or a member name is MALFORMED for that line only', async () => {
    const text = ['{"a":"\\ud800"}', '{"\\udc00x":"b"}', '{"a":"\\ud83d\\ude00 ok"}'].join('\n');
    const result = await issuer.issueBatch({ text, format: 'jsonl' }, { type: 'T', status: [] });
    expect(result.issued).toBe(1);
    expect(result.invalid.map((i) => [i.line, i.code])).toEqual([
      [1, 'MALFORMED'],
      [2, 'MALFORMED'],
    ]);
  });

  it('issue refuses a lone surrogate in a claim, an id or a recordKey', async () => {
    expect(await codeOf(() => issuer.issue({ type: 'T', credentialSubject: { name: 'An\ud800a' } }))).toBe('MALFORMED');
    expect(await codeOf(() => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, id: 'urn:x:\udc00' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => issuer.issue({ type: 'T', credentialSubject: { a: 1 }, recordKey: 'k\ud800' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('re-emission of the same content in another member order', () => {
  it('signs the very same JWT (Ed25519): the same credential, never a second spelling of it', async () => {
    const base = {
      id: 'urn:example:reordered',
      type: 'T',
      validFrom: '2026-01-01T00:00:00Z',
      status: [] as [],
      credentialSubject: { id: 'did:example:ana', name: 'Ana', address: { street: 'Main', city: 'Castries' } },
    };
    const first = await issuer.issue(base);
    const again = await issuer.reemit({
      ...base,
      credentialSubject: { address: { city: 'Castries', street: 'Main' }, name: 'Ana', id: 'did:example:ana' },
    });
    expect(again.jwt).toBe(first.jwt);
  });

  it('a batch re-run with reordered JSONL members or CSV columns re-emits the same JWTs', async () => {
    const delivered: Record<string, string> = {};
    const onIssued = (c: { id: string; jwt: string }) => {
      if (delivered[c.id] === undefined) delivered[c.id] = c.jwt;
      else expect(c.jwt).toBe(delivered[c.id]);
    };
    const options = { type: 'T', status: [] as [], reemit: true, onIssued };
    await issuer.issueBatch({ text: '{"recordKey":"o1","b":"2","a":"1"}', format: 'jsonl' }, options);
    const again = await issuer.issueBatch({ text: '{"a":"1","b":"2","recordKey":"o1"}', format: 'jsonl' }, options);
    expect(again.reemitted).toBe(1);
    await issuer.issueBatch({ text: 'recordKey,y,x\no2,2,1\n', format: 'csv' }, options);
    const csv = await issuer.issueBatch({ text: 'x,recordKey,y\n1,o2,2\n', format: 'csv' }, options);
    expect(csv.reemitted).toBe(1);
  });
});

describe('batch records that would lose a claim or stop the batch', () => {
  it('refuses claims beside credentialSubject (they were dropped unsigned) and a subjectId that contradicts it', async () => {
    const text = [
      '{"credentialSubject":{"name":"Ana"},"nationality":"LC"}',
      '{"credentialSubject":{"id":"did:example:x","name":"Ana"},"subjectId":"did:example:y"}',
      '{"credentialSubject":{"id":"did:example:z","name":"Ana"},"subjectId":"did:example:z"}',
    ].join('\n');
    const result = await issuer.issueBatch({ text, format: 'jsonl' }, { type: 'Beside', status: [] });
    expect(result.issued).toBe(1);
    expect(result.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [1, 'INVALID_ARGUMENT', '/nationality'],
      [2, 'INVALID_ARGUMENT', '/subjectId'],
    ]);
  });

  it('a validate rule that throws, or returns a reason that cannot be a string, rejects that record only', async () => {
    const evil = { toString: boom };
    const result = await issuer.issueBatch(
      { text: '{"n":1}\n{"n":2}\n{"n":3}', format: 'jsonl' },
      { type: 'Rule', status: [], validate: (s) => (s.n === 1 ? boom() : s.n === 2 ? (evil as never) : undefined) },
    );
    expect(result.issued).toBe(1);
    expect(result.invalid.map((i) => [i.line, i.code])).toEqual([
      [1, 'INVALID_ARGUMENT'],
      [2, 'INVALID_ARGUMENT'],
    ]);
  });

  it('a CSV whose lines end in CR alone is refused at the header, not read as one header row issuing nothing', async () => {
    const result = await issuer.issueBatch({ text: 'a,b\r1,2\r3,4\r', format: 'csv' }, { type: 'Cr', status: [] });
    expect(result.issued).toBe(0);
    expect(result.invalid.map((i) => [i.line, i.code])).toEqual([[1, 'MALFORMED']]);
  });
});
