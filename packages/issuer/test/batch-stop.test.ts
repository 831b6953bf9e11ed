import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import type { Issuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('batch-stop'));
});
afterAll(() => closeTempIssuer(issuer, dir));

function extract(name: string, count: number): string {
  const path = join(dir, `${name}.jsonl`);
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ recordKey: `${name}-${i}`, subjectId: `did:example:${name}-${i}`, givenName: `P${i}` }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function outputIds(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

describe('issueBatch signal', () => {
  it('stops after the transaction under way commits and is written; the same input run again finishes it, each credential once', async () => {
    const input = extract('stop', 23);
    const output = join(dir, 'stop.issued.jsonl');
    const controller = new AbortController();
    const first = await issuer.issueBatch(
      { path: input },
      {
        type: 'BirthCertificate',
        transactionSize: 5,
        outputPath: output,
        batchId: 'stop-job',
        signal: controller.signal,
        // Aborted in the middle of the second transaction's delivery: that one still completes.
        onIssued: (c) => {
          if (c.line === 7) controller.abort();
        },
      },
    );
    expect(first).toMatchObject({ stopped: true, total: 23, issued: 10, skipped: 0 });
    expect(outputIds(output)).toHaveLength(10);
    const logged = await issuer.log({ batchId: 'stop-job' });
    expect(new Set(logged.map((l) => l.credentialId))).toEqual(new Set(outputIds(output)));

    const second = await issuer.issueBatch(
      { path: input },
      { type: 'BirthCertificate', transactionSize: 5, outputPath: output, batchId: 'stop-job' },
    );
    expect(second.stopped).toBeUndefined();
    expect(second).toMatchObject({ total: 23, issued: 13, skipped: 10, reemitted: 0 });
    const ids = outputIds(output);
    expect(ids).toHaveLength(23);
    expect(new Set(ids).size).toBe(23);
    const all = await issuer.log({ batchId: 'stop-job' });
    expect(all.map((l) => l.recordKey).sort()).toEqual(Array.from({ length: 23 }, (_, i) => `stop-${i}`).sort());
    expect(new Set(all.map((l) => l.credentialId))).toEqual(new Set(ids));
    const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
    const jwts = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { jwt: string }).jwt);
    expect((await verifyCredentials(jwts, { status: { lists } })).every((v) => v.verified)).toBe(true);
  });

  it('aborted between transactions (from onProgress), stops before the next one begins', async () => {
    const input = extract('progress', 12);
    const controller = new AbortController();
    const done: number[] = [];
    const result = await issuer.issueBatch(
      { path: input },
      {
        type: 'BirthCertificate',
        transactionSize: 4,
        signal: controller.signal,
        onProgress: (p) => {
          done.push(p.done);
          controller.abort();
        },
      },
    );
    expect(done).toEqual([4]);
    expect(result).toMatchObject({ stopped: true, issued: 4 });
    expect(await issuer.log({ batchId: result.batchId })).toHaveLength(4);
  });

  it('a batch whose last transaction was under way when aborted is complete, not stopped', async () => {
    const input = extract('last', 6);
    const controller = new AbortController();
    const result = await issuer.issueBatch(
      { path: input },
      {
        type: 'BirthCertificate',
        transactionSize: 3,
        signal: controller.signal,
        onIssued: (c) => void (c.line === 5 && controller.abort()),
      },
    );
    expect(result.stopped).toBeUndefined();
    expect(result).toMatchObject({ total: 6, issued: 6 });
  });

  it('an already aborted signal issues nothing and writes no output file', async () => {
    const input = extract('before', 3);
    const output = join(dir, 'before.issued.jsonl');
    const result = await issuer.issueBatch({ path: input }, { type: 'BirthCertificate', outputPath: output, signal: AbortSignal.abort() });
    expect(result).toMatchObject({ stopped: true, issued: 0, skipped: 0 });
    expect(await issuer.log({ batchId: result.batchId })).toHaveLength(0);
    expect(() => readFileSync(output)).toThrow();
  });

  it('aborted while records are validated, stops there having issued nothing', async () => {
    const input = extract('validating', 3000);
    const controller = new AbortController();
    const result = await issuer.issueBatch(
      { path: input },
      {
        type: 'BirthCertificate',
        signal: controller.signal,
        validate: (_subject, line) => {
          if (line === 1) controller.abort();
          return undefined;
        },
      },
    );
    expect(result.stopped).toBe(true);
    expect(result.issued).toBe(0);
    expect(result.total).toBeLessThan(3000);
    expect(await issuer.log({ batchId: result.batchId })).toHaveLength(0);
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    const error = await issuer
      .issueBatch({ text: '{}', format: 'jsonl' }, { type: 'X', signal: { aborted: true } as unknown as AbortSignal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TradewindError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/signal' });
  });
});
