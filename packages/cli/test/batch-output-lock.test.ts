// Threat: two runs of the same `tradewind issue-batch` into the same --out at once (a
// cron job overlapping a manual run) each re-emitted what the other had appended: 5,000
// credentials came out as 8,500 lines. The output file is now locked for the run (an OS
// lock on a sidecar, released when the process dies); the second run stops at once with
// STORAGE_ERROR and writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '@tradewind/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-batch-lock-'));
const env = { TRADEWIND_SECRET: 'batch lock secret', TRADEWIND_ISSUER_DB: join(dir, 'registry.db') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('issue-batch --out is written by one run at a time', () => {
  it('while another run holds the output, a second run stops with STORAGE_ERROR and writes nothing; afterwards it runs', async () => {
    const input = join(dir, 'births.jsonl');
    writeFileSync(input, `${Array.from({ length: 20 }, (_, i) => JSON.stringify({ recordKey: `b-${i}`, name: `P${i}` })).join('\n')}\n`);
    const out = join(dir, 'births.issued.jsonl');
    const blocked = await withFileLock(join(dir, '.births.issued.jsonl.lock'), 0, () =>
      runMain(['issue-batch', input, '--type', 'BirthCertificate', '--out', out, '--json'], { env }),
    );
    expect(blocked.code).toBe(2);
    expect(JSON.parse(blocked.stderr).error).toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('is being written by another tradewind issue-batch'),
    });
    expect(existsSync(out)).toBe(false);

    const run = await runMain(['issue-batch', input, '--type', 'BirthCertificate', '--out', out], { env });
    expect(run.code, run.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(new Set(lines.map((l) => JSON.parse(l).recordKey)).size).toBe(20);
    expect(lines).toHaveLength(20);
  }, 60_000);
});
