// Threat: scripts read the exit status and, under --json, parse stderr. A missing
// issue-batch input exited 1 (NOT_FOUND from the library, read as "records invalid")
// where every other unreadable file exits 2, and `tradewind wallet --json` without a
// subcommand printed the usage text where a script expects one JSON line.
import { describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

describe('the CLI contract: exit 2 and a JSON error line for usage problems', () => {
  it('issue-batch with a missing input file: usage error NOT_FOUND, exit 2, before any database is opened', async () => {
    const r = await runMain(['issue-batch', 'no-such-extract.jsonl', '--type', 'T', '--db', 'no-such.db', '--json'], {
      env: { TRADEWIND_SECRET: 's' },
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no-such-extract.jsonl') });
    const human = await runMain(['issue-batch', 'no-such-extract.csv', '--type', 'T'], { env: {} });
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/cannot read batch input no-such-extract\.csv: no such file/);
  });

  it.each(['wallet', 'issuer', 'status', 'did', 'recognition-list'])(
    '%s --json without a subcommand: one JSON error line, exit 2',
    async (family) => {
      const r = await runMain([family, '--json']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(r.stderr).error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('needs a subcommand'),
      });
    },
  );

  it('without --json the usage text is still printed', async () => {
    const r = await runMain(['wallet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: tradewind wallet/);
  });
});

// Threat: number flags were read with Number(), so `--valid-for 0x10` published lists
// valid for 16 seconds, `--limit 1e3` meant 1000 and `--limit ' 5'` 5: a typo silently
// meant something else. Digits only, in range, or a usage error naming the flag.
describe('whole-number flags take decimal digits only', () => {
  it.each([
    ['status', 'publish', '--out', 'x', '--valid-for'],
    ['issuer', 'log', '--limit'],
    ['issue-batch', 'x.jsonl', '--type', 'T', '--transaction-size'],
  ])('%s %s … : 0x10, 1e3, " 5", 5.5, -1 and "" are usage errors (exit 2) naming the flag', async (...args) => {
    const flag = args[args.length - 1] as string;
    for (const value of ['0x10', '1e3', ' 5', '5.5', '', '99999999999999999']) {
      const r = await runMain([...args, value, '--json'], { env: { TRADEWIND_SECRET: 's', TRADEWIND_ISSUER_DB: '/nonexistent/i.db' } });
      expect(r.code, `${flag} ${JSON.stringify(value)}`).toBe(2);
      expect(JSON.parse(r.stderr).error.message, value).toContain(`${flag} takes a whole number`);
    }
    expect((await runMain([...args, '-1'])).code).toBe(2);
  });
});

// Threat: under --json, issue-batch still drew its progress bar (CR-redrawn lines) on
// stderr, so a script reading the one JSON error line of a failure got progress text
// in front of it, and a successful run left control characters in its log.
describe('issue-batch --json: stderr holds nothing but a JSON error line', () => {
  it('a successful run writes nothing to stderr; a failing one exactly one JSON line', async () => {
    const { mkdtempSync, rmSync, writeFileSync, chmodSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tw-cli-batch-json-'));
    try {
      const env = { TRADEWIND_SECRET: 'batch json secret', TRADEWIND_ISSUER_DB: join(dir, 'registry.db') };
      expect((await runMain(['issuer', 'init'], { env })).code).toBe(0);
      const input = join(dir, 'people.jsonl');
      writeFileSync(input, `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ recordKey: `p-${i}`, name: `P${i}` })).join('\n')}\n`);
      const ok = await runMain(['issue-batch', input, '--type', 'T', '--status', 'none', '--transaction-size', '5', '--json'], { env });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toBe('');
      expect(JSON.parse(ok.stdout).issued).toBe(30);
      const out = join(dir, 'taken');
      writeFileSync(out, 'not a batch output line\n');
      chmodSync(out, 0o644);
      const failed = await runMain(['issue-batch', input, '--type', 'T', '--status', 'none', '--out', out, '--json'], { env });
      expect(failed.code).toBe(2);
      expect(failed.stderr.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(failed.stderr).error.code).toBe('INVALID_ARGUMENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
