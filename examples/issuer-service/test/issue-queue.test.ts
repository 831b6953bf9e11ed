import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IssueDocumentRequest, type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssueQueue, MAX_GROUP } from '../src/issue-queue.js';
import { credentialDocument, TEST_KDF } from './helpers.js';

let dir: string;
let issuer: Issuer;
const groups: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tw-issue-queue-'));
  issuer = await openIssuer({
    path: join(dir, 'issuer.db'),
    secret: 's',
    kdf: TEST_KDF,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  await issuer.createDid({ method: 'web', domain: 'registry.gov.example' });
  // Count the transactions: every issueMany call is one.
  const issueMany = issuer.issueMany.bind(issuer);
  issuer.issueMany = (requests, now) => {
    groups.push(requests.length);
    return issueMany(requests, now);
  };
});
afterAll(async () => {
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (i: number): IssueDocumentRequest => ({
  credential: credentialDocument({ givenName: `Ana ${i}` }),
  status: ['revocation'],
});

describe('IssueQueue (group commit)', () => {
  it('gathers the calls made while a transaction runs into the next one, at most MAX_GROUP each', async () => {
    groups.length = 0;
    const queue = new IssueQueue(issuer);
    const issued = await Promise.all(Array.from({ length: MAX_GROUP + 45 }, (_, i) => queue.issue(request(i))));
    expect(issued).toHaveLength(MAX_GROUP + 45);
    expect(new Set(issued.map((c) => c.id)).size).toBe(MAX_GROUP + 45);
    // The first call starts a transaction alone; the rest wait for it and go in groups.
    expect(groups[0]).toBe(1);
    expect(Math.max(...groups)).toBe(MAX_GROUP);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(MAX_GROUP + 45);
    expect(groups.length).toBeLessThan(10);
    for (const c of issued) expect((await issuer.getIssued(c.id)).credentialId).toBe(c.id);
  });

  it('fails only the bad requests of a group, each with its own error, and issues the others', async () => {
    groups.length = 0;
    const queue = new IssueQueue(issuer);
    const bad = { credential: { ...credentialDocument(), proof: { type: 'DataIntegrityProof' } } } as IssueDocumentRequest;
    const taken = { ...request(-1), recordKey: 'row-1' };
    const results = await Promise.allSettled([
      queue.issue(request(0)),
      queue.issue(request(1)),
      queue.issue(bad),
      queue.issue(request(2)),
      queue.issue(taken),
      queue.issue({ ...request(-2), recordKey: 'row-1' }),
      queue.issue(request(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/credential/proof' });
    expect((results[5] as PromiseRejectedResult).reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    const log = await issuer.log({ limit: 100_000 });
    for (const r of results) if (r.status === 'fulfilled') expect(log.some((l) => l.credentialId === r.value.id)).toBe(true);
    await queue.drain();
  });
});
