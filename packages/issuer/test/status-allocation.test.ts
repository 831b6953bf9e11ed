import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issuer, openIssuer } from '../src/index.js';
import { IndexPermutation } from '../src/index-permutation.js';
import { allocateIndexes } from '../src/status-store.js';
import { testDatabase } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let issuer: Issuer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-alloc-'));
  issuer = await openIssuer({ database: await testDatabase(dir, 'alloc'), secret: 'x', kdf });
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('status index allocation', () => {
  it('the index permutation is a bijection for list sizes that are and are not powers of two', () => {
    for (const size of [16, 24, 1000, 131_072]) {
      const p = new IndexPermutation(Buffer.alloc(32, 7), size);
      const seen = new Set<number>();
      for (let i = 0; i < size; i++) seen.add(p.permute(i));
      expect(seen.size).toBe(size);
      expect([...seen].every((v) => Number.isInteger(v) && v >= 0 && v < size)).toBe(true);
    }
  });

  it('draws indexes that do not follow issuance order (herd privacy)', () => {
    const p = new IndexPermutation(Buffer.alloc(32, 1), 131_072);
    const first = Array.from({ length: 1000 }, (_, i) => p.permute(i));
    const ascending = first.filter((v, i) => i > 0 && v > (first[i - 1] as number)).length;
    expect(ascending).toBeGreaterThan(350);
    expect(ascending).toBeLessThan(650);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(100_000);
  });

  it('opens a new list when one fills, each list a permutation of its positions', async () => {
    const allocations = await issuer.agent.transaction((q) =>
      allocateIndexes(q, issuer.agent.engine, {
        issuer: 'did:example:alloc',
        purpose: 'revocation',
        count: 40,
        baseUrl: 'https://s.example/l',
        listLength: 16,
        now: new Date().toISOString(),
      }),
    );
    const byList = new Map<string, number[]>();
    for (const a of allocations) byList.set(a.listId, [...(byList.get(a.listId) ?? []), a.index]);
    expect([...byList.values()].map((v) => v.length)).toEqual([16, 16, 8]);
    for (const indexes of byList.values()) expect(new Set(indexes).size).toBe(indexes.length);
    expect([...byList.values()][0]?.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // Continuing fills the open list before opening another.
    const more = await issuer.agent.transaction((q) =>
      allocateIndexes(q, issuer.agent.engine, {
        issuer: 'did:example:alloc',
        purpose: 'revocation',
        count: 8,
        baseUrl: 'https://s.example/l',
        listLength: 16,
        now: new Date().toISOString(),
      }),
    );
    expect(new Set(more.map((m) => m.listId)).size).toBe(1);
    const third = [...byList.entries()][2] as [string, number[]];
    expect(more[0]?.listId).toBe(third[0]);
    expect(new Set([...third[1], ...more.map((m) => m.index)]).size).toBe(16);
  });

  it('rolls back the allocation with the transaction', async () => {
    const before = (await issuer.agent.query('SELECT COALESCE(SUM(used),0) AS n FROM tw_status_list')) as Array<{ n: number }>;
    await expect(
      issuer.agent.transaction(async (q) => {
        await allocateIndexes(q, issuer.agent.engine, {
          issuer: 'did:example:alloc',
          purpose: 'suspension',
          count: 5,
          baseUrl: 'https://s.example/l',
          listLength: 16,
          now: new Date().toISOString(),
        });
        throw new Error('crash before the log entry');
      }),
    ).rejects.toThrow('crash');
    const after = (await issuer.agent.query('SELECT COALESCE(SUM(used),0) AS n FROM tw_status_list')) as Array<{ n: number }>;
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});
