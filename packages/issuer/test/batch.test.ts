import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchProgress, Issuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('batch'));
});
afterAll(() => closeTempIssuer(issuer, dir));

describe('issueBatch', () => {
  it('validates every record first, reports the bad ones by line, issues the rest with progress', async () => {
    const lines = [
      JSON.stringify({ recordKey: 'r1', subjectId: 'did:example:1', givenName: 'Ana', birthDate: '1990-01-01' }),
      '{"recordKey": "r2", "givenName": "broken"', // 2: not JSON
      '',
      JSON.stringify(['an', 'array']), // 4
      JSON.stringify({ recordKey: 'r5', subjectId: 'did:example:5', birthDate: '1991-01-01' }), // 5: missing givenName
      JSON.stringify({ recordKey: 'r6', subjectId: 'not a uri', givenName: 'X' }), // 6
      JSON.stringify({ recordKey: 'r7', subjectId: 'did:example:7', givenName: 'Y', validUntil: 'someday' }), // 7
      JSON.stringify({ recordKey: 'r1', subjectId: 'did:example:8', givenName: 'Dup' }), // 8: same recordKey as line 1
      JSON.stringify({ recordKey: 'r9', subjectId: 'did:example:9', givenName: 'Too young', birthDate: '2030-01-01' }), // 9: agency rule
      ...Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({ recordKey: `ok-${i}`, subjectId: `did:example:ok-${i}`, givenName: `P${i}` }),
      ),
    ];
    const input = join(dir, 'extract.jsonl');
    writeFileSync(input, lines.join('\n'));
    const progress: BatchProgress[] = [];
    const output = join(dir, 'issued.jsonl');
    const result = await issuer.issueBatch(
      { path: input },
      {
        type: 'BirthCertificate',
        requiredClaims: ['givenName'],
        validate: (subject) =>
          typeof subject.birthDate === 'string' && subject.birthDate > '2026' ? 'birthDate is in the future' : undefined,
        transactionSize: 5,
        onProgress: (p) => progress.push(p),
        outputPath: output,
      },
    );
    expect(result.invalid.map((i) => i.line)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    const reasons = Object.fromEntries(result.invalid.map((i) => [i.line, i.reason]));
    expect(reasons[2]).toMatch(/JSON/);
    expect(reasons[5]).toMatch(/givenName/);
    expect(reasons[6]).toMatch(/URI/);
    expect(reasons[7]).toMatch(/date/);
    expect(reasons[8]).toMatch(/line 1/);
    expect(reasons[9]).toBe('birthDate is in the future');
    expect(result).toMatchObject({ total: 13, issued: 13, skipped: 0 });
    expect(progress.map((p) => p.done)).toEqual([5, 10, 13]);
    expect(progress.at(-1)).toMatchObject({ total: 13, issued: 13, invalid: 7 });

    const out = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; recordKey: string; id: string; jwt: string });
    expect(out.map((o) => o.line)).toEqual([1, ...Array.from({ length: 12 }, (_, i) => 10 + i)]);
    const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
    const verified = await verifyCredentials(
      out.map((o) => o.jwt),
      { status: { lists } },
    );
    expect(verified.every((v) => v.verified)).toBe(true);
    expect((await issuer.log({ batchId: result.batchId })).map((l) => l.recordKey).sort()).toEqual(
      ['r1', ...Array.from({ length: 12 }, (_, i) => `ok-${i}`)].sort(),
    );
  });

  it('resumes without duplicates and can re-emit what an earlier run committed', async () => {
    const text = Array.from({ length: 9 }, (_, i) => JSON.stringify({ subjectId: `did:example:resume-${i}`, name: `R${i}` })).join('\n');
    const first = await issuer.issueBatch({ text, format: 'jsonl' }, { type: 'ResidencePermit', transactionSize: 4 });
    expect(first).toMatchObject({ issued: 9, skipped: 0 });
    const firstJwts: string[] = [];
    const again = await issuer.issueBatch(
      { text, format: 'jsonl' },
      { type: 'ResidencePermit', transactionSize: 4, reemit: true, onIssued: (c) => void firstJwts.push(c.jwt) },
    );
    expect(again).toMatchObject({ issued: 0, skipped: 9 });
    expect(firstJwts).toHaveLength(9);
    const log = await issuer.log({ type: 'ResidencePermit' });
    expect(log).toHaveLength(9);
    // Re-emitted credentials are the logged ones: same id and status position (Ed25519 signing is deterministic).
    const payloads = firstJwts.map((j) => JSON.parse(Buffer.from(j.split('.')[1] as string, 'base64url').toString()));
    expect(new Set(payloads.map((p) => p.id))).toEqual(new Set(log.map((l) => l.credentialId)));
    for (const p of payloads) {
      const logged = log.find((l) => l.credentialId === p.id);
      expect(p.credentialStatus.statusListIndex).toBe(String(logged?.status[0]?.index));
    }
  });

  it('reads CSV registry extracts: quotes, embedded line breaks, nested columns, CRLF', async () => {
    const csv = [
      'recordKey,subjectId,givenName,address.locality,address.country,note',
      'c1,did:example:c1,Ana,Bridgetown,BB,"plain"',
      'c2,did:example:c2,"Joseph, Jr.",Castries,LC,"says ""hi""\r\nover two lines"',
      'c3,did:example:c3,Bo,Kingston,JM', // wrong cell count (line 4)
      'c4,did:example:c4,Cy,Roseau,DM,"unterminated',
    ].join('\r\n');
    const issued: Array<{ line: number; credential: Record<string, unknown> }> = [];
    const result = await issuer.issueBatch(
      { text: csv, format: 'csv' },
      { type: 'ResidenceCard', onIssued: (c) => void issued.push({ line: c.line, credential: c.credential }), status: [] },
    );
    expect(result.issued).toBe(2);
    expect(result.invalid.map((i) => [i.line, i.reason])).toEqual([
      [5, expect.stringMatching(/cells/)],
      [6, expect.stringMatching(/unterminated/)],
    ]);
    expect(issued.map((i) => i.line)).toEqual([2, 3]);
    expect(issued[1]?.credential.credentialSubject).toEqual({
      id: 'did:example:c2',
      givenName: 'Joseph, Jr.',
      address: { locality: 'Castries', country: 'LC' },
      note: 'says "hi"\r\nover two lines',
    });
  });

  it('validates only on dryRun and reports unusable input with clear codes', async () => {
    const dry = await issuer.issueBatch(
      { text: '{"subjectId":"did:example:dry","a":1}\n{', format: 'jsonl' },
      { type: 'Dry', dryRun: true },
    );
    expect(dry).toMatchObject({ total: 1, issued: 0 });
    expect(dry.invalid.map((i) => i.line)).toEqual([2]);
    expect(await issuer.log({ type: 'Dry' })).toHaveLength(0);
    await expect(issuer.issueBatch({ path: join(dir, 'missing.jsonl') }, { type: 'T' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(dir, 'extract.txt'), '{}');
    await expect(issuer.issueBatch({ path: join(dir, 'extract.txt') }, { type: 'T' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.issueBatch({ text: '', format: 'jsonl' }, { type: 'T', transactionSize: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const header = await issuer.issueBatch({ text: 'a,a\n1,2', format: 'csv' }, { type: 'T' });
    expect(header.invalid[0]).toMatchObject({ line: 1 });
  });
});
