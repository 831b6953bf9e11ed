import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, MAX_INVALID_LISTED, MAX_RECORD_BYTES } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('safety'));
});
afterAll(() => closeTempIssuer(issuer, dir));

function prototypeIsClean(): void {
  expect(({} as Record<string, unknown>).x).toBeUndefined();
  expect(({} as Record<string, unknown>).subjectId).toBeUndefined();
  expect(({} as Record<string, unknown>).id).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

describe('prototype pollution through batch input', () => {
  it('refuses a CSV column named __proto__.x (or a.constructor.b, prototype) and leaves Object.prototype alone', async () => {
    for (const column of ['__proto__.x', 'a.constructor.b', 'prototype', 'address.__proto__', 'constructor']) {
      const csv = `recordKey,subjectId,${column}\nk1,did:example:victim,did:example:attacker\n`;
      const result = await issuer.issueBatch({ text: csv, format: 'csv' }, { type: 'PollutedCsv', status: [] });
      expect(result.issued, column).toBe(0);
      expect(result.invalid, column).toEqual([
        expect.objectContaining({ line: 1, code: 'MALFORMED', reason: expect.stringMatching(/not allowed/) }),
      ]);
      prototypeIsClean();
    }
  });

  it('refuses JSONL members __proto__, constructor, prototype at any depth, by line, and issues the other lines', async () => {
    const lines = [
      '{"recordKey":"p1","__proto__":{"x":"polluted","subjectId":"did:example:attacker"},"name":"A"}',
      '{"recordKey":"p2","credentialSubject":{"id":"did:example:b","address":{"__proto__":{"x":1}}}}',
      '{"recordKey":"p3","name":"C","constructor":{"prototype":{"x":1}}}',
      '{"recordKey":"p4","name":"D","list":[{"prototype":1}]}',
      '{"recordKey":"p5","subjectId":"did:example:e","name":"E"}',
    ].join('\n');
    const issued: Array<Record<string, unknown>> = [];
    const result = await issuer.issueBatch(
      { text: lines, format: 'jsonl' },
      { type: 'PollutedJsonl', status: [], onIssued: (c) => void issued.push(c.credential.credentialSubject as Record<string, unknown>) },
    );
    expect(result.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [1, 'MALFORMED', '/__proto__'],
      [2, 'MALFORMED', '/credentialSubject/address/__proto__'],
      [3, 'MALFORMED', '/constructor'],
      [4, 'MALFORMED', '/list/0/prototype'],
    ]);
    expect(result.issued).toBe(1);
    expect(issued).toEqual([{ id: 'did:example:e', name: 'E' }]);
    prototypeIsClean();
  });

  it('a later batch in the same process binds each credential to its own subject only', async () => {
    await issuer.issueBatch(
      { text: 'recordKey,__proto__.subjectId\nh1,did:example:attacker\n', format: 'csv' },
      { type: 'Hostile', status: [] },
    );
    await issuer.issueBatch(
      { text: '{"recordKey":"h2","__proto__":{"subjectId":"did:example:attacker"}}', format: 'jsonl' },
      { type: 'Hostile', status: [] },
    );
    prototypeIsClean();
    const subjects: unknown[] = [];
    const later = await issuer.issueBatch(
      { text: 'recordKey,name\nl1,Asha\nl2,Bo\n', format: 'csv' },
      { type: 'Later', status: [], onIssued: (c) => void subjects.push(c.credential.credentialSubject) },
    );
    expect(later.issued).toBe(2);
    expect(subjects).toEqual([{ name: 'Asha' }, { name: 'Bo' }]);
  });

  it('requiredClaims are not satisfied by inherited members (toString, hasOwnProperty, a polluted prototype)', async () => {
    const text = '{"recordKey":"rq1","subjectId":"did:example:rq","name":"X","address":{"city":"Roseau"}}';
    for (const claim of ['toString', 'hasOwnProperty', 'address.valueOf', 'givenName']) {
      const result = await issuer.issueBatch(
        { text, format: 'jsonl' },
        { type: 'Required', status: [], requiredClaims: [claim], dryRun: true },
      );
      expect(result.total, claim).toBe(0);
      expect(result.invalid[0]?.reason, claim).toMatch(/missing required claim/);
    }
    // Even were Object.prototype polluted by someone else, only own members count.
    const proto = Object.prototype as Record<string, unknown>;
    proto.givenName = 'inherited';
    try {
      const result = await issuer.issueBatch(
        { text, format: 'jsonl' },
        { type: 'Required', status: [], requiredClaims: ['givenName'], dryRun: true },
      );
      expect(result.total).toBe(0);
    } finally {
      delete proto.givenName;
    }
  });

  it('refuses __proto__ in the claims of a single issue as well', async () => {
    const subject = JSON.parse('{"id":"did:example:one","__proto__":{"x":1},"name":"A"}') as Record<string, unknown>;
    const error = await issuer.issue({ type: 'T', credentialSubject: subject as never, status: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TradewindError);
    expect(error).toMatchObject({ code: 'MALFORMED', path: '/credentialSubject/__proto__' });
    prototypeIsClean();
  });
});

describe('invalid UTF-8 in a batch file', () => {
  it('rejects the line instead of signing U+FFFD replacements (JSONL and CSV)', async () => {
    const jsonl = join(dir, 'latin1.jsonl');
    writeFileSync(
      jsonl,
      Buffer.concat([
        Buffer.from('{"recordKey":"u1","subjectId":"did:example:u1","name":"Ana"}\n'),
        Buffer.from('{"recordKey":"u2","subjectId":"did:example:u2","name":"Jos'),
        Buffer.from([0xe9]), // é in Latin-1: not UTF-8
        Buffer.from('"}\n{"recordKey":"u3","subjectId":"did:example:u3","name":"Zoë"}\n'),
      ]),
    );
    const names: unknown[] = [];
    const result = await issuer.issueBatch(
      { path: jsonl },
      { type: 'Utf8', status: [], onIssued: (c) => void names.push((c.credential.credentialSubject as { name: string }).name) },
    );
    expect(result.invalid).toEqual([{ line: 2, code: 'MALFORMED', reason: 'not valid UTF-8' }]);
    expect(names).toEqual(['Ana', 'Zoë']);

    const csv = join(dir, 'latin1.csv');
    writeFileSync(
      csv,
      Buffer.concat([Buffer.from('recordKey,name,note\nc1,Ana,"two\n'), Buffer.from([0xff, 0xfe]), Buffer.from(' lines"\nc2,Bo,ok\n')]),
    );
    const csvResult = await issuer.issueBatch({ path: csv }, { type: 'Utf8Csv', status: [] });
    expect(csvResult.invalid).toEqual([{ line: 2, code: 'MALFORMED', reason: 'not valid UTF-8' }]);
    expect(csvResult.issued).toBe(1);
    for (const entry of await issuer.log({ type: 'Utf8' })) expect(JSON.stringify(entry)).not.toContain('\uFFFD');
  });

  it('rejects a lone surrogate in text input', async () => {
    const result = await issuer.issueBatch(
      { text: '{"recordKey":"s1","name":"a\uD800b"}\n{"recordKey":"s2","name":"ok"}', format: 'jsonl' },
      { type: 'Sur', status: [], dryRun: true },
    );
    expect(result.invalid).toEqual([{ line: 1, code: 'MALFORMED', reason: 'not valid UTF-8' }]);
    expect(result.total).toBe(1);
  });
});

describe('unbounded batch input', () => {
  it('a 30 MB unterminated CSV quote fails fast with LIMIT_EXCEEDED; the records before it are issued', async () => {
    const file = join(dir, 'runaway.csv');
    writeFileSync(file, `recordKey,name,note\nq1,Ana,fine\nq2,Bo,"${'x'.repeat(30 * 1024 * 1024)}\n`);
    const started = performance.now();
    const result = await issuer.issueBatch({ path: file }, { type: 'Runaway', status: [] });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.issued).toBe(1);
    expect(result.invalid).toEqual([expect.objectContaining({ line: 3, code: 'LIMIT_EXCEEDED' })]);

    // The same with line breaks inside the runaway quote: stops at the bound, not at the end.
    const lines = join(dir, 'runaway-lines.csv');
    writeFileSync(lines, `recordKey,name,note\nq3,Ana,"${'a,b,c\n'.repeat(5 * 1024 * 1024)}`);
    const started2 = performance.now();
    const second = await issuer.issueBatch({ path: lines }, { type: 'Runaway', status: [], dryRun: true });
    expect(performance.now() - started2).toBeLessThan(1_000);
    expect(second.invalid).toEqual([
      expect.objectContaining({ line: 2, code: 'LIMIT_EXCEEDED', reason: expect.stringMatching(/unterminated/) }),
    ]);
  });

  it('an over-long CSV line whose quotes balance is skipped alone; one that leaves a quote open stops the input', async () => {
    const long = 'z'.repeat(MAX_RECORD_BYTES + 10);
    const balanced = `recordKey,note\nk1,a\nk2,"${long}, still ""quoted"""\nk3,c\n`;
    writeFileSync(join(dir, 'balanced.csv'), balanced);
    for (const input of [{ path: join(dir, 'balanced.csv') }, { text: balanced, format: 'csv' as const }]) {
      const result = await issuer.issueBatch(input, { type: 'LongCsv', status: [], dryRun: true });
      expect(result.total).toBe(2);
      expect(result.invalid).toEqual([{ line: 3, code: 'LIMIT_EXCEEDED', reason: `record is longer than ${MAX_RECORD_BYTES} bytes` }]);
    }
    const open = join(dir, 'open.csv');
    writeFileSync(open, `recordKey,note\nk1,a\nk2,"${long}\nk3,c\nk4,d\n`);
    const stopped = await issuer.issueBatch({ path: open }, { type: 'LongCsv', status: [], dryRun: true });
    expect(stopped.total).toBe(1);
    expect(stopped.invalid).toEqual([
      expect.objectContaining({ line: 3, code: 'LIMIT_EXCEEDED', reason: expect.stringMatching(/not read/) }),
    ]);
  });

  it('an over-long JSONL line is reported and skipped without stopping the batch', async () => {
    const file = join(dir, 'long.jsonl');
    writeFileSync(
      file,
      [
        '{"recordKey":"L1","name":"a"}',
        `{"recordKey":"L2","name":"${'y'.repeat(MAX_RECORD_BYTES)}"}`,
        '{"recordKey":"L3","name":"c"}',
      ].join('\n'),
    );
    const result = await issuer.issueBatch({ path: file }, { type: 'Long', status: [], dryRun: true });
    expect(result.total).toBe(2);
    expect(result.invalid).toEqual([{ line: 2, code: 'LIMIT_EXCEEDED', reason: `record is longer than ${MAX_RECORD_BYTES} bytes` }]);
  });

  it('refuses an endless or one-shot input (a device, a pipe) instead of reading it forever or issuing nothing', async () => {
    await expect(issuer.issueBatch({ path: '/dev/zero', format: 'jsonl' }, { type: 'Zero' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(issuer.issueBatch({ path: dir, format: 'csv' }, { type: 'Dir' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.issueBatch({ path: join(dir, 'absent.jsonl') }, { type: 'Absent' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists at most MAX_INVALID_LISTED bad lines and counts the rest (a file of junk costs no more memory than a good one)', async () => {
    const file = join(dir, 'junk.jsonl');
    writeFileSync(file, `${'{\n'.repeat(MAX_INVALID_LISTED + 500)}{"recordKey":"good","name":"ok"}\n`);
    const result = await issuer.issueBatch({ path: file }, { type: 'Junk', status: [], dryRun: true });
    expect(result.total).toBe(1);
    expect(result.invalid).toHaveLength(MAX_INVALID_LISTED);
    expect(result.invalidCount).toBe(MAX_INVALID_LISTED + 500);
  });

  it('refuses records nested deeper than the bound', async () => {
    const deep = `{"recordKey":"d1","a":${'['.repeat(40)}1${']'.repeat(40)}}`;
    const result = await issuer.issueBatch({ text: deep, format: 'jsonl' }, { type: 'Deep', status: [], dryRun: true });
    expect(result.invalid[0]).toMatchObject({ line: 1, code: 'LIMIT_EXCEEDED' });
  });
});
