import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { BatchDeliveryError, type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../../../scripts/postgres.mjs';
import { testDatabase, testEngine } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-batch-out-'));
  issuer = await openIssuer({
    database: await testDatabase(dir, 'out'),
    secret: 'out',
    kdf,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  await issuer.createDid();
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

function extract(name: string, n: number): string {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(
    file,
    `${Array.from({ length: n }, (_, i) => JSON.stringify({ recordKey: `${name}-${i}`, subjectId: `did:example:${name}-${i}`, name: `P${i}` })).join('\n')}\n`,
  );
  return file;
}

/** Every line parses, every credential verifies, each record's credential is there exactly once. */
async function expectWholeOutput(out: string, keys: string[]): Promise<void> {
  const text = readFileSync(out, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { recordKey: string; id: string; jwt: string });
  expect(lines.map((l) => l.recordKey).sort()).toEqual([...keys].sort());
  expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
  const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
  const verified = await verifyCredentials(
    lines.map((l) => l.jwt),
    { status: { lists } },
  );
  expect(verified.every((v) => v.verified)).toBe(true);
}

describe('torn --out lines', () => {
  it('cuts a torn last line on resume and re-emits the credential it held, exactly once', async () => {
    const input = extract('torn', 12);
    const out = join(dir, 'torn.issued.jsonl');
    const first = await issuer.issueBatch({ path: input }, { type: 'Torn', transactionSize: 5, outputPath: out });
    expect(first.issued).toBe(12);
    const size = readFileSync(out).length;
    truncateSync(out, size - 57); // half of the last line, no newline
    const resumed = await issuer.issueBatch({ path: input }, { type: 'Torn', transactionSize: 5, outputPath: out });
    expect(resumed).toMatchObject({ issued: 0, skipped: 12, reemitted: 1, invalid: [] });
    await expectWholeOutput(
      out,
      Array.from({ length: 12 }, (_, i) => `torn-${i}`),
    );

    // A whole last record without its newline counts as torn too.
    truncateSync(out, readFileSync(out).length - 1);
    expect(await issuer.issueBatch({ path: input }, { type: 'Torn', outputPath: out })).toMatchObject({ reemitted: 1 });
    await expectWholeOutput(
      out,
      Array.from({ length: 12 }, (_, i) => `torn-${i}`),
    );
    // A clean file: nothing to do.
    expect(await issuer.issueBatch({ path: input }, { type: 'Torn', outputPath: out })).toMatchObject({ reemitted: 0, skipped: 12 });
  });

  it('cuts a tail of zero bytes (an append the machine crashed in: size grown, data never written) instead of refusing the file', async () => {
    const input = extract('zeros', 6);
    const out = join(dir, 'zeros.issued.jsonl');
    await issuer.issueBatch({ path: input }, { type: 'Zeros', transactionSize: 4, outputPath: out });
    const whole = readFileSync(out);
    const lastLine = whole.lastIndexOf(0x0a, whole.length - 2) + 1;
    writeFileSync(out, Buffer.concat([whole.subarray(0, lastLine), Buffer.alloc(whole.length - lastLine)]));
    const resumed = await issuer.issueBatch({ path: input }, { type: 'Zeros', outputPath: out });
    expect(resumed).toMatchObject({ issued: 0, skipped: 6, reemitted: 1 });
    await expectWholeOutput(
      out,
      Array.from({ length: 6 }, (_, i) => `zeros-${i}`),
    );
  });

  it('repairs a file an older version appended onto a torn line (bad line inside), and commits lost before writing', async () => {
    const input = extract('glued', 6);
    const out = join(dir, 'glued.issued.jsonl');
    await issuer.issueBatch({ path: input }, { type: 'Glued', outputPath: out });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    // Line 3 torn in half with line 4 glued onto it; line 6 never written.
    writeFileSync(out, `${[lines[0], lines[1], `${lines[2]?.slice(0, 40)}${lines[3]}`, lines[4]].join('\n')}\n`);
    const resumed = await issuer.issueBatch({ path: input }, { type: 'Glued', outputPath: out });
    expect(resumed).toMatchObject({ issued: 0, skipped: 6, reemitted: 3 });
    await expectWholeOutput(
      out,
      Array.from({ length: 6 }, (_, i) => `glued-${i}`),
    );
  });
  it('never cuts or drops lines of a file that is not batch output (the input given as --out by mistake)', async () => {
    const input = extract('self', 3);
    const before = readFileSync(input, 'utf8');
    await expect(issuer.issueBatch({ path: input }, { type: 'Self', outputPath: input })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(readFileSync(input, 'utf8')).toBe(before);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'keep me\nand me');
    await expect(issuer.issueBatch({ path: input }, { type: 'Self', outputPath: notes })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(readFileSync(notes, 'utf8')).toBe('keep me\nand me');
    expect(await issuer.log({ type: 'Self' })).toHaveLength(0);
  });
});

describe('storage failures are STORAGE_ERROR', () => {
  it('output that fails after the commit says the credentials were committed, and a re-run delivers them', async () => {
    const input = extract('full', 7);
    const error = await issuer
      .issueBatch({ path: input }, { type: 'Full', transactionSize: 4, outputPath: '/dev/full' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchDeliveryError);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', committed: 4 });
    expect((error as Error).message).toMatch(/4 credential\(s\) of this run were committed.*run the same batch again/);
    expect(await issuer.log({ type: 'Full' })).toHaveLength(4);

    const out = join(dir, 'full.issued.jsonl');
    const resumed = await issuer.issueBatch({ path: input }, { type: 'Full', transactionSize: 4, outputPath: out });
    expect(resumed).toMatchObject({ issued: 3, skipped: 4, reemitted: 4 });
    await expectWholeOutput(
      out,
      Array.from({ length: 7 }, (_, i) => `full-${i}`),
    );
  });

  it('an output file that cannot be opened fails before anything is issued', async () => {
    const input = extract('folder', 3);
    const folder = join(dir, 'a-folder.jsonl');
    mkdirSync(folder);
    await expect(issuer.issueBatch({ path: input }, { type: 'Folder', outputPath: folder })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
    });
    await expect(
      issuer.issueBatch({ path: input }, { type: 'Folder', outputPath: join(dir, 'no', 'such', 'dir.jsonl') }),
    ).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
    });
    expect(await issuer.log({ type: 'Folder' })).toHaveLength(0);
  });

  it.skipIf(testEngine() === 'postgres')(
    'a read-only database gives STORAGE_ERROR for issue, batch, status changes and settings',
    async () => {
      const path = join(dir, 'readonly.db');
      const ro = await openIssuer({ path, secret: 'ro', kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
      await ro.createDid();
      const { id } = await ro.issue({ type: 'T', credentialSubject: { a: 1 } });
      await ro.agent.query('PRAGMA query_only = 1');
      try {
        for (const attempt of [
          () => ro.issue({ type: 'T', credentialSubject: { a: 2 } }),
          () => ro.issueBatch({ text: '{"a":3}', format: 'jsonl' }, { type: 'T' }),
          () => ro.revoke(id),
          () => ro.setDefaultDid(ro.defaultDid as string),
        ]) {
          const error = await attempt().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TradewindError);
          expect(error).toMatchObject({ code: 'STORAGE_ERROR' });
        }
        expect(await ro.log()).toHaveLength(1); // reading still works
      } finally {
        await ro.close();
      }
      expect(existsSync(path)).toBe(true);
    },
  );

  it.skipIf(testEngine() !== 'postgres')(
    'a read-only PostgreSQL database gives STORAGE_ERROR for issue, batch, status changes and settings',
    async () => {
      const database = await testDatabase(dir, 'readonly');
      const ro = await openIssuer({ database, secret: 'ro', kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
      await ro.createDid();
      const { id } = await ro.issue({ type: 'T', credentialSubject: { a: 1 } });
      // Every new session of that database is read-only; the sessions already open end.
      const name = new URL(database).pathname.slice(1);
      await ro.agent.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
      const server = new URL(database);
      server.pathname = '/postgres';
      execFileSync(join(findPostgresBinaries(), 'psql'), [
        '-X',
        '-q',
        '-d',
        server.href,
        '-c',
        `SELECT pg_terminate_backend("pid") FROM "pg_stat_activity" WHERE "datname" = '${name}'`,
      ]);
      // The pool notices its ended sessions as it uses them, and opens read-only ones.
      for (let i = 0; i < 20; i++) {
        const [row] = (await ro.agent.query('SHOW default_transaction_read_only').catch(() => [])) as Array<Record<string, string>>;
        if (row?.default_transaction_read_only === 'on') break;
      }
      try {
        for (const attempt of [
          () => ro.issue({ type: 'T', credentialSubject: { a: 2 } }),
          () => ro.issueBatch({ text: '{"a":3}', format: 'jsonl' }, { type: 'T' }),
          () => ro.revoke(id),
          () => ro.setDefaultDid(ro.defaultDid as string),
        ]) {
          const error = await attempt().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TradewindError);
          expect(error).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringMatching(/read-only transaction/) });
        }
        expect(await ro.log()).toHaveLength(1); // reading still works
        expect((await ro.getIssued(id)).revoked).toBe(false);
      } finally {
        await ro.close();
      }
    },
  );

  it.skipIf(testEngine() === 'postgres')(
    'a full database inside a transaction (SQLITE_FULL at an INSERT) is STORAGE_ERROR, and nothing of it is kept',
    async () => {
      const path = join(dir, 'full.db');
      const full = await openIssuer({ path, secret: 'full', kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
      await full.createDid();
      await full.issue({ type: 'T', credentialSubject: { a: 1 } });
      const [{ page_count }] = (await full.agent.query('PRAGMA page_count')) as Array<{ page_count: number }>;
      await full.agent.query(`PRAGMA max_page_count = ${page_count}`);
      try {
        const big = Array.from({ length: 400 }, (_, i) => JSON.stringify({ recordKey: `f${i}`, name: 'x'.repeat(200) })).join('\n');
        for (const attempt of [
          () => full.issueMany(Array.from({ length: 300 }, (_, i) => ({ type: 'T', credentialSubject: { n: i, pad: 'y'.repeat(300) } }))),
          () => full.issueBatch({ text: big, format: 'jsonl' }, { type: 'T', transactionSize: 400 }),
        ]) {
          const error = await attempt().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TradewindError);
          expect(error).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringMatching(/SQLITE_FULL/) });
        }
        expect(await full.log()).toHaveLength(1);
      } finally {
        await full.close();
      }
    },
  );
});
